import re

import pytest
from playwright.sync_api import expect

from apps.assets.models import MirroredAsset, MirroredFolder
from apps.assets.services import asset_sync_start
from apps.audit.context import AuditContext
from apps.core.permissions import Role
from apps.instances.services import grant_set
from tests.assets.conftest import run_sync
from tests.conftest import needs_shared_services
from tests.e2e.conftest import NARROW, assert_no_sideways_scroll, sign_in
from tests.factories import UserFactory, make_instance


def _instance(sandbox):
    return make_instance(
        "Sandbox",
        client_id=sandbox.client_id,
        secret=sandbox.client_secret,
        rest_url=sandbox.rest_url,
        identity_url=sandbox.identity_url,
        calls_per_20s=100,
    )


@pytest.fixture
def mirrored(sandbox, role_groups):
    instance = _instance(sandbox)
    run_sync(asset_sync_start(instance=instance, audit=AuditContext.system()).pk)
    otto = UserFactory(username="otto", role=Role.OPERATOR)
    grant_set(
        instance=instance, user=otto, role="operator", actor=None, audit=AuditContext.system()
    )
    return instance


def test_expanding_the_tree_loads_sub_folders_and_opens_a_folder(page, mirrored):
    sign_in(page, "otto")
    page.goto(f"/assets/{mirrored.pk}/")
    root = MirroredFolder.objects.get(instance=mirrored, name="Marketing Activities")
    node = page.locator(f'details[data-folder="folder-{root.marketo_id}"]')
    node.locator("summary").click(position={"x": 4, "y": 8})
    children = node.locator(":scope > .tree-children")
    expect(children).to_contain_text("EMEA")
    children.get_by_role("link", name="EMEA", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("EMEA")
    expect(page.locator(".crumbs")).to_contain_text("Marketing Activities")


def test_the_tree_shows_the_three_roots_and_the_lead_database_lists(page, mirrored):
    """folders.md: Marketing Activities, Design Studio and Lead Database; the lists outside
    programs live under Lead Database (static-lists.md, smart-lists.md)."""
    sign_in(page, "otto")
    page.goto(f"/assets/{mirrored.pk}/")
    roots = page.locator(".asset-tree .tree > .tree-node > details > summary > a")
    expect(roots).to_have_text(["Marketing Activities", "Design Studio", "Lead Database"])
    root = MirroredFolder.objects.get(instance=mirrored, name="Lead Database")
    node = page.locator(f'details[data-folder="folder-{root.marketo_id}"]')
    node.locator("summary").click(position={"x": 4, "y": 8})
    default = MirroredFolder.objects.get(instance=mirrored, path="/Lead Database/Default")
    workspace = node.locator(f'details[data-folder="folder-{default.marketo_id}"]')
    workspace.locator("summary").click(position={"x": 4, "y": 8})
    workspace.locator(":scope > .tree-children").get_by_role(
        "link", name="Group Lists", exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Group Lists")
    expect(page.locator(".crumbs")).to_contain_text("Lead Database")
    listing = page.locator("#listing")
    for name in ("Foundation Seed List", "Blacklist Seed List", "Possible Duplicates Seed List"):
        expect(listing.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(listing.locator(".type-badge.type-static_list")).to_have_count(3)
    expect(listing.locator(".type-badge.type-static_list").first).to_have_text("Static list")


def test_searching_finds_assets_across_the_instance(page, mirrored):
    sign_in(page, "otto")
    page.goto(f"/assets/{mirrored.pk}/")
    page.get_by_label("Search").fill("registration")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#listing")).to_contain_text("for “registration” in the whole instance")
    expect(page).to_have_url(re.compile(r"q=registration"))
    first = page.locator(".asset-table tbody tr a").first
    expect(first).to_contain_text("Registration Form")
    first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Registration Form")


def test_an_asset_page_shows_its_record_and_deep_links_work(page, mirrored):
    email = MirroredAsset.objects.filter(instance=mirrored, asset_type="email").first()
    sign_in(page, "otto")
    page.goto(f"/assets/{mirrored.pk}/asset/email/{email.marketo_id}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(email.name)
    expect(page.locator(".facts")).to_contain_text(email.folder.path)
    page.get_by_text("Marketo's record (raw)").click()
    expect(page.locator(".raw-record pre")).to_contain_text('"subject"')
    # The tree shows the way to the asset's folder, opened.
    expect(page.locator(".tree a[aria-current='page']").first).to_be_visible()


@pytest.mark.parametrize("where", ["root", "folder", "asset", "confirm", "search"])
def test_asset_pages_fit_a_375px_screen(open_page, mirrored, where):
    email = MirroredAsset.objects.filter(instance=mirrored, asset_type="email").first()
    folder = email.folder
    path = {
        "root": f"/assets/{mirrored.pk}/",
        "folder": f"/assets/{mirrored.pk}/folder/{folder.kind_slug}/{folder.marketo_id}/",
        "asset": f"/assets/{mirrored.pk}/asset/email/{email.marketo_id}/",
        "confirm": f"/assets/{mirrored.pk}/asset/email/{email.marketo_id}/clone/",
        "search": f"/assets/{mirrored.pk}/?q=email&sort=-updated",
    }[where]
    page = open_page(viewport=NARROW)
    sign_in(page, "otto")
    page.goto(path)
    assert_no_sideways_scroll(page)


@needs_shared_services
def test_approving_a_draft_shows_marketos_answer(page, mirrored, celery_worker_process):
    draft = MirroredAsset.objects.filter(
        instance=mirrored, asset_type="email", status="draft"
    ).first()
    sign_in(page, "otto")
    page.goto(f"/assets/{mirrored.pk}/asset/email/{draft.marketo_id}/")
    page.get_by_role("button", name="Approve the draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Approve the draft?")
    page.get_by_role("button", name="Yes, approve the draft").click()
    expect(page.locator("#action-status")).to_contain_text(
        "Approved: the draft is now the live version.", timeout=45_000
    )
    draft.refresh_from_db()
    assert draft.status == "approved"


def test_an_action_marketo_would_refuse_is_not_offered(page, mirrored):
    """issue 15 item 3: no Unapprove on a never-approved draft, no Approve on an approved
    asset; an old link to one explains instead of offering to send it."""
    draft = MirroredAsset.objects.filter(
        instance=mirrored, asset_type="email", status="draft"
    ).first()
    approved = MirroredAsset.objects.filter(
        instance=mirrored, asset_type="snippet", status="approved"
    ).first()
    sign_in(page, "otto")
    page.goto(f"/assets/{mirrored.pk}/asset/email/{draft.marketo_id}/")
    actions = page.locator(".asset-actions")
    expect(actions.get_by_role("button", name="Approve the draft")).to_be_visible()
    expect(actions.get_by_role("button", name="Unapprove")).to_have_count(0)
    page.goto(f"/assets/{mirrored.pk}/asset/snippet/{approved.marketo_id}/")
    expect(actions.get_by_role("button", name="Unapprove")).to_be_visible()
    expect(actions.get_by_role("button", name="Approve the draft")).to_have_count(0)
    page.goto(f"/assets/{mirrored.pk}/asset/snippet/{approved.marketo_id}/approve/")
    expect(page.locator(".confirm")).to_contain_text("no draft to approve")
    expect(page.get_by_role("button", name="Yes, approve the draft")).to_have_count(0)


@needs_shared_services
def test_approve_then_clone_without_a_reload_links_to_the_copy(
    open_page, mirrored, celery_worker_process
):
    """issue 15 item 3: after Approve the row updates in place with one message; a clone
    right after works, starts in the source's folder, and its message links to the copy."""
    draft = MirroredAsset.objects.filter(
        instance=mirrored, asset_type="email", status="draft"
    ).first()
    page = open_page(viewport=NARROW)
    sign_in(page, "otto")
    page.goto(f"/assets/{mirrored.pk}/asset/email/{draft.marketo_id}/")
    page.get_by_role("button", name="Approve the draft").click()
    page.get_by_role("button", name="Yes, approve the draft").click()
    status = page.locator("#action-status")
    expect(status).to_contain_text("Approved: the draft is now the live version.", timeout=45_000)
    card = page.locator("#asset-card")
    expect(card.locator(".facts")).to_contain_text("Approved")
    expect(card.locator(".facts")).not_to_contain_text("draft")
    expect(card.get_by_role("button", name="Approve the draft")).to_have_count(0)
    expect(page.locator(".flash")).to_have_count(1)  # one message, not "sent" and "done"
    assert_no_sideways_scroll(page)

    card.get_by_role("button", name="Clone").click()
    folder = page.get_by_label("Folder")
    expect(folder.locator("option:checked")).to_have_text(draft.folder.path)
    page.get_by_label("Name of the copy").fill("Approved then cloned")
    page.get_by_role("button", name="Yes, clone").click()
    expect(status).to_contain_text("Cloned as “Approved then cloned”.", timeout=45_000)
    assert_no_sideways_scroll(page)
    status.get_by_role("link", name="Open the copy").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Approved then cloned")
    copy = MirroredAsset.objects.get(instance=mirrored, name="Approved then cloned")
    assert page.url.endswith(f"/asset/email/{copy.marketo_id}/")


@needs_shared_services
def test_sync_now_shows_the_progress_bar_until_done(
    page, sandbox, role_groups, celery_worker_process
):
    instance = _instance(sandbox)
    UserFactory(username="ada", role=Role.ADMIN)
    sign_in(page, "ada")
    page.goto(f"/assets/{instance.pk}/")
    expect(page.locator("[data-staleness]")).to_have_text("never synced")
    sandbox.script_fault(hang=0.05)  # slow enough to watch the bar move (60-odd calls)
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("[data-sync-progress]")).to_be_visible()
    expect(page.locator("[data-sync-done]")).to_be_visible(timeout=90_000)
    expect(page.locator("[data-staleness]")).to_contain_text("synced")
    sandbox.clear_faults()
    page.goto(f"/assets/{instance.pk}/")
    expect(page.locator(".tree")).to_contain_text("Marketing Activities")

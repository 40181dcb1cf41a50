"""Browser tests of the asset browser in a marketer's words (issue 15, item 2): where each
asset lives, types and statuses by name, a search box that fits, moments in words."""

import re
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from apps.accounts.services import profile_update
from apps.assets.labels import APPROVAL_GROUP, CAMPAIGN_GROUP, STEP_LABELS
from apps.assets.models import AssetStatus, AssetType, MirroredAsset, MirroredFolder
from apps.audit.context import AuditContext
from apps.core.templatetags.moments import exact_text
from tests.e2e.conftest import NARROW, assert_no_sideways_scroll, sign_in
from tests.e2e.test_assets import mirrored  # noqa: F401 (the fixture)

WIDE = {"width": 1366, "height": 800}
VIEWPORTS = pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["1366px", "375px"])
# The codes the type column used to show instead of names.
TYPE_CODES = re.compile(r"\b(PG|EM|LP|FO|SN|SC|SL|ST|ET|LT|FI)\b")


def _program_email(instance) -> MirroredAsset:
    return (
        MirroredAsset.objects.filter(
            instance=instance, asset_type="email", folder__kind="Program", name="Email 1"
        )
        .select_related("folder")
        .order_by("marketo_id")
        .first()
    )


@VIEWPORTS
def test_the_folder_column_names_the_program_and_links_to_it(open_page, mirrored, viewport):  # noqa: F811
    """32 draft emails all read "Email 1/2/3": the column says which program each is in."""
    email = _program_email(mirrored)
    program = email.folder
    page = open_page(viewport=viewport)
    sign_in(page, "otto")
    page.goto(f"/assets/{mirrored.pk}/?q=email+1&type=email&status={email.status}")
    table = page.locator(".asset-table")
    expect(table.locator("thead")).to_contain_text("Folder / program")
    row = table.locator("tbody tr").filter(
        has=page.locator(f'a[href$="/asset/email/{email.marketo_id}/"]')
    )
    home = row.locator("td.asset-home a")
    expect(home).to_have_text(re.compile(rf"{re.escape(program.name)}$"))
    expect(home).to_have_attribute("title", program.path)
    assert_no_sideways_scroll(page)
    home.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(program.name)
    assert page.url.endswith(f"/folder/program/{program.marketo_id}/")


@VIEWPORTS
def test_types_read_as_names_never_as_two_letter_codes(open_page, mirrored, viewport):  # noqa: F811
    page = open_page(viewport=viewport)
    sign_in(page, "otto")
    # A program holds emails, campaigns, smart lists...: several types on one page.
    program = _program_email(mirrored).folder
    page.goto(f"/assets/{mirrored.pk}/folder/program/{program.marketo_id}/")
    badges = page.locator(".asset-table tbody td:first-child")
    expect(badges.first).to_be_visible()
    labels = set(AssetType.labels)
    shown = {text.strip() for text in badges.all_inner_texts()}
    assert {"Email", "Smart campaign"} <= shown <= labels, shown - labels
    assert not TYPE_CODES.search(page.locator("main").inner_text())
    page.goto(f"/assets/{mirrored.pk}/asset/program/{program.marketo_id}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Program")
    assert not TYPE_CODES.search(page.locator("main").inner_text())
    assert_no_sideways_scroll(page)


@VIEWPORTS
def test_the_status_filter_groups_statuses_by_what_they_apply_to(open_page, mirrored, viewport):  # noqa: F811
    page = open_page(viewport=viewport)
    sign_in(page, "otto")
    page.goto(f"/assets/{mirrored.pk}/")
    status = page.get_by_label("Status")
    approval = status.locator(f'optgroup[label="{APPROVAL_GROUP}"] option')
    expect(approval).to_have_text(["Approved", "Draft"])
    # Approval states appear under the approval group only, campaign states under theirs.
    for value in AssetStatus.values:
        for option in status.locator(f'option[value="{value}"]').all():
            assert option.evaluate("o => o.parentElement.label") == APPROVAL_GROUP
    campaigns = status.locator(f'optgroup[label="{CAMPAIGN_GROUP}"] option')
    expect(campaigns.filter(has_text="Never run")).to_have_count(1)
    # No slug nor Marketo's spelling reaches the person.
    texts = status.locator("option").all_inner_texts()
    assert not [text for text in texts if "_" in text or text != text.strip()]
    # Choosing a type narrows the statuses to that type's.
    page.get_by_label("Type").select_option(label="Smart campaign")
    expect(status.locator(f'optgroup[label="{APPROVAL_GROUP}"]')).to_have_count(0)
    expect(status.locator("optgroup")).to_have_count(1)
    status.select_option(label="Never run")
    expect(page).to_have_url(re.compile(r"status=never(\+|%20)run"))
    expect(page.locator(".asset-table tbody [data-status]").first).to_have_text("Never run")
    assert_no_sideways_scroll(page)


@VIEWPORTS
def test_the_search_box_shows_its_whole_placeholder(open_page, mirrored, viewport):  # noqa: F811
    page = open_page(viewport=viewport)
    sign_in(page, "otto")
    page.goto(f"/assets/{mirrored.pk}/")
    search = page.get_by_label("Search")
    placeholder = search.get_attribute("placeholder")
    assert placeholder == "Name or description"
    # The placeholder as a value: it overflows (scrollWidth > clientWidth) when cut off.
    search.fill(placeholder)
    widths = search.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert widths[0] <= widths[1], f"{placeholder!r} needs {widths[0]}px, the box has {widths[1]}"
    box, form = search.bounding_box(), page.locator(".asset-filters").bounding_box()
    assert box["x"] >= form["x"] and box["x"] + box["width"] <= form["x"] + form["width"]
    assert_no_sideways_scroll(page)


@VIEWPORTS
def test_the_sync_panel_says_just_now_and_names_each_step(open_page, mirrored, viewport):  # noqa: F811
    page = open_page(viewport=viewport)
    sign_in(page, "otto")
    page.goto(f"/assets/{mirrored.pk}/")
    badge = page.locator("[data-staleness]")
    expect(badge).to_have_text("synced just now")
    expect(badge.locator("time")).to_have_attribute("title", re.compile(r"\d{4}, \d\d:\d\d UTC"))
    page.get_by_text("Progress by type").click()
    steps = page.locator(".sync-steps tbody tr td:first-child")
    expect(steps.first).to_have_text(STEP_LABELS["folders"])
    shown = steps.all_inner_texts()
    assert "Landing pages" in shown and "Smart campaigns" in shown
    assert not [text for text in shown if "_" in text]
    states = page.locator(".sync-steps tbody tr td:nth-child(2)").all_inner_texts()
    assert set(states) == {"Done"}
    assert_no_sideways_scroll(page)


@VIEWPORTS
def test_the_asset_page_shows_its_dates_in_the_viewers_zone(open_page, mirrored, viewport):  # noqa: F811
    email = _program_email(mirrored)
    # Chosen through the profile service, as a person does it (a chosen zone is never
    # replaced by the browser's at sign-in).
    profile_update(
        user=get_user_model().objects.get(username="otto"),
        time_zone="Asia/Kolkata",
        audit=AuditContext.system(),
    )
    page = open_page(viewport=viewport)
    sign_in(page, "otto")
    page.goto(f"/assets/{mirrored.pk}/asset/email/{email.marketo_id}/")
    with timezone.override(ZoneInfo("Asia/Kolkata")):
        created, updated = exact_text(email.created_at), exact_text(email.updated_at)
    assert created.endswith("IST")
    facts = page.locator("#asset-card .facts")
    expect(facts.locator('[data-moment="created"]')).to_have_text(created)
    expect(facts.locator('[data-moment="updated"]')).to_have_text(updated)
    expect(facts.locator('[data-moment="synced"]')).to_contain_text("IST")
    expect(facts.locator('[data-moment="synced"]')).to_contain_text("(just now)")
    assert_no_sideways_scroll(page)


def test_an_asset_outside_the_mirrors_folders_says_so(page, mirrored):  # noqa: F811
    email = _program_email(mirrored)
    MirroredFolder.objects.filter(pk=email.folder_id).delete()
    sign_in(page, "otto")
    page.goto(f"/assets/{mirrored.pk}/?q=email+1&type=email&status={email.status}")
    row = page.locator(".asset-table tbody tr").filter(
        has=page.locator(f'a[href$="/asset/email/{email.marketo_id}/"]')
    )
    expect(row.locator("td.asset-home")).to_have_text("not in the mirror")

"""A viewer reads what the product already knows: nothing they can open or send makes a call
to Marketo (issue 15: "a viewer cannot trigger any Marketo call")."""

from urllib.parse import urlsplit

import pytest

from apps.assets.models import MirroredAsset
from apps.assets.services import asset_sync_start
from apps.audit.context import AuditContext
from apps.core.permissions import Role
from apps.instances.services import grant_set
from apps.usage.models import LedgerEntry
from tests.assets.conftest import run_sync
from tests.e2e.conftest import sign_in
from tests.factories import UserFactory, make_sandbox_instance

MAX_PAGES = 60
# Leaving, the Django admin (a viewer gets its sign-in page) and files: not pages to walk.
NOT_WALKED = ("/accounts/logout", "/admin/", "/api/", ".csv")


@pytest.fixture
def mirrored(sandbox, role_groups):
    instance = make_sandbox_instance(sandbox, calls_per_20s=100)
    run_sync(asset_sync_start(instance=instance, audit=AuditContext.system()).pk)
    vera = UserFactory(username="vera", role=Role.VIEWER)
    grant_set(instance=instance, user=vera, role="viewer", actor=None, audit=AuditContext.system())
    return instance


def _calls(sandbox) -> int:
    stats = sandbox.stats()
    return stats["calls"] + stats["identity_calls"]


def _links(page, origin: str) -> set[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    found = set()
    for href in hrefs:
        parts = urlsplit(href)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if f"{parts.scheme}://{parts.netloc}" == origin and not any(
            part in path for part in NOT_WALKED
        ):
            found.add(path)
    return found


def test_every_page_a_viewer_can_reach_is_served_without_a_marketo_call(
    open_page, live_server, mirrored, sandbox
):
    page = open_page()
    sign_in(page, "vera")
    before, ledger_before = _calls(sandbox), LedgerEntry.objects.count()
    seen, queue = set(), ["/"]
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = page.goto(path)
        assert response is not None and response.status < 500, path
        page.wait_for_load_state("networkidle")  # what htmx loads after the page, too
        queue.extend(sorted(_links(page, live_server.url) - seen))
    assert len(seen) > 10, seen  # the walk reached the instance, asset and usage pages
    assert any("/asset/" in path for path in seen)
    assert _calls(sandbox) == before
    assert LedgerEntry.objects.count() == ledger_before


def test_what_a_viewer_may_not_do_is_refused_without_a_marketo_call(open_page, mirrored, sandbox):
    page = open_page()
    sign_in(page, "vera")
    page.goto("/")
    token = page.evaluate("document.cookie.match(/csrftoken=([^;]+)/)[1]")
    asset = MirroredAsset.objects.filter(instance=mirrored, asset_type="email").first()
    before = _calls(sandbox)
    attempts = {
        "/leads/search/": {"field": "email", "value": "ada@example.com"},
        "/leads/lookups/": {"field": "email", "values": "ada@example.com"},
        "/leads/fields/refresh/": {},
        f"/assets/{mirrored.pk}/syncs/": {},
        f"/assets/{mirrored.pk}/asset/email/{asset.marketo_id}/refresh/": {},
        f"/assets/{mirrored.pk}/asset/email/{asset.marketo_id}/approve/": {},
        f"/usage/instances/{mirrored.pk}/sync/": {"kind": "today"},
        f"/instances/{mirrored.pk}/test/": {},
    }
    for path, form in attempts.items():
        response = page.request.post(path, form=form, headers={"X-CSRFToken": token})
        assert response.status == 403, (path, response.status)
    assert _calls(sandbox) == before

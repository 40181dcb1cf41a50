"""The home page and the instance list render from what the product knows: no Marketo call,
and each person sees what to do when there is nothing to show."""

import pytest

from apps.core.permissions import Role
from apps.instances.models import InstanceGrant, MarketoInstance
from apps.usage.days import today
from apps.usage.models import LedgerEntry, UsageDay, UsageSync
from apps.usage.services import usage_sync_run
from tests.factories import UserFactory, make_instance

pytestmark = pytest.mark.django_db


@pytest.fixture
def synced_sandbox_instance(sandbox, monkeypatch):
    # Another integration's calls today, as Marketo (the sandbox) reports them.
    monkeypatch.setitem(sandbox.instance.usage_history, 0, {"crm@corp.example": 12_000})
    instance = make_instance(
        "Sandbox",
        client_id=sandbox.client_id,
        secret=sandbox.client_secret,
        rest_url=sandbox.rest_url,
        identity_url=sandbox.identity_url,
    )
    MarketoInstance.objects.filter(pk=instance.pk).update(api_user="api@sandbox.example")
    sync = UsageSync.objects.create(instance=instance, kind=UsageSync.Kind.TODAY)
    assert usage_sync_run(sync_id=sync.pk).status == "succeeded"
    return instance


def _marketo_calls(sandbox):
    stats = sandbox.stats()
    return stats["calls"], stats["identity_calls"], LedgerEntry.objects.count()


@pytest.mark.parametrize("path", ["/", "/instances/"])
def test_the_home_page_and_the_instance_list_make_no_marketo_call(
    client_for, admin_user, sandbox, synced_sandbox_instance, path
):
    marketo_figure = sum(UsageDay.objects.filter(date=today()).values_list("calls", flat=True))
    before = _marketo_calls(sandbox)
    response = client_for(admin_user).get(path)
    assert response.status_code == 200
    # The page shows today's figure as the usage sync read it...
    assert marketo_figure >= 12_000
    shown = {"/": f"{marketo_figure:,}, read", "/instances/": f"{marketo_figure:,} / 50,000"}
    assert shown[path] in response.content.decode()
    # ...and rendering it made no call: none reached the sandbox, none was ledgered.
    assert _marketo_calls(sandbox) == before
    assert before[2] == 2  # the sync's own two calls were ledgered: the counter is live


def test_a_user_without_an_instance_is_told_whom_to_ask(client_for):
    UserFactory(username="ada", first_name="Ada", last_name="Admin", role=Role.ADMIN)
    vera = UserFactory(username="vera", role=Role.VIEWER)
    make_instance("Not granted")
    page = client_for(vera).get("/").content.decode()
    assert "No Marketo instance is granted to you yet: ask" in page
    assert '<a href="mailto:ada@example.com">Ada Admin</a>' in page
    assert 'data-testid="instance-card"' not in page
    # Without a role, a grant opens nothing either: the page says to ask for a role.
    nobody = UserFactory(username="nobody")
    InstanceGrant.objects.create(instance=MarketoInstance.objects.get(), user=nobody, role="viewer")
    page = client_for(nobody).get("/").content.decode()
    assert "Your account has no role yet" in page
    assert 'data-testid="instance-card"' not in page


def test_an_admin_without_instances_is_offered_to_add_one(client_for, admin_user):
    page = client_for(admin_user).get("/").content.decode()
    assert "No Marketo instance is registered yet." in page
    assert 'href="/instances/new/"' in page


def test_the_cards_refresh_alone_without_the_layout(client_for, admin_user):
    make_instance("Alpha")
    client = client_for(admin_user)
    page = client.get("/").content.decode()
    assert 'hx-trigger="every 10s"' in page
    poll = client.get("/", headers={"HX-Request": "true"}).content.decode()
    assert poll.strip().startswith('<div class="home-cards" id="home-cards"')
    assert 'data-testid="instance-card"' in poll
    assert "Welcome" not in poll and "<html" not in poll

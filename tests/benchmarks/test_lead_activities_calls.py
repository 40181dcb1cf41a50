"""Issue 14, row 2: Marketo calls for the first screen of a lead's detail page (its
activities) on an instance with 80 activity types. Target: at most 6, counting the activity
types (when not cached), the paging token and the activity pages. The sandbox answers a week
of its log per page, so that pages are short or empty as Marketo's can be (activities.md).

Run: `make bench`, or
`.venv/bin/python -m pytest tests/benchmarks/test_lead_activities_calls.py -o addopts="" -s`
(PostgreSQL and REDIS_URL set). The page is driven as a browser would: the detail page, then
the activities URL its `#lead-activities` asks for with htmx, so the same benchmark measures
any version of the page.
"""

import re

import pytest
from django.core.cache import cache
from django.test import Client

from apps.core.permissions import Role
from apps.sandbox import ApiUser, start_sandbox
from tests.factories import UserFactory
from tests.leads.conftest import sandbox_instance_for

pytestmark = pytest.mark.django_db(transaction=True)

TYPES = 80
TARGET = 6
LEADS = (100_001, 100_002, 100_003)


@pytest.fixture(scope="module")
def sandbox_80_types():
    with start_sandbox(
        leads=2000, api_users=[ApiUser("bench-client", "bench-secret", "bench@sandbox.example")]
    ) as sandbox:
        # 11 standard types and 69 custom ones (activities.md, "Custom Activity Types").
        sandbox.instance.leads.custom_activity_types = TYPES - 11
        yield sandbox


def _api_calls(sandbox) -> int:
    by_endpoint = sandbox.stats().get("by_endpoint", {})
    return sum(count for path, count in by_endpoint.items() if "/rest/" in path)


def _first_screen(client, sandbox, instance, lead_id) -> int:
    """Calls for the detail page plus the activities it loads on arrival."""
    sandbox.reset(everything=False)
    page = client.get(f"/leads/{instance.pk}/lead/{lead_id}/").content.decode()
    match = re.search(r'id="lead-activities" hx-get="([^"]+)"', page)
    assert match, "the page loads its activities with htmx"
    url = match.group(1).replace("&amp;", "&")
    response = client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return _api_calls(sandbox)


def test_calls_for_the_first_screen_of_a_lead_with_80_activity_types(sandbox_80_types, role_groups):
    user = UserFactory(role=Role.OPERATOR)
    instance = sandbox_instance_for(sandbox_80_types, user, name="Bench")
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    cache.clear()
    cold = _first_screen(client, sandbox_80_types, instance, LEADS[0])
    other_lead = _first_screen(client, sandbox_80_types, instance, LEADS[1])
    again = _first_screen(client, sandbox_80_types, instance, LEADS[1])
    by_endpoint = sandbox_80_types.stats().get("by_endpoint", {})
    print(
        f"\nlead detail, {TYPES} activity types: first view {cold} calls (types not cached), "
        f"another lead {other_lead} calls, the same lead again {again} calls "
        f"(target <= {TARGET}); last view by endpoint {by_endpoint}"
    )
    assert cold <= TARGET

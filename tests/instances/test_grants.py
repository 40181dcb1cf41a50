"""An operator of instance A learns nothing of instance B: every page and endpoint says 404."""

import pytest

from apps.audit.context import AuditContext
from apps.core.permissions import Action, may
from apps.instances.services import grant_set
from tests.factories import make_instance

pytestmark = pytest.mark.django_db

PAGES = [
    ("get", "/instances/{pk}/"),
    ("get", "/instances/{pk}/edit/"),
    ("get", "/instances/{pk}/delete/"),
    ("post", "/instances/{pk}/test/"),
    ("get", "/instances/{pk}/test/1/"),
    ("post", "/instances/{pk}/grants/"),
    ("post", "/instances/{pk}/grants/1/revoke/"),
]
ENDPOINTS = [
    ("get", "/api/v1/instances/{pk}/"),
    ("patch", "/api/v1/instances/{pk}/"),
    ("delete", "/api/v1/instances/{pk}/"),
    ("get", "/api/v1/instances/{pk}/test/"),
    ("post", "/api/v1/instances/{pk}/test/"),
    ("get", "/api/v1/instances/{pk}/grants/"),
]


@pytest.fixture
def two_instances(admin_user, operator):
    a = make_instance("A", munchkin_id="111-AAA-111")
    b = make_instance("B", munchkin_id="222-BBB-222")
    grant_set(
        instance=a, user=operator, role="operator", actor=admin_user, audit=AuditContext.system()
    )
    return a, b


def test_grants_decide_what_an_operator_may_do_where(two_instances, operator):
    a, b = two_instances
    assert may(operator, Action.LOOKUP_LEADS, a)
    assert not may(operator, Action.LOOKUP_LEADS, b)


def test_a_viewer_grant_never_widens_a_role(viewer, admin_user):
    instance = make_instance()
    grant_set(
        instance=instance,
        user=viewer,
        role="operator",
        actor=admin_user,
        audit=AuditContext.system(),
    )
    assert not may(viewer, Action.LOOKUP_LEADS, instance)
    assert may(viewer, Action.VIEW_USAGE, instance)


@pytest.mark.parametrize(("method", "path"), PAGES)
def test_pages_of_an_instance_not_granted_answer_404(
    client_for, operator, two_instances, method, path
):
    _, b = two_instances
    response = getattr(client_for(operator), method)(path.format(pk=b.pk))
    assert response.status_code == 404


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_endpoints_of_an_instance_not_granted_answer_404(
    api_client, operator, two_instances, method, path
):
    _, b = two_instances
    api_client.force_authenticate(operator)
    response = getattr(api_client, method)(path.format(pk=b.pk), {}, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_list_and_the_switcher_show_only_granted_instances(client_for, operator, two_instances):
    client = client_for(operator)
    page = client.get("/instances/")
    assert [i.name for i in page.context["instances"]] == ["A"]
    assert [i.name for i in page.context["switcher_instances"]] == ["A"]
    assert b">B<" not in page.content

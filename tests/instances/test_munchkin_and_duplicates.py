"""Munchkin ids are checked with a reason (help/rest-api/base-url.md: the account id in
`https://284-RPR-133.mktorest.com/rest`), and one LaunchPoint service is registered once."""

import pytest

from apps.instances.models import MarketoInstance
from apps.instances.munchkin import munchkin_id_problem
from tests.factories import make_instance


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("123-ABC-4567", "Its last part has 4 digits, not 3."),
        ("12-ABC-456", "Its first part has 2 digits, not 3."),
        ("123-AB1-456", "Its middle part, “AB1”, should be 3 letters."),
        ("123ABC456", "It has 1 part(s) separated by hyphens, not 3."),
        ("HTTPS://284-RPR-133.MKTOREST.COM/REST", "its Munchkin id is 284-RPR-133"),
    ],
)
def test_a_wrong_munchkin_id_is_explained(value, reason):
    problem = munchkin_id_problem(value)
    assert problem is not None and reason in problem
    assert "123-ABC-456" in problem


@pytest.mark.parametrize("value", ["284-RPR-133", "556-RJS-213", "123-ABC-456"])
def test_marketo_documented_ids_pass(value):
    assert munchkin_id_problem(value) is None


@pytest.mark.django_db
def test_the_api_refuses_a_long_munchkin_id_with_the_reason(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    body = {"name": "P", "munchkin_id": "123-abc-4567", "client_id": "c", "client_secret": "s"}
    response = api_client.post("/api/v1/instances/", body, format="json")
    assert response.status_code == 400
    assert "Its last part has 4 digits" in response.json()["errors"]["munchkin_id"][0]
    assert not MarketoInstance.objects.exists()


@pytest.mark.django_db
def test_the_api_refuses_one_launchpoint_service_twice_but_adds_a_second_service(
    api_client, admin_user
):
    make_instance("Production", munchkin_id="123-ABC-456", client_id="service-one")
    api_client.force_authenticate(admin_user)
    body = {"name": "Again", "munchkin_id": "123-abc-456", "client_id": "service-one"}
    response = api_client.post(
        "/api/v1/instances/", {**body, "client_secret": "s3cret"}, format="json"
    )
    assert response.status_code == 400
    assert (
        "“Production” already uses this LaunchPoint service"
        in (response.json()["errors"]["client_id"][0])
    )
    second = {**body, "client_id": "service-two", "client_secret": "s3cret"}
    assert api_client.post("/api/v1/instances/", second, format="json").status_code == 201
    # Editing the second into the first's service is refused the same way.
    again = MarketoInstance.objects.get(name="Again")
    response = api_client.patch(
        f"/api/v1/instances/{again.pk}/", {"client_id": "service-one"}, format="json"
    )
    assert response.status_code == 400
    # Saving an instance unchanged is not a duplicate of itself.
    response = api_client.patch(f"/api/v1/instances/{again.pk}/", {"notes": "x"}, format="json")
    assert response.status_code == 200

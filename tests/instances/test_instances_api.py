import pytest

from apps.audit.context import AuditContext
from apps.audit.models import AuditEvent
from apps.instances import vault
from apps.instances.models import InstanceGrant, MarketoInstance
from apps.instances.services import grant_set
from tests.factories import make_instance

pytestmark = pytest.mark.django_db

NEW = {
    "name": "Production",
    "munchkin_id": "123-abc-456",
    "client_id": "a1b2c3",
    "client_secret": "api-secret-value-9f3e",
}


def test_an_admin_registers_an_instance_and_the_secret_is_write_only(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    response = api_client.post("/api/v1/instances/", NEW, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert "client_secret" not in body
    assert body["client_secret_hint"] == "set, ends in …9f3e"
    assert body["munchkin_id"] == "123-ABC-456"
    assert body["quota_time_zone"] == "America/Chicago"
    instance = MarketoInstance.objects.get()
    assert vault.decrypt(instance.client_secret_encrypted) == "api-secret-value-9f3e"
    listed = api_client.get("/api/v1/instances/").json()["results"]
    assert "api-secret" not in str(listed)


def test_creating_without_a_secret_is_refused(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    response = api_client.post("/api/v1/instances/", {**NEW, "client_secret": ""}, format="json")
    assert response.status_code == 400
    assert "client_secret" in response.json()["errors"]
    assert not MarketoInstance.objects.exists()


def test_patch_changes_only_what_is_sent(api_client, admin_user):
    instance = make_instance(secret="keep-this-secret")
    api_client.force_authenticate(admin_user)
    response = api_client.patch(
        f"/api/v1/instances/{instance.pk}/", {"enabled": False}, format="json"
    )
    assert response.status_code == 200
    instance.refresh_from_db()
    assert instance.enabled is False
    assert vault.decrypt(instance.client_secret_encrypted) == "keep-this-secret"
    assert AuditEvent.objects.get(action="instance.update").details == {"fields": ["enabled"]}


def test_non_admins_list_only_granted_instances_without_credential_fields(api_client, viewer):
    granted = make_instance("Granted")
    make_instance("Hidden", munchkin_id="999-ZZZ-999")
    grant_set(instance=granted, user=viewer, role="viewer", actor=None, audit=AuditContext.system())
    api_client.force_authenticate(viewer)
    results = api_client.get("/api/v1/instances/").json()["results"]
    assert [r["name"] for r in results] == ["Granted"]
    assert "client_id" not in results[0] and "client_secret_hint" not in results[0]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/instances/", NEW),
        ("patch", "/api/v1/instances/{pk}/", {"enabled": False}),
        ("delete", "/api/v1/instances/{pk}/", None),
        ("post", "/api/v1/instances/{pk}/test/", None),
        ("get", "/api/v1/instances/{pk}/grants/", None),
    ],
)
def test_operators_may_not_manage_a_granted_instance(api_client, operator, method, path, body):
    instance = make_instance()
    grant_set(
        instance=instance, user=operator, role="operator", actor=None, audit=AuditContext.system()
    )
    api_client.force_authenticate(operator)
    response = getattr(api_client, method)(path.format(pk=instance.pk), body, format="json")
    assert response.status_code == 403
    assert MarketoInstance.objects.get().enabled is True


def test_admins_grant_and_revoke_access(api_client, admin_user, operator):
    instance = make_instance()
    api_client.force_authenticate(admin_user)
    url = f"/api/v1/instances/{instance.pk}/grants/"
    response = api_client.post(url, {"user": "otto", "role": "operator"}, format="json")
    assert response.status_code == 201
    assert api_client.get(url).json() == [{**response.json(), "user": "otto", "role": "operator"}]
    assert api_client.delete(f"{url}otto/").status_code == 204
    assert not InstanceGrant.objects.exists()
    assert list(
        AuditEvent.objects.filter(action__startswith="instance.")
        .values_list("action", flat=True)
        .order_by("id")
    ) == [
        "instance.create",
        "instance.grant",
        "instance.revoke",
    ]


def test_a_grant_with_an_unknown_role_is_refused(api_client, admin_user, operator):
    instance = make_instance()
    api_client.force_authenticate(admin_user)
    response = api_client.post(
        f"/api/v1/instances/{instance.pk}/grants/", {"user": "otto", "role": "owner"}, format="json"
    )
    assert response.status_code == 400
    assert "role" in response.json()["errors"]


@pytest.mark.parametrize("granted", [True, False], ids=["granted", "not-granted"])
def test_a_viewer_cannot_learn_whether_a_user_name_exists_from_the_grants_endpoint(
    api_client, viewer, operator, granted
):
    instance = make_instance()
    if granted:
        grant_set(
            instance=instance, user=viewer, role="viewer", actor=None, audit=AuditContext.system()
        )
    api_client.force_authenticate(viewer)
    url = f"/api/v1/instances/{instance.pk}/grants/"
    answers = [
        api_client.post(url, {"user": name, "role": "operator"}, format="json")
        for name in ("otto", "no-such-user")
    ]
    existing, missing = [(a.status_code, a.json()) for a in answers]
    assert existing == missing
    assert existing[0] == (403 if granted else 404)
    assert not InstanceGrant.objects.filter(user=operator).exists()


def test_the_schema_describes_what_an_admin_may_patch_onto_an_instance(api_client, db):
    # The schema is generated for whoever asks (no one signed in), not for a viewer's fields.
    schema = api_client.get("/api/schema/?format=json").json()
    patch = schema["paths"]["/api/v1/instances/{id}/"]["patch"]
    body = patch["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    fields = schema["components"]["schemas"][body.rsplit("/", 1)[-1]]["properties"]
    assert {"name", "client_secret", "calls_per_20s"} <= set(fields)

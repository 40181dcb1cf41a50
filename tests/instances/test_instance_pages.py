import pytest
from cryptography.fernet import Fernet
from django.urls import reverse

from apps.audit.context import AuditContext
from apps.audit.models import AuditEvent
from apps.instances import vault
from apps.instances.models import MarketoInstance
from tests.factories import make_instance

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Production",
    "munchkin_id": "123-abc-456",
    "client_id": "a1b2c3",
    "client_secret": "the-client-secret-4f2a",
    "rest_url": "",
    "identity_url": "",
    "calls_per_20s": 50,
    "concurrent_calls": 5,
    "daily_quota": 50000,
    "quota_share_percent": 50,
    "notes": "",
    "enabled": "on",
}


def test_an_admin_adds_an_instance_and_never_sees_its_secret_again(client_for, admin_user):
    client = client_for(admin_user)
    response = client.post(reverse("instance_create"), FORM)
    instance = MarketoInstance.objects.get()
    assert response["Location"] == reverse("instance_detail", args=[instance.pk])
    assert instance.munchkin_id == "123-ABC-456"
    assert instance.effective_rest_url == "https://123-ABC-456.mktorest.com/rest"
    assert vault.decrypt(instance.client_secret_encrypted) == "the-client-secret-4f2a"
    page = client.get(response["Location"]).content.decode()
    assert "set, ends in …4f2a" in page
    assert "the-client-secret" not in page
    edit = client.get(reverse("instance_edit", args=[instance.pk])).content.decode()
    assert "the-client-secret" not in edit
    assert "Leave blank to keep the current secret" in edit
    event = AuditEvent.objects.get(action="instance.create")
    assert "the-client-secret" not in str(event.details)


def test_editing_with_a_blank_secret_keeps_it_and_audits_field_names_only(client_for, admin_user):
    instance = make_instance(secret="first-secret-value", client_id="a1b2c3")
    client = client_for(admin_user)
    client.post(
        reverse("instance_edit", args=[instance.pk]), {**FORM, "client_secret": "", "notes": "EMEA"}
    )
    instance.refresh_from_db()
    assert vault.decrypt(instance.client_secret_encrypted) == "first-secret-value"
    assert instance.notes == "EMEA"
    client.post(
        reverse("instance_edit", args=[instance.pk]),
        {**FORM, "client_secret": "second-secret-value"},
    )
    instance.refresh_from_db()
    assert vault.decrypt(instance.client_secret_encrypted) == "second-secret-value"
    details = [
        e.details for e in AuditEvent.objects.filter(action="instance.update").order_by("id")
    ]
    assert details == [{"fields": ["notes"]}, {"fields": ["notes", "client_secret"]}]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("munchkin_id", "12-AB-3", "Its first part has 2 digits, not 3."),
        ("rest_url", "http://marketo.example.com/rest", "Use an https:// URL"),
        ("calls_per_20s", "101", "less than or equal to 100"),
        ("concurrent_calls", "11", "less than or equal to 10"),
        ("daily_quota", "9999", "greater than or equal to 10000"),
        ("client_secret", "", "This field is required."),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_stores_nothing(
    client_for, admin_user, field, value, message
):
    response = client_for(admin_user).post(reverse("instance_create"), {**FORM, field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not MarketoInstance.objects.exists()


def test_plain_http_is_allowed_for_a_server_on_this_machine(client_for, admin_user):
    form = {
        **FORM,
        "rest_url": "http://127.0.0.1:8765/rest",
        "identity_url": "http://localhost:8765/identity",
    }
    client_for(admin_user).post(reverse("instance_create"), form)
    assert MarketoInstance.objects.get().effective_identity_url == "http://localhost:8765/identity"


def test_deleting_asks_first_and_keeps_the_audit_trail(client_for, admin_user):
    instance = make_instance()
    client = client_for(admin_user)
    assert (
        b"Delete Production?" in client.get(reverse("instance_delete", args=[instance.pk])).content
    )
    client.post(reverse("instance_delete", args=[instance.pk]))
    assert not MarketoInstance.objects.exists()
    assert AuditEvent.objects.filter(action="instance.delete", instance_name="Production").exists()


def test_a_secret_no_key_opens_is_explained_on_the_page(client_for, admin_user, settings):
    instance = make_instance()
    settings.CREDENTIALS_KEYS = [Fernet.generate_key().decode()]
    response = client_for(admin_user).get(reverse("instance_detail", args=[instance.pk]))
    assert response.status_code == 200
    assert (
        "The credentials of Production cannot be decrypted with the configured keys; "
        "re-enter the secret or restore the key."
    ) in response.content.decode()


def test_operators_and_viewers_see_granted_instances_without_credentials(client_for, operator):
    from apps.instances.services import grant_set

    instance = make_instance(secret="hidden-secret-value")
    grant_set(
        instance=instance, user=operator, role="operator", actor=None, audit=AuditContext.system()
    )
    client = client_for(operator)
    page = client.get(reverse("instance_detail", args=[instance.pk])).content.decode()
    assert "Production" in page
    assert "client-production" not in page and "ends in" not in page
    assert client.get(reverse("instance_edit", args=[instance.pk])).status_code == 403
    assert client.get(reverse("instance_create")).status_code == 403


def test_the_switcher_remembers_the_instance_per_user(client_for, admin_user):
    make_instance("Alpha")
    beta = make_instance("Beta", munchkin_id="222-BBB-222")
    client = client_for(admin_user)
    assert client.get("/").context["current_instance"].name == "Alpha"
    response = client.post(reverse("instance_switch"), {"instance": beta.pk, "next": "/audit/"})
    assert response["Location"] == "/audit/"
    assert client.get("/").context["current_instance"].name == "Beta"
    admin_user.profile.refresh_from_db()
    assert admin_user.profile.last_instance_id == beta.pk


def test_the_switcher_refuses_an_outside_redirect_and_unknown_instances(client_for, operator):
    client = client_for(operator)
    assert client.post(reverse("instance_switch"), {"instance": 999}).status_code == 404


@pytest.mark.parametrize("chosen", ["abc", "", "1.5", "-3"])
def test_the_switcher_answers_400_to_anything_but_an_instance_id(client_for, operator, chosen):
    response = client_for(operator).post(reverse("instance_switch"), {"instance": chosen})
    assert response.status_code == 400
    assert b"Choose an instance from the switcher" in response.content

"""Finding a person in every instance at once (issue 17, "Everywhere at once")."""

import pytest

from apps.audit.context import AuditContext
from apps.audit.models import AuditEvent
from apps.instances.models import MarketoInstance
from apps.instances.services import grant_set
from tests.factories import make_instance
from tests.leads.conftest import sandbox_emails, sandbox_instance_for
from tests.processes import free_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _groups(role_groups):
    """The role groups (emptied between transactional tests) before any user is made."""


@pytest.fixture
def three_instances(sandbox, otto):
    """EMEA and NA answer (the same sandbox); APAC refuses every connection; Hidden is not
    granted to otto."""
    emea = sandbox_instance_for(sandbox, otto, name="EMEA")
    na = sandbox_instance_for(sandbox, otto, name="NA", munchkin_id="222-BBB-222")
    port = free_port()
    apac = make_instance(
        "APAC",
        rest_url=f"http://127.0.0.1:{port}/rest",
        identity_url=f"http://127.0.0.1:{port}/identity",
    )
    grant_set(instance=apac, user=otto, role="operator", actor=None, audit=AuditContext.system())
    make_instance("Hidden", rest_url=sandbox.rest_url, identity_url=sandbox.identity_url)
    return emea, na, apac


def test_the_api_answers_per_instance_with_each_instance_s_error_in_words(
    api_client, otto, three_instances, sandbox
):
    email = sandbox_emails(sandbox, 1)[0]
    api_client.force_authenticate(otto)

    body = api_client.get("/api/v1/leads/", {"filterValues": email}).json()

    by_name = {row["instance"]["name"]: row for row in body["instances"]}
    assert list(by_name) == ["APAC", "EMEA", "NA"]  # by name; Hidden is not granted
    for name in ("EMEA", "NA"):
        assert by_name[name]["error"] is None
        assert [lead["email"] for lead in by_name[name]["result"]] == [email]
    apac = by_name["APAC"]
    # Refused connections: it did not answer (or, once the governor holds the slots of the
    # calls that got no answer, it is busy); either way within the deadline, in words.
    assert apac["result"] == []
    assert apac["error"]["code"] in {"marketo_unavailable", "marketo_budget_spent"}
    assert apac["error"]["message"]
    # Each instance's lookup is audited on its own.
    assert set(
        AuditEvent.objects.filter(action="leads.lookup").values_list("instance_name", flat=True)
    ) >= {"EMEA", "NA"}


def test_the_api_refuses_no_values_and_more_than_300(api_client, otto, three_instances):
    api_client.force_authenticate(otto)
    assert api_client.get("/api/v1/leads/").status_code == 400
    many = ",".join(f"v{n}@x.example" for n in range(301))
    response = api_client.get("/api/v1/leads/", {"filterValues": many})
    assert response.status_code == 400
    assert "At most 300" in str(response.json())


def test_without_javascript_the_page_asks_every_instance_before_it_is_served(
    client_for, otto, three_instances, sandbox
):
    email = sandbox_emails(sandbox, 1)[0]
    page = client_for(otto).post("/leads/everywhere/", {"value": email}).content.decode()

    assert page.count('class="everywhere-instance"') == 3
    assert page.count("/lead/100001/") == 2  # found in EMEA and in NA
    assert "APAC did not answer" in page
    assert "Hidden" not in page


def test_with_htmx_each_instance_is_asked_by_its_own_section(
    client_for, otto, three_instances, sandbox
):
    emea, _, _ = three_instances
    client = client_for(otto)
    sections = client.post(
        "/leads/everywhere/", {"value": "nobody@nowhere.example"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert sections.count('hx-trigger="load"') == 3
    assert sandbox.stats()["by_endpoint"].get("GET /rest/v1/leads.json") is None  # none yet

    answer = client.post(
        f"/leads/everywhere/{emea.pk}/", {"value": "nobody@nowhere.example"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "No lead has" in answer and "in EMEA" in answer


def test_an_instance_not_granted_cannot_be_asked(client_for, otto, three_instances):
    hidden = MarketoInstance.objects.get(name="Hidden")
    response = client_for(otto).post(f"/leads/everywhere/{hidden.pk}/", {"value": "a@b.example"})
    assert response.status_code == 404

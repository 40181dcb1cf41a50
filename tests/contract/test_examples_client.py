"""The client reads each documented example into the product's domain objects.

Every example in marketo-examples/ is served where Marketo would answer it (`responses`, at
the HTTP layer under the client), and the real client function that makes that call reads
it, through the product function that keeps what it read (the mirror, the usage days, the
lead page's data). The sandbox side of the same examples is test_examples_sandbox.py.
"""

import json
from datetime import UTC, date, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from apps.assets.mirror import (
    asset_upsert_one,
    assets_upsert,
    folder_map,
    folder_parents_link,
    folder_row,
    folders_upsert,
)
from apps.assets.models import FolderKind, MirroredAsset, MirroredFolder
from apps.instances.client import marketo_client
from apps.instances.credentials import instance_config
from apps.integrations.models import MarketoRole, MarketoUser, MarketoWorkspace
from apps.integrations.services import roles_store, users_store, workspaces_store
from apps.leads import detail, metadata
from apps.marketo import activities as marketo_activities
from apps.marketo import assets as marketo_assets
from apps.marketo import leads as marketo_leads
from apps.marketo import users as marketo_users
from apps.marketo.errors import TokenInvalid
from apps.marketo.governor import Priority
from apps.marketo.identity import token_request
from apps.marketo.paging import NO_ASSETS_WARNING
from apps.usage.models import ErrorDay, LedgerEntry, UsageDay, UsageSync
from apps.usage.services import usage_sync_run
from tests.contract.examples import example, example_names, response
from tests.factories import make_instance

pytestmark = pytest.mark.django_db

# make_instance's Munchkin id: the URLs Marketo's hosts give it.
REST = "https://123-ABC-456.mktorest.com/rest"
IDENTITY = "https://123-ABC-456.mktorest.com/identity/oauth/token"


@pytest.fixture
def marketo():
    """The HTTP layer under the client; the identity endpoint answers authentication.md's
    example."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(IDENTITY, json=response("identity-token"))
        yield mock


@pytest.fixture
def instance():
    return make_instance()


def _client(instance):
    return marketo_client(instance, priority=Priority.INTERACTIVE, feature="contract")


def _serve(mock, name, path, method="GET"):
    mock.add(method, f"{REST}{path}", json=response(name))


def _serve_end(mock, path):
    """The end of an asset browse as emails.md words it: success, no `result`, and the
    warning "No assets found for the given search criteria." (the envelope of assets.md)."""
    mock.get(
        f"{REST}{path}",
        json={
            "success": True,
            "errors": [],
            "requestId": "e42b#14272d07d78",
            "warnings": [NO_ASSETS_WARNING],
        },
    )


def _sent(mock, path) -> list[dict]:
    """The query (or form body) of each call made to `path`, one value per name."""
    found = []
    for call in mock.calls:
        url = urlsplit(call.request.url)
        if url.path == urlsplit(f"{REST}{path}").path:
            text = url.query or (call.request.body or "")
            text = text.decode() if isinstance(text, bytes) else text
            found.append({k: v[0] for k, v in parse_qs(text).items()})
    return found


def _utc(text: str) -> datetime:
    # The asset API's own timestamp style (folders.md), parsed without the product's help.
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ+0000").replace(tzinfo=UTC)


APPROVAL_STATES = {
    "approved": "approved",
    "draft": "draft",
    "approved with draft": "approved_with_draft",
}


def _assert_mirrored(instance, asset_type: str, record: dict) -> MirroredAsset:
    """The mirror's row for one documented record holds what the record says."""
    row = MirroredAsset.objects.get(
        instance=instance, asset_type=asset_type, marketo_id=record["id"]
    )
    assert (row.name, row.description) == (record["name"], record.get("description") or "")
    folder = record.get("folder")
    if folder:  # {type, value} for most types, {type, id} for lists and files (emails.md...)
        kind = FolderKind.PROGRAM if folder["type"].lower() == "program" else FolderKind.FOLDER
        assert (row.folder_kind, row.folder_marketo_id) == (
            kind,
            folder.get("value", folder.get("id")),
        )
    else:  # smart-campaigns.md's By Id and Browse answer no folder
        assert row.folder_marketo_id is None
    assert (row.created_at, row.updated_at) == (
        _utc(record["createdAt"]),
        _utc(record["updatedAt"]),
    )
    status = record.get("status")
    # emails.md's By ID example says status false: no state, rather than a made-up one.
    status = status.lower() if isinstance(status, str) else ""
    assert row.status == APPROVAL_STATES.get(status, status)
    if asset_type == "program":
        assert (row.program_type, row.channel) == (record["type"], record["channel"])
    assert row.url == (record.get("url") or record.get("computedUrl") or "")
    assert row.raw == record
    return row


# --- identity and the envelope --------------------------------------------------------


def check_identity(marketo, instance):
    token = token_request(instance_config(instance))
    assert (token.value, token.expires_in, token.scope) == (
        "cdf01657-110d-4155-99a7-f986b2ff13a0:int",
        3599,
        "apis@acmeinc.com",
    )


def check_error_601(marketo, instance):
    _serve(marketo, "error-601", "/v1/leads/describe2.json")
    with pytest.raises(TokenInvalid) as caught:
        marketo_leads.lead_describe2(_client(instance))
    assert (caught.value.code, caught.value.message, caught.value.request_id) == (
        "601",
        "Unauthorized",
        "e42b#14272d07d78",
    )
    assert len(_sent(marketo, "/v1/leads/describe2.json")) == 2  # one new token, one retry


# --- lead database ---------------------------------------------------------------------


def check_describe(marketo, instance):
    _serve(marketo, "leads-describe", "/v1/leads/describe.json")
    assert metadata.lead_fields_get(instance=instance) == [
        {
            "name": "company",
            "label": "Company Name",
            "data_type": "string",
            "read_only": False,
            "group": "standard",
        }
    ]


def check_lead_by_id(marketo, instance):
    _serve(marketo, "lead-by-id", "/v1/lead/318581.json")
    lead = marketo_leads.lead_get(_client(instance), 318581)
    assert (lead["id"], lead["email"], lead["firstName"]) == (318581, "jdoe@marketo.com", "John")


def check_leads_by_id(marketo, instance):
    _serve(marketo, "leads-by-filter-type-id", "/v1/leads.json")
    leads = marketo_leads.leads_find(
        _client(instance), filter_type="id", values=["318581", "318592"]
    )
    # What a lookup counts as found: the requested values its leads match.
    assert sorted(marketo_leads.match_key(lead["id"]) for lead in leads) == ["318581", "318592"]
    assert _sent(marketo, "/v1/leads.json") == [
        {"filterType": "id", "filterValues": "318581,318592"}
    ]


def check_leads_no_match(marketo, instance):
    _serve(marketo, "leads-by-filter-type-no-match", "/v1/leads.json")
    assert marketo_leads.leads_find(_client(instance), filter_type="id", values=["1"]) == []
    assert len(_sent(marketo, "/v1/leads.json")) == 1


def check_leads_by_email(marketo, instance):
    _serve(marketo, "leads-by-filter-type-email", "/v1/leads.json")
    (lead,) = marketo_leads.leads_find(
        _client(instance), filter_type="email", values=["developerfeedback@marketo.com"]
    )
    assert marketo_leads.match_key(lead["email"]) == "developerfeedback@marketo.com"


def _memberships(marketo, instance):
    _serve(marketo, "lead-list-membership", "/v1/leads/318581/listMembership.json")
    # leads.md shows no last page of memberships: its moreResult true is answered by the
    # lead database's documented empty answer ("If no records match ... an empty result").
    _serve(marketo, "leads-by-filter-type-no-match", "/v1/leads/318581/listMembership.json")
    _serve(marketo, "lead-program-membership", "/v1/leads/318581/programMembership.json")
    return detail.lead_memberships(instance=instance, user=None, lead_id=318581)


def check_list_membership(marketo, instance):
    memberships = _memberships(marketo, instance)
    assert [row["listId"] for row in memberships["lists"]] == [3379, 2792, 42]
    first, second = _sent(marketo, "/v1/leads/318581/listMembership.json")
    assert "nextPageToken" not in first
    assert second["nextPageToken"] == "BFRV7OMVSNJWDVKVTUFS3XHT4E======"


def check_program_membership(marketo, instance):
    memberships = _memberships(marketo, instance)
    # Marketo's rows as documented, each with the mirror's name and page added (none here).
    added = {"name": None, "url": ""}
    assert memberships["programs"] == [
        {**row, **added} for row in response("lead-program-membership")["result"]
    ]
    assert len(_sent(marketo, "/v1/leads/318581/programMembership.json")) == 1  # moreResult false


def check_activity_types(marketo, instance):
    _serve(marketo, "activity-types", "/v1/activities/types.json")
    assert metadata.activity_types_get(instance=instance) == {2: "Fill Out Form"}


def check_paging_token(marketo, instance):
    _serve(marketo, "activities-paging-token", "/v1/activities/pagingtoken.json")
    since = datetime(2014, 10, 6, 13, 22, 17, tzinfo=timezone(timedelta(hours=-8)))
    token = marketo_activities.paging_token(_client(instance), since=since)
    assert token == "GIYDAOBNGEYS2MBWKQYDAORQGA5DAMBOGAYDAKZQGAYDALBQ"
    assert _sent(marketo, "/v1/activities/pagingtoken.json") == [
        {"sinceDatetime": "2014-10-06T13:22:17-08:00"}
    ]


def check_activities(marketo, instance):
    _serve(marketo, "activity-types", "/v1/activities/types.json")
    _serve(marketo, "activities-paging-token", "/v1/activities/pagingtoken.json")
    _serve(marketo, "activities", "/v1/activities.json")
    rows, complete = detail.lead_activities(instance=instance, user=None, lead_id=1, type_id=1)
    documented = response("activities")["result"]
    # Type 1 is not among the documented types (only 2 is): the page shows its id.
    assert rows == [{**row, "type_name": 1} for row in documented]
    assert complete is True  # moreResult false
    (sent,) = _sent(marketo, "/v1/activities.json")
    assert sent == {
        "nextPageToken": response("activities-paging-token")["nextPageToken"],
        "activityTypeIds": "1",
        "leadIds": "1",
    }


# --- usage -----------------------------------------------------------------------------


def _usage_sync(marketo, instance):
    _serve(marketo, "stats-usage", "/v1/stats/usage.json")
    _serve(marketo, "stats-errors", "/v1/stats/errors.json")
    sync = UsageSync.objects.create(
        instance=instance, kind=UsageSync.Kind.TODAY, heartbeat_at=datetime.now(UTC)
    )
    sync = usage_sync_run(sync_id=sync.pk)
    assert sync.status == UsageSync.Status.SUCCEEDED, sync.error


def check_usage(marketo, instance):
    _usage_sync(marketo, instance)
    assert set(UsageDay.objects.values_list("date", "api_user", "calls")) == {
        (date(2015, 10, 17), "some.body@yahoo.com", 200),
        (date(2015, 10, 17), "some.body@marketo.com", 200),
        (date(2015, 10, 17), "some.body@gmail.com", 720),
    }


def check_errors(marketo, instance):
    _usage_sync(marketo, instance)
    assert set(ErrorDay.objects.values_list("date", "code", "count")) == {
        (date(2015, 10, 17), "604", 1),
        (date(2015, 10, 17), "609", 56),
        (date(2015, 10, 17), "610", 16),
    }


# --- users, roles and workspaces (user-management.md: no /rest prefix, no envelope) --------

USER_SERVICE = "https://123-ABC-456.mktorest.com/userservice/management/v1/users"


def check_users_browse(marketo, instance):
    marketo.get(f"{USER_SERVICE}/allusers.json", json=response("users-browse"))
    # Three users, fewer than a page: one call, stored as the reading stores them.
    users_store(instance=instance, sync=None, result=marketo_users.all_users(_client(instance)))
    assert set(MarketoUser.objects.values_list("userid", "first_name", "api_only")) == {
        ("jamie@lannister.com", "Jamie", False),
        ("jeoffery@housebaratheon.com", "Jeoffery", False),
        ("rickon@housestark.com", "Rickon", False),
    }
    (call,) = [c for c in marketo.calls if "allusers" in c.request.url]
    assert parse_qs(urlsplit(call.request.url).query) == {"pageOffset": ["0"], "pageSize": ["200"]}
    assert "access_token" not in call.request.url  # the token only in the header


def check_roles_browse(marketo, instance):
    marketo.get(f"{USER_SERVICE}/roles.json", json=response("roles-browse"))
    roles_store(instance=instance, result=marketo_users.roles(_client(instance)))
    admin = MarketoRole.objects.get(role_id=1)
    assert (admin.name, admin.kind, admin.only_all_zones) == ("Admin", "system", True)
    assert MarketoRole.objects.count() == 7


def check_workspaces_browse(marketo, instance):
    marketo.get(f"{USER_SERVICE}/workspaces.json", json=response("workspaces-browse"))
    workspaces_store(instance=instance, result=marketo_users.workspaces(_client(instance)))
    assert set(MarketoWorkspace.objects.values_list("workspace_id", "name")) == {
        (1, "Default"),
        (1008, "World"),
        (1009, "Reproduction - US English - All Leads"),
        (1010, "US"),
    }


def check_user_roles(marketo, instance):
    marketo.get(f"{USER_SERVICE}/jamie@lannister.com/roles.json", json=response("user-roles-by-id"))
    pairs = marketo_users.user_roles(_client(instance), "jamie@lannister.com")
    assert [(p["accessRoleName"], p["workspaceName"]) for p in pairs] == [
        ("Admin", "AllZones"),
        ("Standard User", "World"),
    ]


# --- folders and tokens ------------------------------------------------------------------


def check_folder_by_id(name):
    def check(marketo, instance):
        # The product browses folders and never asks for one by id; the folder this example
        # holds has the shape of a browsed one, which is what the mirror must read. No call
        # is made, so the identity endpoint is not asked either.
        marketo.assert_all_requests_are_fired = False
        record = response(name)["result"][0]
        row = folder_row(instance, record)
        assert (row.kind, row.marketo_id, row.parent_kind, row.parent_marketo_id) == (
            FolderKind.FOLDER,
            341,
            FolderKind.FOLDER,
            11,
        )
        assert (row.name, row.path, row.folder_type, row.workspace) == (
            "Social Media",
            "/Design Studio/Default/Emails/Social Media",
            "Email",
            "Default",
        )
        assert (row.url, row.description) == ("", "")  # null in the example
        assert row.created_at == datetime(2011, 3, 4, 17, 1, 32, tzinfo=UTC)

    return check


def check_folder_by_name(marketo, instance):
    # folders.md: "Retrieve the root ID by passing the area name to the Get Folder By Name
    # API" (Marketing Activities, Design Studio, Lead Database). Its record is the one
    # example whose folderId and parent types are upper case (FOLDER); the mirror reads it
    # as it reads a browsed folder.
    _serve(marketo, "folder-by-name", "/asset/v1/folder/byName.json")
    envelope = _client(instance).get("/asset/v1/folder/byName.json", {"name": "Test 10 - deverly"})
    (record,) = envelope["result"]
    row = folder_row(instance, record)
    assert (row.kind, row.marketo_id, row.parent_kind, row.parent_marketo_id) == (
        FolderKind.FOLDER,
        454,
        FolderKind.FOLDER,
        416,
    )
    assert (row.name, row.folder_type, row.is_system, row.url) == (
        "Test 10 - deverly",
        "Marketing Folder",
        False,
        "https://app-abm.marketo.com/#MF1070A1",
    )
    assert row.created_at == datetime(2015, 6, 23, 6, 27, 4, tzinfo=UTC)
    assert _sent(marketo, "/asset/v1/folder/byName.json") == [{"name": "Test 10 - deverly"}]


def check_folders_browse(marketo, instance):
    _serve(marketo, "folders-browse", marketo_assets.FOLDERS_PATH)
    _serve_end(marketo, marketo_assets.FOLDERS_PATH)
    pages = list(
        marketo_assets.browse_pages(
            _client(instance),
            marketo_assets.FOLDERS_PATH,
            {"maxDepth": marketo_assets.FOLDER_MAX_DEPTH},
        )
    )
    # Three folders, fewer than a page, and still not the end: the next call says so.
    first, end = pages
    assert (first.offset, first.last, end.offset, end.rows, end.last, end.end) == (
        0,
        False,
        marketo_assets.MAX_RETURN,
        [],
        True,
        True,
    )
    rows = first.rows
    folders_upsert(instance, rows)
    folder_parents_link(instance)
    assert set(MirroredFolder.objects.values_list("name", "parent__name", "is_system", "url")) == {
        ("Marketing Activities", None, True, ""),
        ("Default", "Marketing Activities", True, ""),
        ("Archive", "Default", False, "https://app-abm.marketo.com/#MF157A1"),
    }


def check_tokens(marketo, instance):
    _serve(marketo, "folder-tokens", "/asset/v1/folder/416/tokens.json")
    tokens = marketo_assets.folder_tokens(_client(instance), 416, folder_type="Folder")
    assert tokens == response("folder-tokens")["result"][0]["tokens"]


# --- assets ------------------------------------------------------------------------------


def check_browse(name, asset_type, params=None):
    def check(marketo, instance):
        path = marketo_assets.BROWSE_PATHS[asset_type]
        _serve(marketo, name, path)
        _serve_end(marketo, path)
        # Fewer rows than maxReturn is not the end (assets.md, emails.md): one call more.
        first, end = marketo_assets.browse_pages(_client(instance), path, params)
        assert (first.offset, first.last) == (0, False)
        assert (end.offset, end.rows, end.last, end.end) == (200, [], True, True)
        assets_upsert(instance, asset_type, first.rows, folders=folder_map(instance))
        for record in response(name)["result"]:
            _assert_mirrored(instance, asset_type, record)
        sent = _sent(marketo, path)
        assert [(call["offset"], call["maxReturn"]) for call in sent] == [
            ("0", "200"),
            ("200", "200"),
        ]
        for call in sent:
            assert {k: call[k] for k in params or {}} == (params or {})

    return check


def check_by_id(name, asset_type):
    def check(marketo, instance):
        (record,) = response(name)["result"]
        singular = marketo_assets.SINGULAR_PATHS[asset_type]
        _serve(marketo, name, f"/asset/v1/{singular}/{record['id']}.json")
        found = marketo_assets.asset_get(_client(instance), asset_type, record["id"])
        assert found == record
        _assert_mirrored(instance, asset_type, asset_upsert_one(instance, asset_type, found).raw)

    return check


def check_by_name(name, asset_type, params):
    """emails.md and programs.md By Name: the envelope the client reads, and the record the
    mirror keeps of it (the same record as By Id: emails.md's By Name example is the one with
    a status of "draft" and a lower-case folder type)."""

    def check(marketo, instance):
        (record,) = response(name)["result"]
        path = f"/asset/v1/{marketo_assets.SINGULAR_PATHS[asset_type]}/byName.json"
        _serve(marketo, name, path)
        (found,) = _client(instance).get(path, params)["result"]
        assert found == record
        _assert_mirrored(instance, asset_type, asset_upsert_one(instance, asset_type, found).raw)
        assert _sent(marketo, path) == [params]

    return check


def check_action(name, asset_type, action):
    """approveDraft / unapprove: emails.md answers the id only, snippets.md the asset, in
    the state the action leaves it (actions.py keeps either)."""

    def check(marketo, instance):
        (answered,) = response(name)["result"]
        singular = marketo_assets.APPROVABLE[asset_type]
        path = f"/asset/v1/{singular}/{answered['id']}/{action}.json"
        _serve(marketo, name, path, method="POST")
        verb = {
            "approveDraft": marketo_assets.asset_approve,
            "unapprove": marketo_assets.asset_unapprove,
        }
        assert verb[action](_client(instance), asset_type, answered["id"]) == answered
        if "name" in answered:
            row = asset_upsert_one(instance, asset_type, answered)
            assert row.status == ("approved" if action == "approveDraft" else "draft")
            _assert_mirrored(instance, asset_type, answered)

    return check


def check_clone(name, asset_type, source_id):
    def check(marketo, instance):
        documented = example(name)
        (answered,) = documented["response"]["result"]
        singular = marketo_assets.CLONEABLE[asset_type]
        path = f"/asset/v1/{singular}/{source_id}/clone.json"
        _serve(marketo, name, path, method="POST")
        # The page's form body, as the client sends it.
        body = dict(part.split("=", 1) for part in documented["body"].split("&"))
        folder = json.loads(body["folder"])
        clone = marketo_assets.asset_clone(
            _client(instance), asset_type, source_id, name=body["name"], folder=folder
        )
        assert clone == answered
        (sent,) = _sent(marketo, path)
        assert (sent["name"], json.loads(sent["folder"])) == (body["name"], folder)
        row = asset_upsert_one(instance, asset_type, clone)
        assert row.marketo_id == answered["id"]
        _assert_mirrored(instance, asset_type, answered)

    return check


def check_record_only(name, asset_type):
    """landing-pages.md and landing-page-templates.md show no query example; their Clone
    answers are the one record of each type the pages show, shaped as the browse and by-id
    answers the product reads. The product does not clone these types, so no call is made
    (nor is the identity endpoint asked): the mirror reads the record as it reads a
    browsed one."""

    def check(marketo, instance):
        marketo.assert_all_requests_are_fired = False
        (record,) = response(name)["result"]
        row = asset_upsert_one(instance, asset_type, record)
        _assert_mirrored(instance, asset_type, row.raw)
        assert row.status == "draft"

    return check


UPDATED_SINCE = {
    "earliestUpdatedAt": marketo_assets.updated_since_param(datetime(2017, 1, 1, 5, tzinfo=UTC))
}

CHECKS = {
    "users-browse": check_users_browse,
    "roles-browse": check_roles_browse,
    "workspaces-browse": check_workspaces_browse,
    "user-roles-by-id": check_user_roles,
    "identity-token": check_identity,
    "error-601": check_error_601,
    "leads-describe": check_describe,
    "lead-by-id": check_lead_by_id,
    "leads-by-filter-type-id": check_leads_by_id,
    "leads-by-filter-type-no-match": check_leads_no_match,
    "leads-by-filter-type-email": check_leads_by_email,
    "lead-list-membership": check_list_membership,
    "lead-program-membership": check_program_membership,
    "activity-types": check_activity_types,
    "activities-paging-token": check_paging_token,
    "activities": check_activities,
    "stats-usage": check_usage,
    "stats-errors": check_errors,
    "folder-by-id": check_folder_by_id("folder-by-id"),
    "folder-by-id-assets-page": check_folder_by_id("folder-by-id-assets-page"),
    "folder-by-name": check_folder_by_name,
    "folders-browse": check_folders_browse,
    "folder-tokens": check_tokens,
    "email-by-id": check_by_id("email-by-id", "email"),
    "email-by-name": check_by_name(
        "email-by-name", "email", {"name": "My Email", "folder": '{"id": 1056, "type": "Folder"}'}
    ),
    "emails-browse": check_browse("emails-browse", "email"),
    "email-approve-draft": check_action("email-approve-draft", "email", "approveDraft"),
    "email-unapprove": check_action("email-unapprove", "email", "unapprove"),
    "email-unapprove-assets-page": check_action(
        "email-unapprove-assets-page", "email", "unapprove"
    ),
    "email-clone": check_clone("email-clone", "email", source_id=2137),
    "landing-page-clone": check_record_only("landing-page-clone", "landing_page"),
    "landing-page-template-clone": check_record_only(
        "landing-page-template-clone", "landing_page_template"
    ),
    "form-by-id": check_by_id("form-by-id", "form"),
    "forms-browse": check_browse("forms-browse", "form"),
    "snippet-by-id": check_by_id("snippet-by-id", "snippet"),
    "snippets-browse": check_browse("snippets-browse", "snippet"),
    "snippet-approve-draft": check_action("snippet-approve-draft", "snippet", "approveDraft"),
    "snippet-unapprove": check_action("snippet-unapprove", "snippet", "unapprove"),
    "program-by-id": check_by_id("program-by-id", "program"),
    "program-by-name": check_by_name(
        "program-by-name", "program", {"name": "TestProgramName", "includeTags": "true"}
    ),
    "programs-browse": check_browse("programs-browse", "program"),
    "programs-browse-by-date-range": check_browse(
        "programs-browse-by-date-range", "program", UPDATED_SINCE
    ),
    "program-clone": check_clone("program-clone", "program", source_id=1107),
    "smart-campaign-by-id": check_by_id("smart-campaign-by-id", "smart_campaign"),
    "smart-campaigns-browse-by-date-range": check_browse(
        "smart-campaigns-browse-by-date-range", "smart_campaign", UPDATED_SINCE
    ),
    "smart-list-by-id-with-rules": check_by_id("smart-list-by-id-with-rules", "smart_list"),
    "smart-lists-browse": check_browse("smart-lists-browse", "smart_list"),
    "static-list-by-id": check_by_id("static-list-by-id", "static_list"),
    "static-lists-browse": check_browse("static-lists-browse", "static_list"),
    "email-template-by-id": check_by_id("email-template-by-id", "email_template"),
    "email-templates-browse": check_browse("email-templates-browse", "email_template"),
    "email-templates-browse-assets-page": check_browse(
        "email-templates-browse-assets-page", "email_template"
    ),
    "file-by-id": check_by_id("file-by-id", "file"),
    "files-browse": check_browse("files-browse", "file"),
}


def test_every_example_has_a_client_check():
    assert sorted(CHECKS) == example_names()


@pytest.mark.parametrize("name", example_names())
def test_the_client_reads_each_documented_example(marketo, instance, name):
    CHECKS[name](marketo, instance)
    # Each call an example answered is in the call ledger, with the example's requestId
    # (files.md's By Id example has a null one: the ledger keeps "").
    answered = [c for c in marketo.calls if urlsplit(c.request.url).path.startswith("/rest/")]
    # The User Management API answers no requestId (user-management.md): ledgered with "".
    answered_ids = [c.response.json()["requestId"] or "" for c in answered]
    answered_ids += [
        "" for c in marketo.calls if urlsplit(c.request.url).path.startswith("/userservice/")
    ]
    ledgered = LedgerEntry.objects.filter(instance=instance).values_list("request_id", flat=True)
    assert sorted(ledgered) == sorted(answered_ids)

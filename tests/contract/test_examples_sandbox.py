"""The sandbox answers each documented request with the documented example's shape.

For every example in marketo-examples/, the sandbox gets the request the page shows (over
real HTTP, with ids the sandbox has) and its answer must have the example's members with the
example's JSON types; values may differ. A list is compared by its items' shape (the
example's items merged: a member some items lack is optional, a member that is null in one
and a string in another may be either). Every other difference needs an `Allow` below that
says where the documentation allows it; an allowance that is not needed fails the test too.

The client side of the same examples is test_examples_client.py: the two together are the
check that neither the client nor the sandbox can pass by agreeing with the other.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import requests

from tests.contract.examples import Allow, example_names, response, shape_differences
from tests.sandbox.conftest import identity_answer


@dataclass(frozen=True)
class Case:
    ask: Callable  # (api, sandbox) -> the sandbox's answer
    allow: tuple = ()
    # A known difference the sandbox must lose, in code another change owns: the test is
    # expected to fail (strictly: it fails the suite once it passes, so the mark goes).
    xfail: str = ""


def _get(api, path, **params):
    return api.get(f"{api.base}{path}", params=params).json()


def _post(api, path, **form):
    return api.post(f"{api.base}{path}", data=form).json()


def _assets(api, plural: str) -> list[dict]:
    return _get(api, f"/asset/v1/{plural}.json", maxReturn=200)["result"]


def _folder_param(record: dict) -> str:
    folder = record["folder"]
    return json.dumps({"id": folder.get("value", folder.get("id")), "type": folder["type"]})


def _one(plural, singular, **params):
    """The by-id answer for the first asset of a kind, asked with `params` as the page asks
    (snippets.md: status=approved, so an approved snippet)."""

    def ask(api, sandbox):
        record = next(
            row
            for row in _assets(api, plural)
            if all(row.get(key) == value for key, value in params.items())
        )
        return _get(api, f"/asset/v1/{singular}/{record['id']}.json", **params)

    return ask


def _action(plural, singular, action, status):
    def ask(api, sandbox):
        record = next(row for row in _assets(api, plural) if row["status"] == status)
        return _post(api, f"/asset/v1/{singular}/{record['id']}/{action}.json")

    return ask


def _identity(api, sandbox):
    return identity_answer(sandbox).json()


def _unauthorized(api, sandbox):
    # error-codes.md's example is the 601 of a call whose token Marketo does not know.
    return requests.get(
        f"{api.base}/v1/leads/describe.json",
        headers={"Authorization": "Bearer not-a-token"},
        timeout=5,
    ).json()


def _lead(api) -> dict:
    return _get(api, "/v1/lead/100001.json")["result"][0]


def _list_membership(api, sandbox):
    # leads.md asks with batchSize=3 and shows moreResult true: a lead in more than 3 lists.
    for lead_id in range(100001, 100400):
        answer = _get(api, f"/v1/leads/{lead_id}/listMembership.json", batchSize=3)
        if answer.get("moreResult"):
            return answer
    raise AssertionError("no seeded lead is in more than 3 static lists")


def _program_membership(api, sandbox):
    # A lead with an engagement program among its programs, so the engagement-only members
    # (allowed below) are there to be checked.
    for lead_id in range(100001, 100400):
        answer = _get(api, f"/v1/leads/{lead_id}/programMembership.json")
        if any("stream" in row for row in answer["result"]):
            return answer
    raise AssertionError("no seeded lead is in an engagement program")


def _activities(api, sandbox):
    token = _get(api, "/v1/activities/pagingtoken.json", sinceDatetime="2014-10-06T13:22:17-08:00")
    answer = {"nextPageToken": token["nextPageToken"], "moreResult": True}
    # activities.md, "Query": a page may hold fewer than 300 items (none) with moreResult
    # true; the caller goes on with the returned token. The first page with items is compared.
    for _ in range(50):
        answer = _get(
            api, "/v1/activities.json", activityTypeIds="1", nextPageToken=answer["nextPageToken"]
        )
        if answer["result"] or not answer["moreResult"]:
            return answer
    return answer


def _usage(path):
    def ask(api, sandbox):
        _get(api, "/v1/leads.json")  # a 701 today, so that today has a user and an error
        return _get(api, path)

    return ask


def _user_service(path, **params):
    """A User Management read: no /rest prefix (user-management.md), no envelope."""

    def ask(api, sandbox):
        base = api.base.removesuffix("/rest")
        return api.get(f"{base}/userservice/management/v1/users/{path}", params=params).json()

    return ask


def _folders(api) -> list[dict]:
    return _get(api, "/asset/v1/folders.json", maxDepth=50, maxReturn=200)["result"]


def _folder_by_id(api, sandbox):
    # folders.md asks for a user folder of Design Studio (folderType Email, not a root).
    folder = next(
        row for row in _folders(api) if row["folderType"] == "Email" and not row["isSystem"]
    )
    return _get(api, f"/asset/v1/folder/{folder['id']}.json", type="Folder")


def _folder_by_name(api, sandbox):
    # folders.md asks for a user folder of Marketing Activities by its name.
    folder = next(
        row
        for row in _folders(api)
        if row["path"].startswith("/Marketing Activities/") and not row["isSystem"]
    )
    return _get(api, "/asset/v1/folder/byName.json", name=folder["name"])


def _folder_browse(api, sandbox):
    root = next(row for row in _folders(api) if row["name"] == "Marketing Activities")
    return _get(
        api, "/asset/v1/folders.json", root=json.dumps({"id": root["id"], "type": "Folder"})
    )


def _tokens(api, sandbox):
    # tokens.md reads a folder's tokens; marketo-admin reads a program's (folderType=Program).
    for program in _assets(api, "programs"):
        answer = _get(api, f"/asset/v1/folder/{program['id']}/tokens.json", folderType="Program")
        if answer["result"][0]["tokens"]:
            return answer
    raise AssertionError("no seeded program has tokens")


def _by_name(plural, singular, *, in_folder=False, **params):
    """emails.md asks by name within the email's folder; programs.md with includeTags."""

    def ask(api, sandbox):
        record = _assets(api, plural)[0]
        if in_folder:
            params["folder"] = _folder_param(record)
        return _get(api, f"/asset/v1/{singular}/byName.json", name=record["name"], **params)

    return ask


def _browse_in_folder(plural, **params):
    def ask(api, sandbox):
        record = _assets(api, plural)[0]
        return _get(api, f"/asset/v1/{plural}.json", folder=_folder_param(record), **params)

    return ask


def _browse(plural, **params):
    return lambda api, sandbox: _get(api, f"/asset/v1/{plural}.json", **params)


def _clone(plural, singular, source=lambda record: True):
    """Clone the first asset whose by-id record satisfies `source` into its own folder."""

    def ask(api, sandbox):
        record = next(
            row
            for row in _assets(api, plural)
            if source(_get(api, f"/asset/v1/{singular}/{row['id']}.json")["result"][0])
        )
        return _post(
            api,
            f"/asset/v1/{singular}/{record['id']}/clone.json",
            name=f"Clone of {record['name']}",
            folder=_folder_param(record),
            description="This is a test of clone",
        )

    return ask


def _program_tagged(api, sandbox):
    # programs.md's By Id example has tags: a program that has some.
    for program in _assets(api, "programs"):
        answer = _get(api, f"/asset/v1/program/{program['id']}.json")
        if answer["result"][0]["tags"]:
            return answer
    raise AssertionError("no seeded program has tags")


# The updatedAt range of the pages' requests (2017, 2016) holds no seeded asset: a range
# that holds them all asks the same question of the sandbox's data.
WHOLE_RANGE = {
    "earliestUpdatedAt": "2000-01-01T00:00:00-05:00",
    "latestUpdatedAt": "2100-01-01T00:00:00-05:00",
}

# --- allowances, each with the documentation that allows it -----------------------------

# An asset folder as {type, value} carries folderName in emails.md (Browse, Clone),
# snippets.md (Browse), forms.md and programs.md, though not in every example.
FOLDER_NAME = Allow(
    "result[].folder.folderName",
    "extra",
    "emails.md (Browse, Clone), snippets.md (Browse), forms.md, programs.md show folderName",
)
# ResponseOf* in the Swagger file defines warnings; smart-lists.md and static-lists.md
# examples leave the empty member out, the sandbox sends it as on every other asset page.
WARNINGS = Allow("warnings", "extra", "the Swagger envelope ResponseOf* defines warnings")
# SmartListResponse and StaticListResponse in the Swagger file define (and require)
# description, and StaticListResponse workspace and url; the prose examples show none of
# them (smart-lists.md shows workspace) and static lists' computedUrl instead of url.
LIST_DESCRIPTION = Allow("result[].description", "extra", "Swagger: Smart/StaticListResponse")
STATIC_LIST = (
    WARNINGS,
    LIST_DESCRIPTION,
    Allow("result[].workspace", "extra", "Swagger: StaticListResponse.workspace"),
    Allow("result[].url", "extra", "Swagger: StaticListResponse.url"),
)
# smart-campaigns.md: By Name shows folder, By Id and Browse do not; the Swagger file
# defines folder (required) and parentProgramId.
SMART_CAMPAIGN = (
    Allow("result[].folder", "extra", "smart-campaigns.md By Name; Swagger requires folder"),
    Allow("result[].parentProgramId", "extra", "Swagger: SmartCampaignResponse.parentProgramId"),
)
EMAIL_TEMPLATE = (
    FOLDER_NAME,
    # EmailTemplateResponse in the Swagger file defines url and version.
    Allow("result[].url", "extra", "Swagger: EmailTemplateResponse.url"),
    Allow("result[].version", "extra", "Swagger: EmailTemplateResponse.version"),
)
# emails.md shows ccFields with one item; an email with no CC fields set answers [].
NO_CC_FIELDS = Allow("result[].ccFields", "empty", "an email with no CC field set")

CASES = {
    "identity-token": Case(_identity),
    "error-601": Case(_unauthorized),
    "leads-describe": Case(
        lambda api, sandbox: _get(api, "/v1/leads/describe.json"),
        # leads.md: "When present, the length property gives the maximum field length".
        (Allow("result[].length", "absent", "leads.md Describe: 'When present, the length'"),),
    ),
    "lead-by-id": Case(lambda api, sandbox: _get(api, "/v1/lead/100001.json")),
    "leads-by-filter-type-id": Case(
        lambda api, sandbox: _get(
            api, "/v1/leads.json", filterType="id", filterValues="100001,100002"
        )
    ),
    "leads-by-filter-type-no-match": Case(
        lambda api, sandbox: _get(api, "/v1/leads.json", filterType="id", filterValues="99")
    ),
    "leads-by-filter-type-email": Case(
        lambda api, sandbox: _get(
            api, "/v1/leads.json", filterType="email", filterValues=_lead(api)["email"]
        )
    ),
    "lead-list-membership": Case(_list_membership),
    "lead-program-membership": Case(
        _program_membership,
        (
            # leads.md: "If the parent program is an engagement program, membership also
            # includes stream, nurtureCadence"; Swagger: ProgramMembership defines both.
            Allow("result[].stream", "extra", "leads.md Programs: engagement programs"),
            Allow("result[].nurtureCadence", "extra", "leads.md Programs: engagement programs"),
        ),
    ),
    "activity-types": Case(
        lambda api, sandbox: _get(api, "/v1/activities/types.json"),
        # The page shows one type; a type with no attribute but its primary one (Add to
        # List in the sandbox) has an empty list. Swagger's ActivityType requires the member.
        (Allow("result[].attributes", "empty", "a type whose only attribute is its primary"),),
    ),
    "activities-paging-token": Case(
        lambda api, sandbox: _get(
            api, "/v1/activities/pagingtoken.json", sinceDatetime="2014-10-06T13:22:17-08:00"
        )
    ),
    "activities": Case(_activities),
    "users-browse": Case(_user_service("allusers.json", pageSize=3)),
    "roles-browse": Case(_user_service("roles.json")),
    "workspaces-browse": Case(_user_service("workspaces.json")),
    "user-roles-by-id": Case(_user_service("sync@sandbox.example/roles.json")),
    "stats-usage": Case(_usage("/v1/stats/usage.json")),
    "stats-errors": Case(_usage("/v1/stats/errors.json")),
    "folder-by-id": Case(
        _folder_by_id,
        (
            # folders.md Browse shows description and url as strings (null here).
            Allow("result[].description", "type", "folders.md Browse: a string", ("string",)),
            Allow("result[].url", "type", "folders.md Browse: a string (Archive)", ("string",)),
        ),
    ),
    "folder-by-id-assets-page": Case(
        _folder_by_id,
        (
            Allow("result[].description", "type", "folders.md Browse: a string", ("string",)),
            Allow("result[].url", "type", "folders.md Browse: a string (Archive)", ("string",)),
        ),
    ),
    "folder-by-name": Case(_folder_by_name),
    "folders-browse": Case(_folder_browse),
    "folder-tokens": Case(_tokens),
    "email-by-id": Case(
        _one("emails", "email"),
        (
            # null here; emails.md Browse and Clone show the object.
            Allow("result[].fromEmail", "type", "emails.md Browse: an object", ("object",)),
            FOLDER_NAME,
            # This example alone says false; every other email example (Browse, By Name,
            # Clone) and the Swagger file say a string such as "approved".
            Allow("result[].status", "type", "emails.md Browse, By Name: a string", ("string",)),
            NO_CC_FIELDS,
            Allow("result[].url", "extra", "emails.md Browse and Clone show url"),
        ),
    ),
    "email-by-name": Case(
        _by_name("emails", "email", in_folder=True),
        (
            FOLDER_NAME,
            NO_CC_FIELDS,
            Allow("result[].url", "extra", "emails.md Browse and Clone show url"),
        ),
    ),
    "emails-browse": Case(
        _browse_in_folder("emails", maxReturn=3),
        (
            Allow("result[].url", "type", "emails.md Clone: a string", ("string",)),
            Allow("result[].template", "type", "emails.md By ID: a number", ("number",)),
            NO_CC_FIELDS,
        ),
    ),
    "email-approve-draft": Case(_action("emails", "email", "approveDraft", "draft")),
    "email-unapprove": Case(_action("emails", "email", "unapprove", "approved")),
    "email-unapprove-assets-page": Case(_action("emails", "email", "unapprove", "approved")),
    "email-clone": Case(
        _clone("emails", "email"),
        tuple(
            # The clone answers the email record, which emails.md By ID and Browse show
            # with these members; the Clone example leaves them out.
            Allow(f"result[].{name}", "extra", "emails.md By ID and Browse show it")
            for name in ("version", "autoCopyToText", "ccFields", "preHeader")
        ),
    ),
    # landing-pages.md's Clone example, asked as the page asks it (the sandbox clones
    # landing pages, though the product does not).
    "landing-page-clone": Case(
        _clone("landingPages", "landingPage"),
        (
            # landing-pages.md's Create example shows description, title and keywords; the
            # Swagger file's LandingPageResponse requires customHeadHTML, facebookOgTags.
            Allow("result[].description", "extra", "landing-pages.md Create"),
            Allow("result[].title", "extra", "landing-pages.md Create"),
            Allow("result[].keywords", "extra", "landing-pages.md Create"),
            Allow("result[].customHeadHTML", "extra", "Swagger: LandingPageResponse"),
            Allow("result[].facebookOgTags", "extra", "Swagger: LandingPageResponse"),
        ),
    ),
    # landing-page-templates.md shows a template only as its Clone answers it; the product
    # reads templates by id, which answer the same record.
    "landing-page-template-clone": Case(
        _one("landingPageTemplates", "landingPageTemplate"),
        (Allow("result[].description", "extra", "Swagger: LpTemplateResponse.description"),),
    ),
    "form-by-id": Case(_one("forms", "form")),
    "forms-browse": Case(_browse("forms")),
    "snippet-by-id": Case(
        _one("snippets", "snippet", status="approved"),
        (FOLDER_NAME, Allow("result[].url", "extra", "snippets.md Browse, Approve show url")),
    ),
    "snippets-browse": Case(
        _browse("snippets", maxReturn=3),
        (Allow("result[].url", "type", "snippets.md Approve: a string", ("string",)),),
    ),
    "snippet-approve-draft": Case(_action("snippets", "snippet", "approveDraft", "draft")),
    "snippet-unapprove": Case(_action("snippets", "snippet", "unapprove", "approved")),
    "program-by-id": Case(_program_tagged),
    "program-by-name": Case(_by_name("programs", "program", includeTags="true")),
    "programs-browse": Case(_browse("programs")),
    "programs-browse-by-date-range": Case(_browse("programs", **WHOLE_RANGE)),
    # programs.md's Clone answers tags null: the source has none.
    "program-clone": Case(_clone("programs", "program", lambda record: record["tags"] is None)),
    "smart-campaign-by-id": Case(_one("smartCampaigns", "smartCampaign"), SMART_CAMPAIGN),
    "smart-campaigns-browse-by-date-range": Case(
        _browse("smartCampaigns", **WHOLE_RANGE), SMART_CAMPAIGN
    ),
    "smart-list-by-id-with-rules": Case(
        # marketo-admin asks without includeRules, so the sandbox is asked that way too.
        _one("smartLists", "smartList"),
        (
            Allow("result[].rules", "absent", "smart-lists.md: rules only with includeRules"),
            LIST_DESCRIPTION,
        ),
    ),
    "smart-lists-browse": Case(_browse_in_folder("smartLists"), (WARNINGS, LIST_DESCRIPTION)),
    "static-list-by-id": Case(_one("staticLists", "staticList"), STATIC_LIST),
    "static-lists-browse": Case(_browse_in_folder("staticLists"), STATIC_LIST),
    "email-template-by-id": Case(_one("emailTemplates", "emailTemplate"), EMAIL_TEMPLATE),
    "email-templates-browse": Case(_browse("emailTemplates"), EMAIL_TEMPLATE),
    "email-templates-browse-assets-page": Case(
        _browse("emailTemplates", offset=10, maxReturn=50), EMAIL_TEMPLATE
    ),
    "file-by-id": Case(
        _one("files", "file"),
        (
            # files.md By Id (and assets.md By Name) show requestId null; every other
            # example, and the Swagger envelope, a string.
            Allow("requestId", "type", "every other example: a string", ("string",)),
            Allow("result[].folder.name", "extra", "files.md Browse shows folder.name"),
            Allow("result[].description", "type", "files.md Browse: a string", ("string",)),
        ),
    ),
    "files-browse": Case(_browse_in_folder("files", maxReturn=3)),
}


def test_every_example_has_a_sandbox_case():
    assert sorted(CASES) == example_names()


def _cases():
    for name in example_names():
        reason = CASES[name].xfail
        yield (
            pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=reason))
            if reason
            else name
        )


@pytest.mark.parametrize("name", list(_cases()))
def test_the_sandbox_answers_in_the_documented_shape(sandbox, api, name):
    case = CASES[name]
    answered = case.ask(api, sandbox)
    differences, _ = shape_differences(response(name), answered, case.allow)
    assert differences == [], json.dumps(answered, indent=1)[:2000]


@pytest.mark.parametrize(
    ("example", "path"),
    [
        ("stats-usage", "/v1/stats/usage/last7days.json"),
        ("stats-errors", "/v1/stats/errors/last7days.json"),
    ],
)
def test_the_last_7_days_have_the_documented_daily_shape(sandbox, api, example, path):
    # usage.md shows no example of the 7-day endpoints: "Each element in the result array
    # represents one day", in the objects its Daily examples show.
    answered = _usage(path)(api, sandbox)
    assert len(answered["result"]) == 7
    differences, _ = shape_differences(response(example), answered)
    assert differences == []


@pytest.mark.parametrize(
    ("example", "plural", "singular"),
    [
        ("email-by-id", "emails", "email"),
        ("form-by-id", "forms", "form"),
        ("snippet-by-id", "snippets", "snippet"),
        ("landing-page-clone", "landingPages", "landingPage"),
    ],
)
def test_a_draft_by_id_has_the_documented_record_shape(sandbox, api, example, plural, singular):
    # No page shows a by-id answer asked with status=draft (emails.md, forms.md,
    # snippets.md, landing-pages.md: "status" picks the version); the draft is the same
    # record as the example of its type, with the allowances that example has here.
    record = next(row for row in _assets(api, plural) if row["status"] == "draft")
    answered = _get(api, f"/asset/v1/{singular}/{record['id']}.json", status="draft")
    differences, _ = shape_differences(response(example), answered, CASES[example].allow)
    assert [line for line in differences if "is not needed" not in line] == []

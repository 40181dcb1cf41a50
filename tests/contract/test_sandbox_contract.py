"""The sandbox's answers validate against the response schemas of Marketo's Swagger files.

Where a Swagger definition contradicts the prose documentation the sandbox follows the
prose; `_patched` below relaxes only such definitions, each a row with its page in
docs/marketo.md ("Where the Swagger files and the prose disagree").
"""

import copy
import json
from pathlib import Path

import pytest
from jsonschema import Draft4Validator

from tests.sandbox.conftest import identity_answer

# Marketo's own files, vendored unchanged; where they come from is in SOURCE.md there.
SWAGGER = Path(__file__).resolve().parent / "marketo-openapi"
FILES = {
    "identity": "swagger-identity.json",
    "mapi": "swagger-mapi.json",
    "asset": "swagger-asset.json",
}


def _load(name: str) -> dict:
    return json.loads((SWAGGER / FILES[name]).read_text())


def _without(schema: dict, *names: str) -> None:
    schema["required"] = [n for n in schema.get("required", []) if n not in names]


def _patched(name: str) -> dict:
    spec = copy.deepcopy(_load(name))
    definitions = spec.get("definitions", {})
    for key, schema in definitions.items():
        if key.startswith("ResponseOf") or key == "ResponseWithoutResult":
            # leads.md and error-codes.md: lead-database answers carry no errors/warnings
            # members on success, and failed calls carry no result.
            _without(schema, "errors", "warnings", "result")
    if name == "mapi":
        # activities.md: attribute values are strings, numbers or booleans.
        definitions["Attribute"]["properties"]["value"] = {}
    if name == "asset":
        # emails.md, programs.md, snippets.md...: folder is {type, value, folderName};
        # folders.md: a root folder's parent is null.
        definitions["Folder"] = {
            "type": ["object", "null"],
            "required": ["type"],
            "properties": {"type": {"enum": ["Folder", "Program"]}},
        }
        # folders.md: folderType is also Snippet, File, Program; system folders have url null.
        del definitions["FolderResponse"]["properties"]["folderType"]["enum"]
        definitions["FolderResponse"]["properties"]["url"] = {"type": ["string", "null"]}
        # programs.md: type is Default, Event, Event with Webinar, Engagement, Email; status "".
        for key in ("BrowseAllPrograms", "ProgramResponse"):
            del definitions[key]["properties"]["type"]["enum"]
            del definitions[key]["properties"]["status"]["enum"]
        # programs.md (By Id, Clone): costs and tags are null when a program has none.
        for name in ("costs", "tags"):
            definitions["ProgramResponse"]["properties"][name]["type"] = ["array", "null"]
        # smart-campaigns.md: no qualificationRuleInterval/Unit, maxMembers; recurrence short.
        _without(
            definitions["SmartCampaignResponse"],
            "qualificationRuleInterval",
            "qualificationRuleUnit",
            "maxMembers",
        )
        definitions["Recurrence"]["required"] = []
        # tokens.md: folder is {"type", "value"}, not a string.
        definitions["TokenResponse"]["properties"]["folder"] = {"type": "object"}
        # forms.md: knownVisitor.template and thankYouList followupValue are null.
        definitions["FormKnownVisitorDTO"]["properties"]["template"] = {}
        definitions["FormThankYouPageDTO"]["properties"]["followupValue"] = {}
        # emails.md: template may be null.
        definitions["EmailResponse"]["properties"]["template"] = {}
    return spec


SPECS = {name: _patched(name) for name in FILES}


def validate(spec_name: str, method: str, path: str, body: dict) -> None:
    spec = SPECS[spec_name]
    schema = spec["paths"][path][method]["responses"]["200"]["schema"]
    Draft4Validator({**schema, "definitions": spec["definitions"]}).validate(body)


def _one(api, url, **params):
    return api.get(f"{api.base}{url}", params=params).json()


@pytest.fixture
def ids(api):
    found = {}
    for plural, key in [
        ("emails", "email"),
        ("landingPages", "landingPage"),
        ("forms", "form"),
        ("snippets", "snippet"),
        ("smartCampaigns", "smartCampaign"),
        ("smartLists", "smartList"),
        ("staticLists", "staticList"),
        ("emailTemplates", "emailTemplate"),
        ("files", "file"),
        ("landingPageTemplates", "landingPageTemplate"),
        ("programs", "program"),
    ]:
        found[key] = _one(api, f"/asset/v1/{plural}.json")["result"][0]
    return found


MAPI_GETS = [
    ("/rest/v1/leads.json", "/v1/leads.json", {"filterType": "id", "filterValues": "100001"}),
    (
        "/rest/v1/leads.json",
        "/v1/leads.json",
        {"filterType": "customerTier", "filterValues": "Gold", "batchSize": "5"},
    ),
    (
        "/rest/v1/leads.json",
        "/v1/leads.json",
        {"filterType": "leadPartitionId", "filterValues": "1"},
    ),  # 1003
    ("/rest/v1/leads.json", "/v1/leads.json", {}),  # 701
    ("/rest/v1/lead/{leadId}.json", "/v1/lead/100001.json", {}),
    ("/rest/v1/leads/describe.json", "/v1/leads/describe.json", {}),
    ("/rest/v1/leads/describe2.json", "/v1/leads/describe2.json", {}),
    ("/rest/v1/leads/{leadId}/listMembership.json", "/v1/leads/100001/listMembership.json", {}),
    (
        "/rest/v1/leads/{leadId}/programMembership.json",
        "/v1/leads/100001/programMembership.json",
        {},
    ),
    ("/rest/v1/activities/types.json", "/v1/activities/types.json", {}),
    (
        "/rest/v1/activities/pagingtoken.json",
        "/v1/activities/pagingtoken.json",
        {"sinceDatetime": "2020-01-01T00:00:00Z"},
    ),
    ("/rest/v1/activities/pagingtoken.json", "/v1/activities/pagingtoken.json", {}),  # 701
    ("/rest/v1/stats/usage.json", "/v1/stats/usage.json", {}),
    ("/rest/v1/stats/usage/last7days.json", "/v1/stats/usage/last7days.json", {}),
    ("/rest/v1/stats/errors.json", "/v1/stats/errors.json", {}),
    ("/rest/v1/stats/errors/last7days.json", "/v1/stats/errors/last7days.json", {}),
]


@pytest.mark.parametrize(("swagger_path", "url", "params"), MAPI_GETS)
def test_lead_database_answers_match_the_swagger(api, swagger_path, url, params):
    validate("mapi", "get", swagger_path, _one(api, url, **params))


def test_activities_match_the_swagger(api):
    token = _one(api, "/v1/activities/pagingtoken.json", sinceDatetime="2020-01-01T00:00:00Z")[
        "nextPageToken"
    ]
    body = _one(api, "/v1/activities.json", nextPageToken=token, activityTypeIds="1,2,6,12,104")
    assert body["result"]
    validate("mapi", "get", "/rest/v1/activities.json", body)


def test_token_errors_match_the_swagger(sandbox, api):
    import requests

    body = requests.get(f"{sandbox.rest_url}/v1/lead/100001.json", timeout=5).json()
    assert body["errors"][0]["code"] == "601"
    validate("mapi", "get", "/rest/v1/lead/{leadId}.json", body)


def test_identity_matches_the_swagger(sandbox):
    validate("identity", "get", "/identity/oauth/token", identity_answer(sandbox).json())


ASSET_KINDS = [
    ("email", "emails"),
    ("landingPage", "landingPages"),
    ("form", "forms"),
    ("snippet", "snippets"),
    ("smartCampaign", "smartCampaigns"),
    ("smartList", "smartLists"),
    ("staticList", "staticLists"),
    ("emailTemplate", "emailTemplates"),
    ("landingPageTemplate", "landingPageTemplates"),
    ("file", "files"),
    ("program", "programs"),
]


@pytest.mark.parametrize(("singular", "plural"), ASSET_KINDS)
def test_asset_browse_by_id_and_by_name_match_the_swagger(api, ids, singular, plural):
    record = ids[singular]
    validate(
        "asset",
        "get",
        f"/rest/asset/v1/{plural}.json",
        _one(api, f"/asset/v1/{plural}.json", maxReturn=200),
    )
    validate(
        "asset",
        "get",
        f"/rest/asset/v1/{plural}.json",
        _one(api, f"/asset/v1/{plural}.json", offset=100_000),
    )  # no result, a warning
    validate(
        "asset",
        "get",
        f"/rest/asset/v1/{singular}/{{id}}.json",
        _one(api, f"/asset/v1/{singular}/{record['id']}.json"),
    )
    by_name = f"/rest/asset/v1/{singular}/byName.json"
    if by_name in SPECS["asset"]["paths"]:
        validate(
            "asset",
            "get",
            by_name,
            _one(api, f"/asset/v1/{singular}/byName.json", name=record["name"]),
        )


def test_folders_content_and_tokens_match_the_swagger(api, ids):
    program = ids["program"]["id"]
    validate(
        "asset",
        "get",
        "/rest/asset/v1/folders.json",
        _one(api, "/asset/v1/folders.json", maxDepth=5, maxReturn=200),
    )
    validate(
        "asset",
        "get",
        "/rest/asset/v1/folder/{id}.json",
        _one(api, f"/asset/v1/folder/{program}.json", type="Program"),
    )
    validate(
        "asset",
        "get",
        "/rest/asset/v1/folder/byName.json",
        _one(api, "/asset/v1/folder/byName.json", name="Design Studio"),
    )
    validate(
        "asset",
        "get",
        "/rest/asset/v1/folder/{id}/content.json",
        _one(api, f"/asset/v1/folder/{program}/content.json", type="Program"),
    )
    validate(
        "asset",
        "get",
        "/rest/asset/v1/folder/{id}/tokens.json",
        _one(api, f"/asset/v1/folder/{program}/tokens.json", folderType="Program"),
    )
    validate(
        "asset",
        "get",
        "/rest/asset/v1/folder/{id}.json",
        _one(api, f"/asset/v1/folder/{program}.json"),
    )  # 701: type missing


@pytest.mark.parametrize(
    ("singular", "approve_path"),
    [
        ("email", "approveDraft"),
        ("landingPage", "approveDraft"),
        ("form", "approveDraft"),
        ("snippet", "approveDraft"),
    ],
)
def test_approval_and_clone_answers_match_the_swagger(api, ids, singular, approve_path):
    record = ids[singular]
    base = f"/rest/asset/v1/{singular}/{{id}}"
    url = f"{api.base}/asset/v1/{singular}/{record['id']}"
    for action in ("unapprove", approve_path, approve_path):  # the last one answers 709
        body = api.post(f"{url}/{action}.json").json()
        swagger = f"{base}/{action}.json"
        if swagger in SPECS["asset"]["paths"]:
            validate("asset", "post", swagger, body)
    folder = record["folder"]
    body = api.post(
        f"{url}/clone.json",
        data={
            "name": f"{record['name']} copy",
            "folder": json.dumps({"id": folder["value"], "type": folder["type"]}),
        },
    ).json()
    assert body["success"] is True, body
    validate("asset", "post", f"{base}/clone.json", body)

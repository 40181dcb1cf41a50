"""Every place a documented example contradicts Marketo's own Swagger file is a row of
docs/marketo.md's table "Where the Swagger files and the prose disagree".

Each example in marketo-examples/ is validated against the unchanged Swagger response
schema of the request it answers. Every finding must be explained by one of ROWS below, each
keyed by its row's first cell in docs/marketo.md, and every row keyed here must explain at
least one finding: a new example that contradicts the Swagger file in a new way fails until
its row is written, and a row cannot outlive the examples that needed it. Rows that come
from the prose alone (a paging rule, an endpoint Swagger lacks, an enum no example shows)
are in the table without a key here.
"""

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft4Validator, FormatChecker

from tests.contract.examples import example, example_names

CONTRACT = Path(__file__).resolve().parent
SWAGGER = {
    name: json.loads((CONTRACT / "marketo-openapi" / f"swagger-{name}.json").read_text())
    for name in ("identity", "mapi", "asset", "user")
}
DOCS = CONTRACT.parents[1] / "docs" / "marketo.md"

# The request of the examples whose page shows none, or shows it with placeholders.
REQUESTS = {
    "identity-token": "GET /identity/oauth/token",
    "error-601": "GET /rest/v1/leads/describe2.json",  # any call: the one that answered 601
    "leads-by-filter-type-email": "GET /rest/v1/leads.json",
    "leads-by-filter-type-no-match": "GET /rest/v1/leads.json",
}

# RFC 3339, what Swagger 2.0's "date-time" and "date" formats mean; jsonschema checks
# neither without an optional dependency, so they are spelled out here.
FORMATS = FormatChecker(())
DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


@FORMATS.checks("date-time")
def _date_time(value) -> bool:
    return not isinstance(value, str) or DATE_TIME.match(value) is not None


@FORMATS.checks("date")
def _date(value) -> bool:
    return not isinstance(value, str) or re.match(r"^\d{4}-\d\d-\d\d$", value) is not None


def _operation(request: str) -> tuple[str, dict]:
    method, target = request.split(" ", 1)
    path = target.split("?")[0]
    for name, spec in SWAGGER.items():
        for template, operations in spec["paths"].items():
            pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
            if re.match(pattern, path) and method.lower() in operations:
                return name, operations[method.lower()]
    raise AssertionError(f"no Swagger operation for {request}")


def findings(name: str) -> set[str]:
    """Where the example contradicts the Swagger schema: "path validator detail" strings,
    such as "result[].folder required id" or "result[].status type False"."""
    documented = example(name)
    spec_name, operation = _operation(REQUESTS.get(name) or documented["request"])
    schema = operation["responses"]["200"]["schema"]
    validator = Draft4Validator(
        {**schema, "definitions": SWAGGER[spec_name]["definitions"]}, format_checker=FORMATS
    )
    found = set()
    for error in validator.iter_errors(documented["response"]):
        where = "".join(
            "[]" if isinstance(part, int) else f".{part}" for part in error.absolute_path
        )
        where = where.lstrip(".") or "$"
        if error.validator == "required":
            detail = re.match(r"'(\w+)' is a required", error.message).group(1)  # type: ignore[union-attr]
        else:
            detail = repr(error.instance)
        found.add(f"{where} {error.validator} {detail}")
    return found


def _is(*expected: str, examples: str = ""):
    """A rule for exactly these findings, in examples whose name starts with `examples`."""
    return lambda name, finding: finding in expected and name.startswith(examples)


def _like(pattern: str, examples: str = ""):
    """A rule for the findings `pattern` matches, in examples named `examples`..."""
    return lambda name, finding: (
        re.fullmatch(pattern, finding) is not None and name.startswith(examples)
    )


# docs/marketo.md row (its first cell) -> the findings it explains.
ROWS = {
    "`ResponseOfRole` requires `isHidden`, `isOnlyAllZones`": _is(
        "[] required isHidden", "[] required isOnlyAllZones", examples="roles-browse"
    ),
    "`ResponseOfWorkspace.currencyInfo` is a string": _is(
        "[].currencyInfo type None", examples="workspaces-browse"
    ),
    "`UserRoleWorkspace.workspaceName` is an integer": _like(
        r"\[\]\.workspaceName type '.*'", examples="user-roles-by-id"
    ),
    "`ResponseOf*` require `errors`, `warnings`, `result`": _is(
        "$ required errors", "$ required warnings", "$ required result"
    ),
    "asset `Folder` is `{id, type}`": _is("result[].folder required id"),
    "`FolderResponse.parent` is an object, `url` and `description` strings": _is(
        "result[].parent type None",
        "result[].url type None",
        "result[].description type None",
        examples="folder",
    ),
    "program `type` is program/event/webinar/nurture; `status` locked/unlocked/on/off": _like(
        r"result\[\]\.(type|status) enum .*", examples="program"
    ),
    "`SmartCampaignResponse` requires `qualificationRuleInterval`, `qualificationRuleUnit`, "
    "`maxMembers`, a full `recurrence`": _like(
        r"result\[\]\.recurrence required \w+"
        r"|result\[\] required (qualificationRuleInterval|qualificationRuleUnit|maxMembers)"
    ),
    "`ProgramResponse.costs` and `tags` are arrays": _is(
        "result[].costs type None", "result[].tags type None"
    ),
    "`StaticListResponse` requires `url`, `description`, `workspace`; `SmartListResponse` "
    "requires `description`": _like(r"result\[\] required (url|workspace|description)"),
    "`SmartCampaignResponse` requires `folder`": _is("result[] required folder"),
    "asset `Folder.type` is `Folder` or `Program`": _is(
        "result[].folder.type enum 'folder'",
        "result[].folderId.type enum 'FOLDER'",
        "result[].parent.type enum 'FOLDER'",
    ),
    "`EmailResponse.status` is a string": _is("result[].status type False"),
    "the envelope's `requestId` is a string": _is("requestId type None"),
    "`TokenResponse.folder` is a string": _like(r"result\[\]\.folder type \{.*"),
    "`FormKnownVisitorDTO.template` a string, `FormThankYouPageDTO.followupValue` an object, "
    "`EmailResponse.template` an integer": _is(
        "result[].knownVisitor.template type None",
        "result[].thankYouList[].followupValue type None",
        "result[].template type None",
    ),
    "`EmailResponse.fromEmail` is an object, `EmailCCFields.apiName` a string": _is(
        "result[].fromEmail type None", "result[].ccFields[].apiName type None"
    ),
    "`EmailResponse` requires `autoCopyToText` and `preHeader`": _is(
        "result[] required autoCopyToText", "result[] required preHeader"
    ),
    "`SnippetFolder` requires `folderName`": _is("result[].folder required folderName"),
    "an asset's `description` and `url` are strings (`EmailTemplateResponse`, "
    "`FileResponse`, `EmailResponse`, `SnippetResponse`)": lambda name, finding: (
        not name.startswith("folder")
        and finding in ("result[].description type None", "result[].url type None")
    ),
    "`LandingPageResponse` requires `title`, `customHeadHTML`, `facebookOgTags`": _like(
        r"result\[\] required (title|customHeadHTML|facebookOgTags)"
    ),
    "`SmartListRules.filterMatchType` is All, Any or Advanced": _is(
        "result[].rules.filterMatchType enum 'all'"
    ),
    "activity `Attribute.value` is an object": _like(r"result\[\]\.attributes\[\]\.value type .*"),
    "`UsageData.date`, `ErrorsData.date` are date-times": _is("result[].date format '2015-10-17'"),
    "asset timestamps are date-times": _like(
        r"result\[\]\.(createdAt|updatedAt) format '.*Z\+0000'"
    ),
}


def _table_rows() -> list[str]:
    text = DOCS.read_text()
    section = text[text.index("## Where the Swagger files and the prose disagree") :]
    return [
        line.split(" | ")[0].removeprefix("| ")
        for line in section.splitlines()[1:]
        if line.startswith("| ")
    ]


def test_each_row_keyed_here_is_a_row_of_the_docs_table():
    rows = _table_rows()
    assert [key for key in ROWS if key not in rows] == []


@pytest.mark.parametrize("name", example_names())
def test_each_contradiction_of_an_example_with_the_swagger_has_a_row(name):
    unexplained = [f for f in sorted(findings(name)) if not any(r(name, f) for r in ROWS.values())]
    assert unexplained == [], f"{name}: add a row to docs/marketo.md's table for these"


def test_each_row_keyed_here_explains_some_example():
    everything = {(name, f) for name in example_names() for f in findings(name)}
    unused = [key for key, rule in ROWS.items() if not any(rule(n, f) for n, f in everything)]
    assert unused == []

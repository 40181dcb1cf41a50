"""Standard activity types, as GET /rest/v1/activities/types.json lists them (activities.md)."""

from __future__ import annotations

_WEB = [
    ("Client IP Address", "string"),
    ("Query Parameters", "string"),
    ("Referrer URL", "string"),
    ("User Agent", "string"),
]
_EMAIL = [
    ("Campaign Run ID", "integer"),
    ("Choice Number", "integer"),
    ("Step ID", "integer"),
    ("Test Variant", "integer"),
]

# id: (name, description, primary attribute (name, dataType), secondary attributes)
TYPES = {
    1: (
        "Visit Webpage",
        "User visits a web page",
        ("Webpage ID", "integer"),
        [*_WEB, ("Webpage URL", "string")],
    ),
    2: (
        "Fill Out Form",
        "User fills out and submits form on web page",
        ("Webform ID", "integer"),
        [
            ("Client IP Address", "string"),
            ("Form Fields", "text"),
            ("Query Parameters", "string"),
            ("Referrer URL", "string"),
            ("User Agent", "string"),
            ("Webpage ID", "integer"),
        ],
    ),
    6: ("Send Email", "Send Marketo Email to a person", ("Mailing ID", "integer"), _EMAIL),
    7: (
        "Email Delivered",
        "Marketo Email is delivered to a person",
        ("Mailing ID", "integer"),
        _EMAIL,
    ),
    10: (
        "Open Email",
        "User opens Marketo Email",
        ("Mailing ID", "integer"),
        [*_EMAIL, ("Device", "string"), ("Platform", "string")],
    ),
    11: (
        "Click Email",
        "User clicks on a link in a Marketo Email",
        ("Mailing ID", "integer"),
        [*_EMAIL, ("Link", "string")],
    ),
    12: (
        "New Lead",
        "New person",
        ("Lead ID", "integer"),
        [("Source Type", "string"), ("Form Name", "string")],
    ),
    13: (
        "Change Data Value",
        "Changed attribute value for a person",
        ("Attribute Name", "integer"),
        [
            ("New Value", "string"),
            ("Old Value", "string"),
            ("Reason", "string"),
            ("Source", "string"),
        ],
    ),
    22: (
        "Change Score",
        "Change a score value",
        ("Score Name", "integer"),
        [("Change Value", "string"), ("New Value", "integer"), ("Old Value", "integer")],
    ),
    24: ("Add to List", "Add a person to a static list", ("List ID", "integer"), []),
    104: (
        "Change Status in Progression",
        "Change a person's program status",
        ("Program ID", "integer"),
        [
            ("New Status ID", "integer"),
            ("Old Status ID", "integer"),
            ("Reason", "string"),
            ("Success", "boolean"),
        ],
    ),
}

# Which seeded asset kind a type's primary attribute points at (None: a plain number).
PRIMARY_SOURCES = {
    1: "landingPage",
    2: "form",
    6: "email",
    7: "email",
    10: "email",
    11: "email",
    13: None,
    22: None,
    24: "staticList",
    104: "program",
}


def describe(type_id: int) -> dict:
    name, description, (primary, primary_type), attributes = TYPES[type_id]
    return {
        "id": type_id,
        "name": name,
        "description": description,
        "primaryAttribute": {"name": primary, "dataType": primary_type},
        "attributes": [{"name": n, "dataType": t} for n, t in attributes],
    }


def attribute_values(type_id: int, activity_id: int) -> list[dict]:
    """Secondary attributes, derived from the activity id so that they cost no memory."""
    values = []
    value: int | bool | str
    attributes = TYPES[type_id][3] if type_id in TYPES else [("Source", "string")]
    for name, data_type in attributes:
        if data_type == "integer":
            value = activity_id % 97
        elif data_type == "boolean":
            value = activity_id % 2 == 0
        elif name == "Client IP Address":
            value = f"10.0.{activity_id % 255}.{activity_id * 7 % 255}"
        elif name == "User Agent":
            value = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"
        elif name == "Webpage URL":
            value = f"/lp/page-{activity_id % 40}.html"
        else:
            value = ""
        values.append({"name": name, "value": value})
    return values


# Custom activity types have ids from 100001 (activities.md, "Get types"); types.json lists
# them with the standard ones and does not say which are custom.
FIRST_CUSTOM_TYPE = 100_001
_CUSTOM_SUBJECTS = ["Conference", "Webinar", "Workshop", "Demo", "Trial", "Course", "Meetup"]
_CUSTOM_VERBS = ["Attend", "Register for", "Cancel", "Rate", "Share", "Complete", "Join"]


def custom_type_ids(count: int) -> list[int]:
    return list(range(FIRST_CUSTOM_TYPE, FIRST_CUSTOM_TYPE + count))


def describe_custom(type_id: int) -> dict:
    ordinal = type_id - FIRST_CUSTOM_TYPE
    verb = _CUSTOM_VERBS[ordinal % len(_CUSTOM_VERBS)]
    subject = _CUSTOM_SUBJECTS[ordinal // len(_CUSTOM_VERBS) % len(_CUSTOM_SUBJECTS)]
    round_ = ordinal // (len(_CUSTOM_VERBS) * len(_CUSTOM_SUBJECTS))
    name = f"{verb} {subject}" + (f" {round_ + 1}" if round_ else "")
    return {
        "id": type_id,
        "name": name,
        "description": f"{name} (custom activity)",
        "primaryAttribute": {"name": f"{subject} Name", "dataType": "string"},
        "attributes": [{"name": "Source", "dataType": "string"}],
    }

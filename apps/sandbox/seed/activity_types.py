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
    for name, data_type in TYPES[type_id][3]:
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

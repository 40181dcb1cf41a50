"""The lead fields the sandbox describes: standard ones plus a few custom fields."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    id: int
    name: str
    display: str
    data_type: str
    length: int | None = None
    read_only: bool = False
    custom: bool = False
    searchable: bool = False


# (name, display name, dataType, length, readOnly, searchable)
_STANDARD = [
    ("id", "Id", "integer", None, True, True),
    ("company", "Company Name", "string", 255, False, False),
    ("email", "Email Address", "email", 255, False, True),
    ("firstName", "First Name", "string", 255, False, False),
    ("lastName", "Last Name", "string", 255, False, False),
    ("title", "Job Title", "string", 255, False, False),
    ("phone", "Phone Number", "phone", 255, False, False),
    ("city", "City", "string", 255, False, False),
    ("state", "State", "string", 255, False, False),
    ("country", "Country", "string", 255, False, False),
    ("postalCode", "Postal Code", "string", 255, False, False),
    ("industry", "Industry", "string", 255, False, False),
    ("website", "Website", "url", 255, False, False),
    ("numberOfEmployees", "Num Employees", "integer", None, False, False),
    ("leadSource", "Lead Source", "string", 255, False, False),
    ("leadStatus", "Lead Status", "string", 255, False, False),
    ("leadScore", "Lead Score", "integer", None, False, False),
    ("unsubscribed", "Unsubscribed", "boolean", None, False, False),
    ("sfdcLeadId", "SFDC Lead ID", "string", 18, True, True),
    ("leadPartitionId", "Lead Partition Id", "integer", None, True, True),
    ("createdAt", "Created At", "datetime", None, True, False),
    ("updatedAt", "Updated At", "datetime", None, True, False),
]
# filterType accepts custom fields of type string, email and integer (leads.md, "Query").
_CUSTOM = [
    ("customerTier", "Customer Tier", "string", 255, False, True),
    ("productInterest", "Product Interest", "string", 255, False, True),
    ("accountExternalId", "Account External Id", "string", 64, False, True),
    ("npsScore", "NPS Score", "integer", None, False, True),
    ("lastWebinarDate", "Last Webinar Date", "date", None, False, False),
    ("gdprConsent", "GDPR Consent", "boolean", None, False, False),
]

FIELDS: list[Field] = [
    Field(index, name, display, data_type, length, read_only, False, searchable)
    for index, (name, display, data_type, length, read_only, searchable) in enumerate(
        _STANDARD, start=1
    )
] + [
    Field(index, name, display, data_type, length, read_only, True, searchable)
    for index, (name, display, data_type, length, read_only, searchable) in enumerate(
        _CUSTOM, start=1001
    )
]
FIELD_BY_NAME = {field.name: field for field in FIELDS}
# The lead tuple stores every field but id, in FIELDS order.
STORED = [field.name for field in FIELDS if field.name != "id"]
SLOT = {name: index for index, name in enumerate(STORED)}
DEFAULT_FIELDS = ["id", "updatedAt", "lastName", "email", "createdAt", "firstName"]


def describe(field: Field) -> dict:
    """One item of GET /rest/v1/leads/describe.json (leads.md, "Describe")."""
    item = {"id": field.id, "displayName": field.display, "dataType": field.data_type}
    if field.length:
        item["length"] = field.length
    item["rest"] = {"name": field.name, "readOnly": field.read_only}
    item["soap"] = {"name": field.name[:1].upper() + field.name[1:], "readOnly": field.read_only}
    return item


def describe2() -> dict:
    return {
        "name": "API Lead",
        "searchableFields": [[field.name] for field in FIELDS if field.searchable],
        "fields": [
            {
                "name": field.name,
                "displayName": field.display,
                "dataType": field.data_type,
                **({"length": field.length} if field.length else {}),
                "updateable": not field.read_only,
                "crmManaged": field.name.startswith("sfdc"),
            }
            for field in FIELDS
        ],
    }

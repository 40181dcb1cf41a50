"""Lead database: leads by filter type, lead by id, describe, describe2, memberships,
and Sync Leads (leads.md)."""

from __future__ import annotations

import hashlib

from apps.sandbox.endpoints.paging import offset_page
from apps.sandbox.envelope import MarketoError, blank, lead_body
from apps.sandbox.seed.asset_kinds import PROGRAM_TYPES
from apps.sandbox.seed.fields import (
    DEFAULT_FIELDS,
    FIELD_BY_NAME,
    FIELDS,
    SLOT,
    describe,
    describe2,
)
from apps.sandbox.seed.leads import FIRST_ID, iso

MAX_VALUES = 300  # filterValues per call (leads.md)
MAX_MATCHES = 1000  # more matches answer 1003 (leads.md)


def register(router) -> None:
    router.add("GET", "/rest/v1/leads.json", leads_by_filter)
    router.add("POST", "/rest/v1/leads.json", sync_leads)
    router.add("GET", "/rest/v1/lead/{id}.json", lead_by_id)
    router.add("GET", "/rest/v1/leads/describe.json", describe_leads)
    router.add("GET", "/rest/v1/leads/describe2.json", describe_leads2)
    router.add("GET", "/rest/v1/leads/{id}/listMembership.json", list_membership)
    router.add("GET", "/rest/v1/leads/{id}/programMembership.json", program_membership)


def requested_fields(request) -> list[str]:
    fields = request.values("fields") or DEFAULT_FIELDS
    for name in fields:
        if name not in FIELD_BY_NAME:
            # error-codes.md, 1006: "Field '%s' not found".
            raise MarketoError("1006", f"Field '{name}' not found")
    return fields


def leads_by_filter(instance, request, **_):
    filter_type = request.param("filterType")
    if not filter_type:
        raise blank("filterType")
    values = request.values("filterValues")
    if not values:
        raise blank("filterValues")
    field = FIELD_BY_NAME.get(filter_type)
    if field is None:
        raise MarketoError("1006", f"Field '{filter_type}' not found")
    if not field.searchable:
        # error-codes.md, 1011: filterType with an unsupported standard field.
        raise MarketoError("1011", f"Field '{filter_type}' not supported")
    if len(values) > MAX_VALUES:
        raise MarketoError("1003", f"Too many filterValues, at most {MAX_VALUES} are allowed")
    fields = requested_fields(request)
    matches = instance.leads.find(filter_type, values)
    if len(matches) > MAX_MATCHES:
        raise MarketoError("1003", "Too many results match the filter")
    signature = hashlib.sha1(  # noqa: S324 - a page token's checksum, not security
        f"{filter_type}|{','.join(values)}".encode()
    ).hexdigest()[:10]
    start, stop, token = offset_page(request, len(matches), signature)
    result = [instance.leads.render(position, fields) for position in matches[start:stop]]
    extra = {"moreResult": True, "nextPageToken": token} if token else {}
    return lead_body(result, **extra)


def lead_by_id(instance, request, id, **_):
    fields = requested_fields(request)
    position = instance.leads.position(int(id))
    # An unknown id is not an error: the result is just empty (leads.md).
    return lead_body([] if position is None else [instance.leads.render(position, fields)])


def describe_leads(instance, request, **_):
    return lead_body([describe(field) for field in FIELDS])


def describe_leads2(instance, request, **_):
    return lead_body([describe2()])


def _memberships(instance, request, lead_id: int, build, *, says_more: bool) -> dict:
    """A page of a lead's memberships. leads.md shows Get Lists by Lead Id answering
    `moreResult: true` with its token, but the lead database's program pages answer a
    `nextPageToken` alone ("Get Programs by Lead Id", "Programs"), and a last page
    `moreResult: false` (the Programs example of Get Programs by Lead Id). With
    `says_more` false a page with more after it carries only the token."""
    position = instance.leads.position(lead_id)
    rows = [] if position is None else build(position)
    start, stop, token = offset_page(request, len(rows), f"m{lead_id}")
    extra: dict = {"moreResult": bool(token)} if says_more or not token else {}
    if token:
        extra["nextPageToken"] = token
    return lead_body(rows[start:stop], **extra)


def list_membership(instance, request, id, **_):
    lead_id = int(id)

    def build(position):
        created = instance.leads.leads[position][SLOT["createdAt"]]
        return [
            {
                "listId": list_id,
                "createdAt": iso(created + ordinal * 86400),
                "updatedAt": iso(created + ordinal * 86400),
            }
            for ordinal, list_id in enumerate(instance.assets.ids("staticList"))
            if instance.leads.member_of(lead_id, ordinal, 11)
        ]

    return _memberships(instance, request, lead_id, build, says_more=True)


def program_membership(instance, request, id, **_):
    lead_id = int(id)
    statuses = ["Member", "Invited", "Registered", "Attended", "Engaged", "Sent"]

    def build(position):
        created = instance.leads.leads[position][SLOT["createdAt"]]
        rows = []
        for ordinal, program in enumerate(instance.assets.assets["program"].values()):
            if not instance.leads.member_of(lead_id, ordinal, 9):
                continue
            moment = iso(created + ordinal * 3600)
            row = {
                "id": program["id"],
                "progressionStatus": statuses[(lead_id + ordinal) % 6],
                "isExhausted": False,
                "acquiredBy": ordinal % 5 == 0,
                "reachedSuccess": (lead_id + ordinal) % 4 == 0,
                "membershipDate": moment,
                "updatedAt": moment,
            }
            if program["type"] == PROGRAM_TYPES[3][0]:
                row["stream"] = "Stream 1"
                row["nurtureCadence"] = "normal"
            rows.append(row)
        return rows

    return _memberships(instance, request, lead_id, build, says_more=False)


def sync_leads(instance, request, **_):
    """POST /rest/v1/leads.json: createOrUpdate, createOnly, updateOnly (leads.md)."""
    body = request.json()
    if not isinstance(body, dict):
        raise MarketoError("609", "Invalid JSON")
    records = body.get("input")
    if not records:
        raise blank("input")
    if not isinstance(records, list) or len(records) > MAX_VALUES:
        raise MarketoError("1003", f"input must be a list of at most {MAX_VALUES} records")
    action = body.get("action", "createOrUpdate")
    if action not in ("createOrUpdate", "createOnly", "updateOnly", "createDuplicate"):
        raise MarketoError("1003", f"Invalid action '{action}'")
    lookup = body.get("lookupField", "email")
    if lookup not in FIELD_BY_NAME or not FIELD_BY_NAME[lookup].searchable:
        raise MarketoError("1003", f"Invalid lookupField '{lookup}'")
    instance.dirty = True
    now = int(instance.clock.time())
    return lead_body([_sync_one(instance, record, action, lookup, now) for record in records])


def _sync_one(instance, record, action, lookup, now) -> dict:
    if not isinstance(record, dict):
        return _skipped("1003", "Invalid data")
    unknown = [name for name in record if name not in FIELD_BY_NAME]
    if unknown:
        return _skipped("1006", f"Field '{unknown[0]}' not found")
    key = record.get(lookup)
    found = instance.leads.find(lookup, [str(key)]) if key not in (None, "") else []
    if len(found) > 1 and action != "createDuplicate":
        return _skipped("1007", "Multiple leads match the lookup criteria")
    if found and action == "createOnly":
        return _skipped("1005", "Lead already exists")
    if not found and action == "updateOnly":
        return _skipped("1004", "Lead not found")
    changes = {k: v for k, v in record.items() if k != "id" and not FIELD_BY_NAME[k].read_only}
    position = None if action == "createDuplicate" or not found else found[0]
    status = "created" if position is None else "updated"
    position = instance.leads.upsert(position, changes, now)
    return {"id": FIRST_ID + position, "status": status}


def _skipped(code: str, message: str) -> dict:
    return {"status": "skipped", "reasons": [{"code": code, "message": message}]}

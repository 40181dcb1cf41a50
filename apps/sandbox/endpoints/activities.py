"""Activity types, paging tokens and lead activities (activities.md, paging-tokens.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from apps.sandbox.endpoints import paging
from apps.sandbox.envelope import MarketoError, blank, lead_body
from apps.sandbox.seed.activity_types import PRIMARY_SOURCES, TYPES, attribute_values, describe
from apps.sandbox.seed.leads import FIRST_ID, iso

FIRST_ACTIVITY_ID = 5_000_001


def register(router) -> None:
    router.add("GET", "/rest/v1/activities/types.json", activity_types)
    router.add("GET", "/rest/v1/activities/pagingtoken.json", paging_token)
    router.add("GET", "/rest/v1/activities.json", activities)


def activity_types(instance, request, **_):
    return lead_body([describe(type_id) for type_id in TYPES])


def parse_datetime(value: str) -> datetime:
    """ISO 8601, 'Z' or an offset; a date alone means its midnight (paging-tokens.md)."""
    try:
        moment = datetime.fromisoformat(value.strip().replace(" ", "+"))
    except ValueError:
        raise MarketoError("704", "Invalid date format") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.now().astimezone().tzinfo)
    return moment


def paging_token(instance, request, **_):
    since = request.param("sinceDatetime")
    if not since:
        raise blank("sinceDatetime")
    moment = parse_datetime(since)
    body = lead_body(None, nextPageToken=paging.encode("A", int(moment.timestamp()), -1))
    del body["result"]  # ResponseOfVoid: no result member (paging-tokens.md)
    return body


def activities(instance, request, **_):
    token = request.param("nextPageToken")
    if not token:
        raise blank("nextPageToken")
    type_ids = request.values("activityTypeIds")
    if not type_ids:
        raise blank("activityTypeIds")
    if len(type_ids) > 10:
        raise MarketoError("1003", "Too many activityTypeIds, at most 10 are allowed")
    lead_ids = request.values("leadIds")
    if len(lead_ids) > 30:
        raise MarketoError("1003", "Too many leadIds, at most 30 are allowed")
    try:
        wanted_types = {int(value) for value in type_ids}
        wanted_leads = {int(value) - FIRST_ID for value in lead_ids}
    except ValueError:
        raise MarketoError("1003", "activityTypeIds and leadIds must be integers") from None
    unknown = wanted_types - set(TYPES)
    if unknown:
        raise MarketoError("1003", f"Invalid activity type id {min(unknown)}")
    moment, after = (int(part) for part in paging.decode(token, "A", 2))
    size = min(request.int_param("batchSize", 300) or 300, 300)
    store = instance.leads
    index = store.activities_after(moment, after)
    total = len(store.activity_time)
    result: list[dict[str, Any]] = []
    last = index - 1
    # Marketo may answer fewer rows than batchSize with moreResult true (activities.md):
    # scan at most a bounded slice per call.
    scan_end = min(total, index + 20_000)
    while index < scan_end and len(result) < size:
        type_id = store.activity_type[index]
        if type_id in wanted_types and (
            not wanted_leads or store.activity_lead[index] in wanted_leads
        ):
            result.append(render(instance, index))
        last = index
        index += 1
    last_time = store.activity_time[last] if last >= 0 else moment
    more = index < total
    return lead_body(result, nextPageToken=paging.encode("A", last_time, last), moreResult=more)


def render(instance, index: int) -> dict:
    store = instance.leads
    type_id = store.activity_type[index]
    activity_id = FIRST_ACTIVITY_ID + index
    row = {
        "id": activity_id,
        "marketoGUID": str(activity_id),
        "leadId": FIRST_ID + store.activity_lead[index],
        "activityDate": iso(store.activity_time[index]),
        "activityTypeId": type_id,
    }
    primary = store.activity_primary[index]
    kind = PRIMARY_SOURCES.get(type_id)
    if type_id == 12:
        row["primaryAttributeValueId"] = row["leadId"]
        row["primaryAttributeValue"] = str(row["leadId"])
    elif kind:
        row["primaryAttributeValueId"] = primary
        row["primaryAttributeValue"] = instance.assets.name_of(kind, primary) or str(primary)
    else:
        row["primaryAttributeValue"] = str(primary)
    row["attributes"] = attribute_values(type_id, activity_id)
    return row

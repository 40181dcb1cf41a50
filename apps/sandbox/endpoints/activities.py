"""Activity types, paging tokens and lead activities (activities.md, paging-tokens.md)."""

from __future__ import annotations

from datetime import datetime

from apps.sandbox.endpoints import paging
from apps.sandbox.envelope import MarketoError, blank, lead_body
from apps.sandbox.seed.activity_types import (
    PRIMARY_SOURCES,
    TYPES,
    attribute_values,
    custom_type_ids,
    describe,
    describe_custom,
)
from apps.sandbox.seed.leads import FIRST_ID, iso

FIRST_ACTIVITY_ID = 5_000_001


def register(router) -> None:
    router.add("GET", "/rest/v1/activities/types.json", activity_types)
    router.add("GET", "/rest/v1/activities/pagingtoken.json", paging_token)
    router.add("GET", "/rest/v1/activities.json", activities)


def known_type_ids(instance) -> list[int]:
    return [*TYPES, *custom_type_ids(instance.leads.custom_activity_types)]


def activity_types(instance, request, **_):
    custom = custom_type_ids(instance.leads.custom_activity_types)
    standard = [describe(type_id) for type_id in TYPES]
    return lead_body(standard + [describe_custom(type_id) for type_id in custom])


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


# How much of the activity log one call reads: the activities of one week from the token's
# position. Marketo answers "fewer than 300 activity items while setting moreResult to true"
# (activities.md, "Query"), and with a lead or type filter a page can hold none at all; a
# week per call gives a client exactly that, deterministically: a lead that was quiet for a
# month costs four empty pages before its next activity.
PAGE_WINDOW_SECONDS = 7 * 86400


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
        wanted_leads = sorted({int(value) - FIRST_ID for value in lead_ids})
    except ValueError:
        raise MarketoError("1003", "activityTypeIds and leadIds must be integers") from None
    unknown = wanted_types - set(known_type_ids(instance))
    if unknown:
        raise MarketoError("1003", f"Invalid activity type id {min(unknown)}")
    moment, after = (int(part) for part in paging.decode(token, "A", 2))
    size = min(request.int_param("batchSize", 300) or 300, 300)
    store = instance.leads
    now = int(instance.clock.time())
    start = store.activities_after(moment, after)
    # The week starts at the log's next activity (a token older than the log starts at its
    # first entry) and never reaches past now: later activities have not happened yet.
    window_start = store.activity_time[start] if start < len(store.activity_time) else moment
    window_end = min(max(moment, window_start) + PAGE_WINDOW_SECONDS, now)
    stop = max(start, store.activity_index_at(window_end))
    if wanted_leads:
        candidates: list[int] = sorted(
            index
            for position in wanted_leads
            for index in store.lead_activities_between(position, start, stop)
        )
    else:
        candidates = range(start, stop)  # type: ignore[assignment]
    found = [index for index in candidates if store.activity_type[index] in wanted_types]
    if len(found) > size:
        # A full page: the next call goes on from its last row.
        last = found[size - 1]
        next_token = paging.encode("A", store.activity_time[last], last)
        return lead_body(
            [render(instance, index) for index in found[:size]],
            nextPageToken=next_token,
            moreResult=True,
        )
    more = stop < len(store.activity_time) and store.activity_time[stop] <= now
    return lead_body(
        [render(instance, index) for index in found],
        nextPageToken=paging.encode("A", max(window_end, moment), -1),
        moreResult=more,
    )


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

"""Lead database: leads, lead fields, memberships (help/rest-api/leads.md)."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from apps.marketo.client import MarketoClient
from apps.marketo.errors import InvalidRequest, MarketoError
from apps.marketo.paging import pages_by_token

# help/rest-api/leads.md: at most 300 filterValues per call.
MAX_FILTER_VALUES = 300
# What the API user's role needs for the lead reads ("Required Permissions" in the Swagger
# descriptions of swagger-mapi.json), the least first.
ROLE_PERMISSIONS = ("Read-Only Lead", "Read-Write Lead")
MEMBERSHIP_PERMISSIONS = ("Read-Only Asset",)
# help/rest-api/leads.md: Get Leads by Filter Type answers this code (in codes.py, "Invalid
# data") when more than 1,000 leads match.
TOO_MANY_MATCHES_CODE = "1003"


# What a value that alone matches more than 1,000 leads is reported as: on screen, in the
# downloads and in the API, never as "not found".
TOO_MANY_MATCHES_WORDS = "matches more than 1,000 leads"


class TooManyMatches(InvalidRequest):
    """A lead search matched more than 1,000 leads."""

    person_message = "Too many leads match (more than 1,000): narrow the search."

    def __init__(self, message: str = "Too many results match the filter", *, request_id: str = ""):
        super().__init__(message, code=TOO_MANY_MATCHES_CODE, request_id=request_id)


def lead_search_error(exc: MarketoError) -> MarketoError:
    """What an error of Get Leads by Filter Type means for the search."""
    if exc.code == TOO_MANY_MATCHES_CODE and not isinstance(exc, TooManyMatches):
        return TooManyMatches(exc.message, request_id=exc.request_id)
    return exc


def lead_filter_pages(
    client: MarketoClient, params: dict[str, Any]
) -> Iterator[list[dict[str, Any]]]:
    """Get Leads by Filter Type, each page's leads; more than 1,000 matches raise
    TooManyMatches."""
    try:
        yield from pages_by_token(client, "/v1/leads.json", params)
    except MarketoError as exc:
        raised = lead_search_error(exc)
        if raised is exc:
            raise
        raise raised from exc


def leads_by_filter(
    client: MarketoClient,
    *,
    filter_type: str,
    values: list[str],
    fields: Iterable[str] | None = None,
    batch_size: int | None = None,
) -> Iterator[dict[str, Any]]:
    """All leads whose `filter_type` is one of `values` (up to 300), page by page."""
    if not values or len(values) > MAX_FILTER_VALUES:
        raise ValueError(f"give 1 to {MAX_FILTER_VALUES} values, not {len(values)}")
    params: dict[str, Any] = {"filterType": filter_type, "filterValues": ",".join(values)}
    if fields:
        params["fields"] = ",".join(fields)
    if batch_size:
        params["batchSize"] = batch_size
    for page in lead_filter_pages(client, params):
        yield from page


def lead_get(
    client: MarketoClient, lead_id: int, *, fields: Iterable[str] | None = None
) -> dict[str, Any] | None:
    params = {"fields": ",".join(fields)} if fields else None
    result = client.get(f"/v1/lead/{int(lead_id)}.json", params).get("result", [])
    return result[0] if result else None


def lead_describe(client: MarketoClient) -> list[dict[str, Any]]:
    return client.get("/v1/leads/describe.json").get("result", [])


def lead_describe2(client: MarketoClient) -> dict[str, Any]:
    """Field metadata with `searchableFields` (what filterType accepts)."""
    result = client.get("/v1/leads/describe2.json").get("result", [])
    return result[0] if result else {}


def lead_list_membership(client: MarketoClient, lead_id: int) -> Iterator[dict[str, Any]]:
    for page in pages_by_token(client, f"/v1/leads/{int(lead_id)}/listMembership.json"):
        yield from page


def lead_program_membership(client: MarketoClient, lead_id: int) -> Iterator[dict[str, Any]]:
    for page in pages_by_token(client, f"/v1/leads/{int(lead_id)}/programMembership.json"):
        yield from page


# help/rest-api/leads.md ("Query"): a GET over 8 KB is resent as POST with the parameters
# in a form body, and a body may hold at most 1 MB (error-codes.md, 413). A batch's
# filterValues stay well inside that, leaving room for `fields` and the rest.
MAX_FILTER_VALUES_BYTES = 512 * 1024


def filter_value_batches(
    values: list[str], *, max_values: int = MAX_FILTER_VALUES, max_bytes: int | None = None
) -> Iterator[list[str]]:
    """Split `values` into the batches one Get Leads by Filter Type call each takes: at most
    300 values, and fewer when their comma-joined, URL-encoded length would be too long."""
    max_bytes = max_bytes or MAX_FILTER_VALUES_BYTES
    batch: list[str] = []
    size = 0
    for value in values:
        cost = len(quote(value, safe="")) + 3  # and an encoded comma
        if batch and (len(batch) >= max_values or size + cost > max_bytes):
            yield batch
            batch, size = [], 0
        batch.append(value)
        size += cost
    if batch:
        yield batch


def leads_find(
    client: MarketoClient,
    *,
    filter_type: str,
    values: list[str],
    fields: Iterable[str] | None = None,
) -> list[dict[str, Any]]:
    """Every lead matching one of `values` (up to 300), all pages read."""
    return list(leads_by_filter(client, filter_type=filter_type, values=values, fields=fields))


@dataclass
class FilterSearch:
    """What a search of many values found: the leads, the values that alone match more than
    1,000 leads (Marketo gives none of their leads), and the calls it took."""

    leads: list[dict[str, Any]] = field(default_factory=list)
    too_many: list[str] = field(default_factory=list)
    calls: int = 0


def leads_find_splitting(
    client: MarketoClient,
    *,
    filter_type: str,
    values: list[str],
    fields: Iterable[str] | None = None,
) -> FilterSearch:
    """Every lead matching one of `values` (up to 300), all pages read. help/rest-api/
    leads.md ("Query"): Get Leads by Filter Type answers 1003 when more than 1,000 leads
    match the filter, for the whole call. The values are then halved and each half asked
    again, down to single values: a value that still matches more than 1,000 leads is
    reported in `too_many`, and the others are found as usual."""
    if not values or len(values) > MAX_FILTER_VALUES:
        raise ValueError(f"give 1 to {MAX_FILTER_VALUES} values, not {len(values)}")
    search = FilterSearch()
    params: dict[str, Any] = {"filterType": filter_type}
    if fields:
        params["fields"] = ",".join(fields)
    _search_halving(client, params, list(values), search)
    return search


def _search_halving(
    client: MarketoClient, params: dict[str, Any], values: list[str], search: FilterSearch
) -> None:
    found: list[dict[str, Any]] = []
    try:
        for page in lead_filter_pages(client, {**params, "filterValues": ",".join(values)}):
            search.calls += 1
            found.extend(page)
    except TooManyMatches:
        search.calls += 1  # error-codes.md: a 1003 is counted
        if len(values) == 1:
            search.too_many.append(values[0])
            return
        middle = len(values) // 2
        _search_halving(client, params, values[:middle], search)
        _search_halving(client, params, values[middle:], search)
        return
    search.leads.extend(found)


def searchable_fields(describe2: dict[str, Any]) -> list[str]:
    """describe2's `searchableFields` is a list of lists (compound keys); filterType takes
    the single-field ones."""
    return [group[0] for group in describe2.get("searchableFields", []) if len(group) == 1]


def match_key(value: object) -> str:
    """Marketo matches filterValues without regard to case or surrounding spaces."""
    return "" if value is None else str(value).strip().lower()

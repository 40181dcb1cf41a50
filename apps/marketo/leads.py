"""Lead database: leads, lead fields, memberships (help/rest-api/leads.md)."""

from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote

from apps.marketo.client import MarketoClient
from apps.marketo.paging import pages_by_token

# help/rest-api/leads.md: at most 300 filterValues per call.
MAX_FILTER_VALUES = 300


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
    for page in pages_by_token(client, "/v1/leads.json", params):
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


def searchable_fields(describe2: dict[str, Any]) -> list[str]:
    """describe2's `searchableFields` is a list of lists (compound keys); filterType takes
    the single-field ones."""
    return [group[0] for group in describe2.get("searchableFields", []) if len(group) == 1]


def match_key(value: object) -> str:
    """Marketo matches filterValues without regard to case or surrounding spaces."""
    return "" if value is None else str(value).strip().lower()

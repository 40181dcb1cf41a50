"""Lead database: leads, lead fields, memberships (help/rest-api/leads.md)."""

from apps.marketo.paging import pages_by_token

# help/rest-api/leads.md: at most 300 filterValues per call.
MAX_FILTER_VALUES = 300


def leads_by_filter(client, *, filter_type: str, values: list[str], fields=None, batch_size=None):
    """All leads whose `filter_type` is one of `values` (up to 300), page by page."""
    if not values or len(values) > MAX_FILTER_VALUES:
        raise ValueError(f"give 1 to {MAX_FILTER_VALUES} values, not {len(values)}")
    params = {"filterType": filter_type, "filterValues": ",".join(values)}
    if fields:
        params["fields"] = ",".join(fields)
    if batch_size:
        params["batchSize"] = batch_size
    for page in pages_by_token(client, "/v1/leads.json", params):
        yield from page


def lead_get(client, lead_id: int, *, fields=None) -> dict | None:
    params = {"fields": ",".join(fields)} if fields else None
    result = client.get(f"/v1/lead/{int(lead_id)}.json", params).get("result", [])
    return result[0] if result else None


def lead_describe(client) -> list[dict]:
    return client.get("/v1/leads/describe.json").get("result", [])


def lead_describe2(client) -> dict:
    """Field metadata with `searchableFields` (what filterType accepts)."""
    result = client.get("/v1/leads/describe2.json").get("result", [])
    return result[0] if result else {}


def lead_list_membership(client, lead_id: int):
    for page in pages_by_token(client, f"/v1/leads/{int(lead_id)}/listMembership.json"):
        yield from page


def lead_program_membership(client, lead_id: int):
    for page in pages_by_token(client, f"/v1/leads/{int(lead_id)}/programMembership.json"):
        yield from page

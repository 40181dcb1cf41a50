"""Lead-database paging by token (help/rest-api/paging-tokens.md, leads.md): the pages of
Get Leads by Filter Type say `moreResult`, other lead-database endpoints answer a
`nextPageToken` alone."""

import pytest

from apps.marketo import leads
from apps.marketo.paging import pages_by_token

one_backend = pytest.mark.parametrize("backend", ["memory"], indirect=True)


def _lead_in_programs(client, at_least: int) -> tuple[int, list[dict]]:
    for lead_id in range(100001, 100400):
        rows = client.get(f"/v1/leads/{lead_id}/programMembership.json")["result"]
        if len(rows) >= at_least:
            return lead_id, rows
    raise AssertionError(f"no seeded lead is in {at_least} programs")


@one_backend
def test_token_only_pages_are_read_to_the_end(make_client):
    client = make_client()
    lead_id, every_row = _lead_in_programs(client, at_least=5)
    path = f"/v1/leads/{lead_id}/programMembership.json"
    # The sandbox answers as leads.md shows ("Programs"): a token, no moreResult.
    first = client.get(path, {"batchSize": 2})
    assert first["nextPageToken"] and "moreResult" not in first
    pages = list(pages_by_token(client, path, {"batchSize": 2}))
    assert [row for page in pages for row in page] == every_row
    assert [len(page) for page in pages][:2] == [2, 2]


@one_backend
def test_list_membership_with_more_result_is_read_to_the_end(make_client):
    client = make_client()
    for lead_id in range(100001, 100400):
        rows = client.get(f"/v1/leads/{lead_id}/listMembership.json")["result"]
        if len(rows) >= 3:
            break
    path = f"/v1/leads/{lead_id}/listMembership.json"
    assert client.get(path, {"batchSize": 1})["moreResult"] is True
    pages = list(pages_by_token(client, path, {"batchSize": 1}))
    assert [row for page in pages for row in page] == rows


@one_backend
def test_a_lead_search_reads_every_page(make_client):
    client = make_client()
    ids = [str(100001 + n) for n in range(7)]
    found = list(leads.leads_by_filter(client, filter_type="id", values=ids, batch_size=3))
    assert [str(lead["id"]) for lead in found] == ids
    assert len(client.ledger_rows) == 3


class Pages:
    """A client stand-in that answers the given envelopes in turn, and records the calls."""

    def __init__(self, *envelopes: dict) -> None:
        self.envelopes = list(envelopes)
        self.sent: list[dict] = []

    def get(self, path, params=None):
        self.sent.append(dict(params or {}))
        return self.envelopes.pop(0)


def test_paging_stops_when_more_result_is_false_even_with_a_token():
    client = Pages({"result": [{"id": 1}], "nextPageToken": "T1", "moreResult": False})
    assert list(pages_by_token(client, "/v1/x.json")) == [[{"id": 1}]]  # type: ignore[arg-type]
    assert len(client.sent) == 1


def test_paging_stops_at_an_empty_page_without_more_result():
    client = Pages(
        {"result": [{"id": 1}], "nextPageToken": "T1"},
        {"result": [], "nextPageToken": "T2"},
    )
    assert list(pages_by_token(client, "/v1/x.json")) == [[{"id": 1}], []]  # type: ignore[arg-type]
    assert client.sent == [{}, {"nextPageToken": "T1"}]


def test_paging_stops_without_a_token():
    client = Pages({"result": [{"id": 1}], "nextPageToken": "T1"}, {"result": [{"id": 2}]})
    assert list(pages_by_token(client, "/v1/x.json")) == [[{"id": 1}], [{"id": 2}]]  # type: ignore[arg-type]


def test_an_empty_page_that_says_more_result_is_followed():
    # activities.md: an activity page may be empty while moreResult stays true.
    client = Pages(
        {"result": [], "nextPageToken": "T1", "moreResult": True},
        {"result": [{"id": 2}], "nextPageToken": "T2", "moreResult": False},
    )
    assert list(pages_by_token(client, "/v1/x.json")) == [[], [{"id": 2}]]  # type: ignore[arg-type]

"""Reading activities over real HTTP from the sandbox, whose pages hold one week of the log
each: short and empty pages with moreResult true, as activities.md ("Query") allows."""

from datetime import UTC, datetime, timedelta

import pytest
import requests

from apps.marketo import activities as marketo_activities

# One governor backend is enough here: paging does not depend on it.
pytestmark = pytest.mark.parametrize("backend", ["memory"], indirect=True)

LEAD = 100_007
CUSTOM = 100_001  # the first custom activity type: only the activities added below have it
T0 = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)


def _control(sandbox, body):
    answer = requests.post(f"{sandbox.base_url}/_sandbox/activities", json=body, timeout=5)
    assert answer.status_code == 200, answer.text


def _sparse_lead(sandbox, *days_after_t0, now_days=50):
    """LEAD has CUSTOM activities at T0 + each day given; the sandbox clock is T0 + now_days."""
    sandbox.set_clock(T0 + timedelta(days=now_days))
    _control(
        sandbox,
        {
            "customTypes": 1,
            "activities": [
                {
                    "leadId": LEAD,
                    "activityTypeId": CUSTOM,
                    "activityDate": (T0 + timedelta(days=day)).isoformat(),
                }
                for day in days_after_t0
            ],
        },
    )


def _calls(sandbox, path):
    stats = requests.get(f"{sandbox.base_url}/_sandbox/stats.json", timeout=5).json()
    return sum(n for name, n in stats.get("by_endpoint", {}).items() if name.endswith(path))


def test_empty_pages_with_more_result_true_are_read_through_to_the_end(sandbox, make_client):
    # Weeks 1, 4 and 7 have an activity; weeks 2-3 and 5-6 answer empty, moreResult true.
    _sparse_lead(sandbox, 1, 22, 43)
    rows, complete = marketo_activities.lead_activities(
        make_client(), lead_id=LEAD, since=T0, type_ids=[CUSTOM]
    )
    assert [row["activityDate"][:10] for row in rows] == ["2025-04-15", "2025-03-25", "2025-03-04"]
    assert complete is True
    # 3 pages with rows + 4 empty ones, the last with moreResult false; one token.
    assert _calls(sandbox, "/v1/activities.json") == 7
    assert _calls(sandbox, "/v1/activities/pagingtoken.json") == 1


def test_a_long_quiet_stretch_stops_at_the_empty_page_cap_and_says_it_is_incomplete(
    sandbox, make_client
):
    _sparse_lead(sandbox, 1, 120, now_days=150)
    read = marketo_activities.activities_read(
        make_client(),
        next_page_token=marketo_activities.paging_token(make_client(), since=T0),
        type_ids=[CUSTOM],
        lead_ids=[LEAD],
        max_empty_pages=3,
    )
    assert [row["activityDate"][:10] for row in read.rows] == ["2025-03-04"]
    assert (read.complete, read.empty_pages, read.calls) == (False, 3, 4)


def test_one_paging_token_serves_every_chunk_of_types(sandbox, make_client):
    _sparse_lead(sandbox, 1, 8, now_days=20)
    sandbox.reset(everything=False)  # count from here
    type_ids = [1, 2, 6, 7, 10, 11, 12, 13, 22, 24, 104, CUSTOM]  # 12 types: two chunks
    rows, complete = marketo_activities.lead_activities(
        make_client(), lead_id=LEAD, since=T0, type_ids=type_ids
    )
    assert {row["activityDate"][:10] for row in rows} >= {"2025-03-04", "2025-03-11"}
    assert complete is True
    assert _calls(sandbox, "/v1/activities/pagingtoken.json") == 1


def test_until_ends_the_read_at_that_moment(sandbox, make_client):
    _sparse_lead(sandbox, 1, 8, 15, 22, 29, 36)
    rows, complete = marketo_activities.lead_activities(
        make_client(),
        lead_id=LEAD,
        since=T0,
        until=T0 + timedelta(days=10),
        type_ids=[CUSTOM],
    )
    assert [row["activityDate"][:10] for row in rows] == ["2025-03-11", "2025-03-04"]
    assert complete is True
    # The page that shows day 15, past `until`, ends the read: the weeks after it, up to now,
    # are not read. (Where a page's week begins depends on the whole seeded log, so the
    # count is compared with a read of the same lead without `until`.)
    with_until = _calls(sandbox, "/v1/activities.json")
    sandbox.reset(everything=False)
    marketo_activities.lead_activities(make_client(), lead_id=LEAD, since=T0, type_ids=[CUSTOM])
    without_until = _calls(sandbox, "/v1/activities.json")
    assert with_until <= 3 < without_until

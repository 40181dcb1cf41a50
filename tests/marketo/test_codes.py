"""The table of Marketo's answers (apps/marketo/codes.py) against Marketo's error-code page,
and each row against itself: what the client does with a code follows from its row."""

import json
import re
from pathlib import Path

import pytest

from apps.marketo import codes
from apps.marketo.codes import CODES, TABLE, Counted, Level, Reaction, Retry, code_info, error_for
from apps.marketo.errors import (
    ConcurrencyLimited,
    InvalidRequest,
    MarketoError,
    QuotaExhausted,
    RateLimited,
    TokenExpired,
    TokenInvalid,
    TransientError,
)

ROOT = Path(__file__).resolve().parents[2]
PAGE = json.loads((Path(__file__).parent / "marketo_error_codes.json").read_text())
PAGE_CODES = [
    (level, row) for level in ("http", "identity", "response", "record") for row in PAGE[level]
]
MARKETO_ROWS = [row for row in TABLE if row.level is not Level.CLIENT]


def test_the_page_was_read_at_the_commit_whose_swagger_files_are_vendored():
    source = (ROOT / "tests/contract/marketo-openapi/SOURCE.md").read_text()
    assert PAGE["source"]["path"] == codes.PAGE
    assert f"Commit: `{PAGE['source']['commit']}`" in source


@pytest.mark.parametrize(("level", "fact"), PAGE_CODES, ids=[r["code"] for _, r in PAGE_CODES])
def test_every_code_on_marketos_page_is_in_the_table_with_marketos_message(level, fact):
    assert fact["code"] in CODES, f"{fact['code']} ({fact['message']}) is not in codes.py"
    assert CODES[fact["code"]].marketo_says == fact["message"]


def test_the_table_has_no_marketo_code_the_page_does_not_list():
    listed = {row["code"] for _, row in PAGE_CODES}
    assert {row.code for row in MARKETO_ROWS} == listed


def test_exactly_the_starred_answers_are_not_counted():
    starred = {row["code"] for row in PAGE["response"] if row["not_counted"]}
    assert starred == {"601", "602", "604", "605", "608", "611"}  # the page, read by a person
    assert starred == codes.UNCOUNTED_CODES
    for row in PAGE["response"]:
        expected = Counted.NO if row["not_counted"] else Counted.YES
        assert CODES[row["code"]].counted is expected, row["code"]


def test_614_is_retried_as_temporary_as_the_page_says_and_counted():
    # "The destination subscription cannot be found or is unreachable. This usually
    # indicates temporary inaccessibility." It is not starred, so Marketo counts it.
    row = CODES["614"]
    assert (row.error, row.retry, row.counted) == (TransientError, Retry.BACKOFF, Counted.YES)
    assert "usually for a short while" in row.meaning
    assert "If it persists, check the instance's REST URL" in row.action


@pytest.mark.parametrize("row", TABLE, ids=[row.code for row in TABLE])
def test_each_row_is_consistent(row):
    retryable = row.retry in (Retry.BACKOFF, Retry.COOL_DOWN, Retry.LATER)
    assert row.error.retryable is retryable
    assert (row.retry is Retry.REAUTHENTICATE) == (row.error in (TokenInvalid, TokenExpired))
    # The limits Marketo shares between integrations: the governor cools down, then retries.
    busy = row.error in (RateLimited, ConcurrencyLimited)
    assert busy == (row.retry is Retry.COOL_DOWN) == (row.governor is Reaction.COOL_DOWN)
    # A spent quota: only an answer that counted can say so; it blocks the day.
    quota = row.error is QuotaExhausted
    assert quota == (row.retry is Retry.NEXT_DAY) == (row.governor is Reaction.BLOCK_DAY)
    if quota or busy:
        assert row.counted is Counted.YES
    if row.retry is Retry.BACKOFF:
        assert issubclass(row.error, TransientError)
    # What Marketo does not count, the governor gives back; what it counts, it keeps.
    if row.counted is Counted.NO and row.governor is not Reaction.NONE:
        assert row.governor is Reaction.REFUND
    if row.governor is Reaction.REFUND:
        assert row.counted is Counted.NO
    # Without an answer the call may still run at Marketo: counted, and never sent twice.
    if row.governor is Reaction.HOLD:
        assert row.may_have_run and row.counted is Counted.UNKNOWN
    if row.may_have_run:
        assert row.counted is not Counted.NO and row.level is not Level.RESPONSE
    if row.governor is Reaction.NONE:
        assert row.level is Level.CLIENT and row.counted is Counted.NO
    # Words: Marketo's codes carry Marketo's message; everything has a meaning and an action.
    assert bool(row.marketo_says) == (row.level is not Level.CLIENT)
    assert row.meaning and not row.meaning.endswith(".")
    assert row.action.endswith(".")


def test_6xx_codes_say_the_request_was_not_executed():
    # "A 6xx code indicates that the entire request failed and was not executed."
    sixes = [row for row in TABLE if re.fullmatch(r"6\d\d", row.code)]
    assert len(sixes) == 16
    assert not [row.code for row in sixes if row.may_have_run]


@pytest.mark.parametrize("row", MARKETO_ROWS, ids=[row.code for row in MARKETO_ROWS])
def test_the_client_raises_each_rows_class(row):
    error = error_for(row.code, "as Marketo words it", "e42b#1")
    assert type(error) is row.error
    assert (error.code, error.message) == (row.code, "as Marketo words it")
    assert error.request_id == "e42b#1"


def test_unknown_codes_are_mistakes_and_unknown_statuses_are_plain_errors():
    assert type(error_for("799", "new")) is InvalidRequest
    assert code_info("799").meaning == "Not in marketo-admin's list"
    assert type(error_for("503", "HTTP 503")) is MarketoError
    assert code_info("503").counted is Counted.UNKNOWN  # an answer: counted, to be safe
    with pytest.raises(ValueError, match="the client's own outcome"):
        error_for("timeout")


def test_the_derived_sets_follow_the_table():
    names = ("BUSY_CODES", "QUOTA_CODE", "HELD_CODES", "OUTCOME_UNKNOWN", "NOT_COUNTED")
    assert {name: getattr(codes, name) for name in names} == {
        "BUSY_CODES": {"606", "615"},
        "QUOTA_CODE": "607",
        "HELD_CODES": {"timeout", "connection"},
        "OUTCOME_UNKNOWN": {"timeout", "connection", "500", "502", "invalid-json"},
        "NOT_COUNTED": {"601", "602", "604", "605", "608", "611", "refused", "wait", "deadline"},
    }


def test_docs_marketo_md_shows_the_table():
    docs = (ROOT / "docs/marketo.md").read_text()
    section = docs.split("<!-- codes-table -->")[1]
    assert section.strip() == docs_table().strip(), (
        "docs/marketo.md is out of date; put this between the <!-- codes-table --> marks:\n"
        + docs_table()
    )


def docs_table() -> str:
    """The table of docs/marketo.md: the rows that behave alike, together."""
    groups: dict[tuple, list] = {}
    for row in TABLE:
        key = (row.error.__name__, row.counted, row.retry, row.governor, row.may_have_run)
        groups.setdefault(key, []).append(row.code)
    lines = [
        "",
        "| codes | class | counted by Marketo | retried | the governor |",
        "| --- | --- | --- | --- | --- |",
    ]
    for (error, counted, retry, governor, may_have_run), group in groups.items():
        listed = ", ".join(group)
        retried = f"{retry}{'; GETs only: a write may have run' if may_have_run else ''}"
        lines.append(f"| {listed} | `{error}` | {counted} | {retried} | {governor} |")
    return "\n".join(lines) + "\n"

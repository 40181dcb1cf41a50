"""Every answer the Marketo client can get, in one table: a row per code of Marketo's page
help/rest-api/error-codes.md (tests/marketo/marketo_error_codes.json names the commit read)
and per outcome the client tells apart itself (no answer in time, a dropped connection, ...).
Each row says which exception the client raises, whether Marketo counts the call, whether and
how it is retried, what the governor does, and the words a person reads.

Derived from it: `error_for`, the governor's refunds and penalties, the usage pages' words,
the sandbox's messages and counting, `call_problem_message` (wording.py), and the table in
docs/marketo.md (a test keeps it equal).
"""

import enum
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from apps.marketo.errors import (
    AccessDenied,
    ConcurrencyLimited,
    DestinationRefused,
    IdentityError,
    InvalidRequest,
    MarketoError,
    NotFound,
    QuotaExhausted,
    RateLimited,
    RedirectRefused,
    RetryLater,
    TokenExpired,
    TokenInvalid,
    TransientError,
)

PAGE = "help/rest-api/error-codes.md"


class Level(enum.StrEnum):
    HTTP = "HTTP status"
    RESPONSE = "response"  # in the `errors` of an answer with success: false
    RECORD = "record"  # in a record's `reasons`; a few (1003, 1029) come back in `errors`
    CLIENT = "client"  # the client's own outcome: no usable answer, or nothing sent


class Counted(enum.StrEnum):
    """Whether Marketo counts the call against the rate window AND the daily quota: the page's
    note names both together ("not counted against your daily quota, or your rate limit"),
    and no page tells them apart, so one column serves both."""

    YES = "yes"
    NO = "no"
    # No answer from Marketo's API, or the page is silent: the governor counts it, to be safe.
    UNKNOWN = "unknown, counted"


class Retry(enum.StrEnum):
    REAUTHENTICATE = "once, after a new access token"
    COOL_DOWN = "when the governor admits it again, after its cool-down"
    BACKOFF = "with backoff and jitter, within the deadline"
    NEXT_DAY = "after midnight US Central: jobs pause until then"
    LATER = "later: a job pauses, a person tries again"
    NEVER = "never: it would fail the same way"


class Reaction(enum.StrEnum):
    """What the governor does with the call's admission."""

    COUNT = "counts the call"
    REFUND = "refunds the call"
    HOLD = (
        "keeps the slot (Marketo may still run it): to the lease's end after a timeout, "
        "45 s after a dropped connection"
    )
    COOL_DOWN = "cools down, halves its window budget"
    BLOCK_DAY = "blocks the instance until midnight US Central"
    NONE = "nothing (no call was admitted)"


# A job retries these by itself; a person is told to try again, not what to change.
PASSES_BY_ITSELF = frozenset({Retry.COOL_DOWN, Retry.BACKOFF, Retry.NEXT_DAY, Retry.LATER})


@dataclass(frozen=True)
class Code:
    code: str
    level: Level
    marketo_says: str  # Marketo's own message, as the page gives it; "" for the client's own
    error: type[MarketoError]
    counted: Counted
    retry: Retry
    governor: Reaction
    meaning: str  # what it means, for a person
    action: str  # what to do about it
    # No trustworthy answer came: the call may have run, so a write is never sent twice.
    may_have_run: bool = False

    @property
    def passes_by_itself(self) -> bool:
        return self.retry in PASSES_BY_ITSELF


@dataclass(frozen=True)
class _Kind:
    """What the rows of one kind share."""

    error: type[MarketoError]
    counted: Counted
    retry: Retry
    governor: Reaction
    action: str
    may_have_run: bool = False

    def row(
        self, code: str, level: Level, marketo_says: str, meaning: str = "", **overrides: Any
    ) -> Code:
        values: dict[str, Any] = {
            "error": self.error,
            "counted": self.counted,
            "retry": self.retry,
            "governor": self.governor,
            "action": self.action,
            "may_have_run": self.may_have_run,
        }
        meaning = meaning or marketo_says.rstrip(".")
        return Code(code, level, marketo_says, meaning=meaning, **(values | overrides))


_TEMPORARY = (
    "Temporary on Marketo's side, and retried with backoff: try again in a minute, and act"
    " only if it persists."
)
_WRONG = (
    "Not retried: the same request would fail again. If marketo-admin did not send it, usage"
    " by API user shows which integration did."
)
_URLS = "Check the instance's REST and identity URLs (Admin > Integration > Web Services)."

TRANSIENT = _Kind(TransientError, Counted.YES, Retry.BACKOFF, Reaction.COUNT, _TEMPORARY)
# The page stars these: "not counted against your daily quota, or your rate limit".
TRANSIENT_UNCOUNTED = _Kind(TransientError, Counted.NO, Retry.BACKOFF, Reaction.REFUND, _TEMPORARY)
NO_ANSWER = _Kind(
    TransientError, Counted.UNKNOWN, Retry.BACKOFF, Reaction.HOLD, _TEMPORARY, may_have_run=True
)
TOKEN = _Kind(
    TokenInvalid,
    Counted.NO,
    Retry.REAUTHENTICATE,
    Reaction.REFUND,
    "None at first: a new token (one for all processes) is fetched and the call retried once."
    " If it fails again, try again in a minute.",
)
BUSY = _Kind(
    RateLimited,
    Counted.YES,
    Retry.COOL_DOWN,
    Reaction.COOL_DOWN,
    "Slow down: an integration ignores the shared limit. Each such call counted and was wasted.",
)
WRONG = _Kind(InvalidRequest, Counted.YES, Retry.NEVER, Reaction.COUNT, _WRONG)
WRONG_UNCOUNTED = _Kind(InvalidRequest, Counted.NO, Retry.NEVER, Reaction.REFUND, _WRONG)
NOT_SENT = _Kind(MarketoError, Counted.NO, Retry.NEVER, Reaction.REFUND, _URLS)
UNLISTED = _Kind(MarketoError, Counted.UNKNOWN, Retry.NEVER, Reaction.COUNT, _WRONG)

R, H, C, REC = Level.RESPONSE, Level.HTTP, Level.CLIENT, Level.RECORD

# fmt: off
TABLE: tuple[Code, ...] = (
    # --- HTTP statuses ("HTTP-Level errors"; 500 and 502 are in the response-level table) ---
    UNLISTED.row(
        "401", H, "Unauthorized", "The identity endpoint refused the client id or secret",
        error=IdentityError,
        action="Enter the instance's client id and secret again (Marketo: Admin > Integration"
        " > LaunchPoint > View Details).",
    ),
    WRONG.row(
        "413", H, "Request Entity Too Large",
        "The request body is over Marketo's limit (1 MB; 10 MB for a bulk import)",
        counted=Counted.UNKNOWN,
        action="Send fewer records per call (marketo-admin checks the size before it sends).",
    ),
    WRONG.row(
        "414", H, "Request-URI Too Long", "The request URI is over 8 KB",
        counted=Counted.UNKNOWN,
        action="Send a long GET as POST with _method=GET and the query in the body"
        " (marketo-admin does so for the lead database).",
    ),
    # The page lists 500 beside 502: an unexpected failure on Marketo's side, so a read is
    # retried with backoff like a 502; a write may have run, and is never sent twice.
    TRANSIENT.row(
        "500", H, "Internal Server error",
        "Marketo failed unexpectedly; a malformed request URL can cause it",
        may_have_run=True,
        action=f"{_TEMPORARY} If it persists, check the instance's REST and identity URLs"
        " (Admin > Integration > Web Services) and give Marketo support the requestId.",
    ),
    # "Likely a timeout. The request should be retried with exponential backoff." (the page)
    TRANSIENT.row(
        "502", H, "Bad Gateway", "Marketo's gateway got no answer in time", may_have_run=True
    ),
    # --- response level: in the `errors` of an answer with success: false -------------------
    TOKEN.row("601", R, "Access token invalid", "The access token was not valid"),
    TOKEN.row("602", R, "Access token expired", "The access token had expired", error=TokenExpired),
    WRONG.row(
        "603", R, "Access denied",
        "Access denied: the API user's role lacks a permission, or an IP allow-list blocks"
        " the caller",
        error=AccessDenied,
        action="Give the API user's role the permission the endpoint needs (Admin > Users &"
        " Roles), or allow the caller's address (Admin > Web Services).",
    ),
    TRANSIENT_UNCOUNTED.row("604", R, "Request time-out", "The request ran too long at Marketo"),
    WRONG_UNCOUNTED.row("605", R, "HTTP Method not supported", "HTTP method not supported"),
    BUSY.row(
        "606", R, "Max rate limit %s; exceeded with in %s secs",
        "Rate limit: more than 100 calls in 20 seconds (all integrations together)",
    ),
    _Kind(
        QuotaExhausted, Counted.YES, Retry.NEXT_DAY, Reaction.BLOCK_DAY,
        "Find who spent the quota (usage by API user), or buy a larger quota.",
    ).row(
        "607", R, "Daily quota reached",
        "Daily quota reached: no call works until midnight US Central",
    ),
    TRANSIENT_UNCOUNTED.row("608", R, "API Temporarily Unavailable"),
    WRONG.row("609", R, "Invalid JSON", "Invalid JSON in the request"),
    WRONG.row(
        "610", R, "Requested resource not found",
        "No such resource: the asset or record is gone, or the URL names no endpoint",
        error=NotFound,
    ),
    TRANSIENT_UNCOUNTED.row("611", R, "System error", "System error on Marketo's side"),
    WRONG.row("612", R, "Invalid Content Type"),
    WRONG.row("613", R, "Invalid Multipart Request"),
    # The page: "cannot be found or is unreachable. This usually indicates temporary
    # inaccessibility." So it is retried like any temporary failure, not read as a wrong URL.
    TRANSIENT.row(
        "614", R, "Invalid Subscription",
        "Invalid subscription: it cannot be found or is unreachable, usually for a short while",
        action="Temporary as a rule, and retried with backoff. If it persists, check the"
        " instance's REST URL and Munchkin id.",
    ),
    BUSY.row(
        "615", R, "Concurrent access limit reached",
        "Concurrency limit: more than 10 calls in flight (all integrations together)",
        error=ConcurrencyLimited,
        action="Slow down: an integration runs too many calls at once. Each such call counted.",
    ),
    WRONG.row(
        "616", R, "Invalid subscription type",
        "The subscription type does not include this API (custom object metadata)",
        action="Ask Marketo (your customer success manager) for the subscription type.",
    ),
    WRONG.row("701", R, "%s cannot be blank", "A required field is missing or empty"),
    WRONG.row(
        "702", R, "No data found for a given search scenario",
        "No data found: nothing matches, or the asset named no longer exists",
        error=NotFound,
    ),
    WRONG.row("703", R, "The feature is not enabled for the subscription"),
    WRONG.row("704", R, "Invalid date format", "Invalid date (or dynamic content id)"),
    WRONG.row(
        "709", R, "Business Rule Violation",
        "Business rule violation: for example approving an asset with no draft, or creating an"
        " email without a template",
        action="The asset is not in a state that allows this (for example no draft to approve,"
        " already approved, in use elsewhere, or a name already taken): look at it in Marketo.",
    ),
    WRONG.row(
        "710", R, "Parent Folder Not Found",
        "The destination folder does not exist or is not a folder",
    ),
    WRONG.row(
        "711", R, "Incompatible Folder Type", "The folder is not of the type needed",
        action="Choose a folder of the kind the call needs (programs.md: a program is cloned"
        " into a folder, not into a program).",
    ),
    WRONG.row("712", R, "Merge to person Account operation is invalid"),
    # The page: "it is advised to wait for time and then retry the request".
    TRANSIENT.row("713", R, "Transient Error", "A Marketo resource was briefly unavailable"),
    WRONG.row("714", R, "Unable to find the default record type"),
    WRONG.row("718", R, "ExternalSalesPersonID not found"),
    # The page: "A Clone Program call was made and timed out waiting for a lock": nothing
    # was made. Not resent by the client (a write); the person tries again.
    WRONG.row(
        "719", R, "Lock wait timeout exception",
        "Marketo timed out waiting for a lock while cloning a program: no copy was made",
        action="Try again in a minute (marketo-admin does not resend a clone by itself).",
    ),
    # --- record level: a record's `reasons` in a successful answer ------------------------
    WRONG.row("1001", REC, "Invalid value '%s'. Required of type '%s'"),
    WRONG.row("1002", REC, "Missing value for the required parameter '%s'"),
    # Get Leads by Filter Type answers it when more than 1,000 leads match (leads.md).
    WRONG.row(
        "1003", REC, "Invalid data",
        "Invalid data for the endpoint; on a lead search, more than 1,000 leads match",
    ),
    *(
        WRONG.row(code, REC, says)
        for code, says in [
            ("1004", "Lead not found"),
            ("1005", "Lead already exists"),
            ("1006", "Field '%s' not found"),
            ("1007", "Multiple leads match the lookup criteria"),
            ("1008", "Access denied to partition '%s'"),
            ("1009", "Partition name must be specified"),
            ("1010", "Partition update not allowed"),
            ("1011", "Field '%s' not supported"),
            ("1012", "Invalid cookie value '%s'"),
            ("1013", "Object not found"),
            ("1014", "Failed to create Object"),
            ("1015", "Lead not in list"),
            ("1016", "Too many imports"),
            ("1017", "Object already exists"),
            ("1018", "CRM Enabled"),
            ("1019", "Import in progress"),
            ("1020", "Too many clones to program"),
            ("1021", "Company update not allowed"),
            ("1022", "Object in use"),
            ("1025", "Program status not found"),
            ("1026", "Custom object not enabled"),
            ("1027", "Max Activity Type Limit Reached"),
            ("1028", "Max field limit reached"),
        ]
    ),
    WRONG.row(
        "1029", REC, "Too many jobs in queue; Export daily quota exceeded; Job already queued",
        "Bulk extract: too many jobs queued, or the daily export quota is spent",
        action="Do not retry before the reset: wait for running jobs or for midnight Central.",
    ),
    *(
        WRONG.row(code, REC, says)
        for code, says in [
            ("1035", "Unsupported filter type"),
            ("1036", "Duplicate object found in input"),
            ("1037", "Lead was skipped"),
            ("1042", "Invalid runAt date"),
            ("1048", "Custom Object Discard Draft Failed"),
            ("1049", "Failed to Create Activity"),
            ("1076", "Merge Leads call with mergeInCRM flag is 4."),
            ("1077", "Merge Leads call failed due to SFDC Field length"),
            (
                "1078",
                "Merge Leads call failed due to deleted entity, not a lead/contact, or field"
                " filter criteria does not match.",
            ),
            (
                "1079",
                "Merge Leads call failed due to Personalized URL conflict in duplicate records",
            ),
        ]
    ),
    # --- the client's own outcomes ---------------------------------------------------------
    NO_ANSWER.row("timeout", C, "", "Marketo did not answer in time"),
    NO_ANSWER.row("connection", C, "", "The connection to Marketo failed"),
    # An answer came, but not Marketo's envelope: whether the call ran is unknown.
    TRANSIENT.row(
        "invalid-json", C, "", "Marketo's answer was not JSON",
        counted=Counted.UNKNOWN, may_have_run=True,
    ),
    # The identity endpoint failed or gave no usable token (the page does not say whether
    # Marketo counts identity calls).
    TRANSIENT.row("identity", C, "", "No access token could be had", counted=Counted.UNKNOWN),
    UNLISTED.row(
        "redirect", C, "", "The answer was a redirect, which marketo-admin does not follow",
        error=RedirectRefused, action=_URLS,
    ),
    NOT_SENT.row(
        "refused", C, "", "marketo-admin may not call this address, so nothing was sent",
        error=DestinationRefused,
        action=f"{_URLS} A host that is not Marketo's must be named in MARKETO_ALLOWED_HOSTS.",
    ),
    _Kind(RetryLater, Counted.NO, Retry.LATER, Reaction.NONE, "Try again in a few seconds.").row(
        "wait", C, "", "Waiting for the instance's API budget"
    ),
    # Each attempt was ledgered and counted on its own; giving up is not a call.
    _Kind(TransientError, Counted.NO, Retry.LATER, Reaction.NONE, _TEMPORARY).row(
        "deadline", C, "", "Marketo answered with errors until the time allowed ran out"
    ),
)
# fmt: on

CODES: dict[str, Code] = {row.code: row for row in TABLE}

# Codes the table does not know: a Marketo code (never retried, as a caller's mistake), or an
# HTTP status Marketo's page does not list.
UNKNOWN_CODE = WRONG.row("", R, "", "Not in marketo-admin's list", action=f"See {PAGE}.")
UNKNOWN_STATUS = UNLISTED.row("", H, "", "An HTTP status Marketo's documentation does not list")


def code_info(code: str) -> Code:
    """The row for `code`, or the row of its kind of unknown code."""
    code = str(code)
    if code in CODES:
        return CODES[code]
    unknown = UNKNOWN_STATUS if code.isdigit() and int(code) < 600 else UNKNOWN_CODE
    return replace(unknown, code=code)


def error_for(code: str, message: str = "", request_id: str = "") -> MarketoError:
    """The exception for one of Marketo's codes or HTTP statuses."""
    info = code_info(code)
    if info.level is Level.CLIENT:
        raise ValueError(f"{code!r} is the client's own outcome, not an answer from Marketo")
    return info.error(message or info.marketo_says, code=info.code, request_id=request_id)


def _codes(keep: Callable[[Code], bool]) -> frozenset[str]:
    return frozenset(row.code for row in TABLE if keep(row))


# Answers that Marketo does not count: the governor refunds them (and so does the sandbox).
UNCOUNTED_CODES = _codes(lambda row: row.counted is Counted.NO and row.level is not Level.CLIENT)
# Outcomes not counted: the answers above, and calls that were never sent.
NOT_COUNTED = _codes(lambda row: row.counted is Counted.NO)
# Another integration is using the shared window or the in-flight slots.
BUSY_CODES = _codes(lambda row: row.governor is Reaction.COOL_DOWN)
(QUOTA_CODE,) = _codes(lambda row: row.governor is Reaction.BLOCK_DAY)
# No answer at all: Marketo may still be running the call, so its slot stays taken.
HELD_CODES = _codes(lambda row: row.governor is Reaction.HOLD)
# Failures after which a request may or may not have been carried out.
OUTCOME_UNKNOWN = _codes(lambda row: row.may_have_run)
# Marketo's own messages, for the sandbox.
MARKETO_MESSAGES = {row.code: row.marketo_says for row in TABLE if row.level is not Level.CLIENT}

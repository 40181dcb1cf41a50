"""What each Marketo error code means and what to do about it: the table in
docs/marketo.md ("Error codes and how the code reacts"), from help/rest-api/error-codes.md."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorCode:
    code: str
    meaning: str
    action: str
    counts_against_quota: bool = True


_TRANSIENT = (
    "Temporary on Marketo's side; retried with backoff and jitter. Act only if it persists."
)
_CALLER = "The caller's mistake or no data: never retried. Find the integration that sends it."

CATALOGUE = {
    item.code: item
    for item in [
        ErrorCode(
            "601", "Access token invalid", "Get a new token once (shared) and retry once.", False
        ),
        ErrorCode(
            "602", "Access token expired", "Get a new token once (shared) and retry once.", False
        ),
        ErrorCode(
            "603",
            "Access denied: the API role lacks a permission, or an IP allow-list blocks the caller",
            "Give the API user's role the permission the endpoint needs (Admin > Users & Roles),"
            " or allow the caller's address (Admin > Web Services).",
        ),
        ErrorCode("604", "Request timed out", _TRANSIENT, False),
        ErrorCode("605", "HTTP method not supported", _CALLER, False),
        ErrorCode(
            "606",
            "Rate limit: more than 100 calls in 20 seconds (all integrations together)",
            "Slow down: an integration ignores the shared limit. Each call counted and was wasted.",
        ),
        ErrorCode(
            "607",
            "Daily quota reached",
            "Nothing works until midnight US Central. Find who spent the quota (usage by API"
            " user) or buy a larger quota.",
        ),
        ErrorCode("608", "API temporarily unavailable", _TRANSIENT, False),
        ErrorCode("609", "Invalid JSON in the request", _CALLER),
        ErrorCode("610", "Requested resource not found", _CALLER),
        ErrorCode("611", "System error on Marketo's side", _TRANSIENT, False),
        ErrorCode("612", "Invalid content type", _CALLER),
        ErrorCode("613", "Invalid multipart request", _CALLER),
        ErrorCode("614", "Invalid subscription", "Check the instance's REST URL and Munchkin id."),
        ErrorCode(
            "615",
            "Concurrency limit: more than 10 calls in flight (all integrations together)",
            "Slow down: an integration runs too many calls at once. Each call counted.",
        ),
        ErrorCode("701", "A required field is missing or empty", _CALLER),
        ErrorCode("702", "No data found for the search", _CALLER),
        ErrorCode("703", "The feature is not enabled for the subscription", _CALLER),
        ErrorCode("704", "Invalid date", _CALLER),
        ErrorCode("709", "Business rule violation", _CALLER),
        ErrorCode("710", "Parent folder not found", _CALLER),
        ErrorCode("711", "Incompatible folder type", _CALLER),
        ErrorCode("713", "Transient error", _TRANSIENT),
        ErrorCode("1003", "Invalid value (e.g. more than 1,000 leads match)", _CALLER),
        ErrorCode(
            "1029",
            "Bulk extract: too many jobs queued, or the daily export quota is spent",
            "Do not retry before the reset: wait for running jobs or for midnight Central.",
        ),
    ]
}


def describe(code: str) -> ErrorCode:
    return CATALOGUE.get(
        str(code),
        ErrorCode(str(code), "Not in marketo-admin's list", "See help/rest-api/error-codes.md."),
    )


# The usage endpoints need no role permission ("Required Permissions: None" in Marketo's
# swagger-mapi.json), so a 603 on them can only come from the IP allow-list or the user.
USAGE_603 = (
    "Marketo denied access (603). The usage endpoints need no role permission, so check that"
    " the IP allow-list (Admin > Web Services) lets this server in and that the API user"
    " is active and API-only."
)

"""How long each call may take: Marketo's documented server-side timeout per endpoint, our
HTTP timeouts derived from it, and the governor lease that must outlive them.

Marketo stops working on a request after its endpoint's server timeout and answers an
error. Our read timeout is a little longer (READ_MARGIN_SECONDS), so that Marketo's answer,
even that error, arrives before we give up: a slow clone or approve that Marketo finishes is
reported as done, not as "outcome unknown". The governor's lease for the call is longer
still (`CallTimeouts.lease_seconds`): Marketo counts a call in flight until it returns
(help/rest-api/rest-api.md, concurrency), so its slot must not be freed while it may run.

Every documented server timeout is below, with the page and section it comes from. Each
page says "30s unless otherwise noted"; an endpoint no page mentions (usage stats, folders'
tokens, the User Management API of help/rest-api/user-management.md, whose paths have no
/rest prefix...) is assumed to have that same 30 s (DEFAULT_SERVER_SECONDS).
"""

import re
from dataclasses import dataclass
from functools import cache

CONNECT_SECONDS = 5.0
# help/rest-api/leads.md, activities.md, companies.md, custom-objects.md... "Timeouts": every
# lead-database page's endpoints have 30 s unless otherwise noted.
DEFAULT_SERVER_SECONDS = 30.0
# Our read timeout is this much longer than Marketo's: its error answer still reaches us.
READ_MARGIN_SECONDS = 5.0
# The identity endpoint documents no timeout (help/rest-api/authentication.md).
IDENTITY_TIMEOUT: tuple[float, float] = (CONNECT_SECONDS, DEFAULT_SERVER_SECONDS)
# A read a person waits for gives up after this long whatever Marketo's timeout: the lead
# search runs inside a web request (apps/leads/views.py), which must not hang for a minute,
# and giving up on a read costs nothing but the answer (it is retried or reported; nothing
# may have changed). It is the read timeout every call had before timeouts were per
# endpoint. A write always waits for Marketo's answer: giving up on it early would make its
# outcome unknown.
INTERACTIVE_READ_SECONDS = 30.0
# A call's lease starts at admission; the token comes next (a cached one in milliseconds, a
# refresh in one identity call), then the HTTP request. The lease covers one identity call,
# the request's connect and read timeouts, and this margin (a process that was killed, a
# clock that differs slightly between the governor and us).
LEASE_MARGIN_SECONDS = 5.0
# A connection that closed without an answer (code "connection") leaves the call's outcome
# unknown, but not its length: Marketo may still run it up to the endpoint's server timeout
# (300 s for an asset call), or, as with most connections a proxy or the network drops, not
# at all. Holding the slot for the whole lease would let ten dropped connections stop every
# call of the instance for six minutes; the slot is held this long instead (the single
# lease every call had before timeouts were per endpoint), and a 615 from a call Marketo was
# in fact still running is answered by the governor's cool-down. A call that timed out on
# our side keeps its lease: by then Marketo's own timeout has passed, and the lease ends
# soon after it.
DROPPED_HOLD_SECONDS = 45.0


@dataclass(frozen=True)
class ServerTimeout:
    seconds: float
    source: str  # the Marketo page and section that documents it


_LEADS = "help/rest-api/leads.md, Timeouts"
_ACTIVITIES = "help/rest-api/activities.md, Timeouts"
_ASSETS = "help/rest-api/assets.md, Timeouts"

# (method, path template as client.endpoint_template gives it, with /rest in front) -> the
# server timeout. `{name}` stands for one path segment that is not a number (an API name or
# a GUID); numeric ids are already `{id}`. The paths are Swagger's (swagger-mapi.json) for
# the operation the page names.
SERVER_TIMEOUTS: dict[tuple[str, str], ServerTimeout] = {
    # Leads (leads.md: "Leads endpoints have a 30s timeout, except for the following")
    ("POST", "/rest/v1/leads.json"): ServerTimeout(90, f"{_LEADS}: Sync Leads"),
    ("POST", "/rest/v1/leads/{id}/associate.json"): ServerTimeout(60, f"{_LEADS}: Associate Lead"),
    ("POST", "/rest/v1/leads/{id}/merge.json"): ServerTimeout(180, f"{_LEADS}: Merge Leads"),
    ("POST", "/rest/v1/leads/partitions.json"): ServerTimeout(
        60, f"{_LEADS}: Update Lead Partition"
    ),
    ("POST", "/rest/v1/leads/push.json"): ServerTimeout(90, f"{_LEADS}: Push Lead to Marketo"),
    # A GET sent as POST with _method=GET (a URI over 8 KB) is still this operation.
    ("GET", "/rest/v1/leads.json"): ServerTimeout(60, f"{_LEADS}: Get Leads by Filter Type"),
    ("GET", "/rest/v1/list/{id}/leads.json"): ServerTimeout(60, f"{_LEADS}: Get Leads by List ID"),
    ("GET", "/rest/v1/lists/{id}/leads.json"): ServerTimeout(60, f"{_LEADS}: Get Leads by List ID"),
    # Activities (activities.md: "Activities endpoints have a timeout of 30s, except")
    ("GET", "/rest/v1/activities/pagingtoken.json"): ServerTimeout(
        300, f"{_ACTIVITIES}: Get Paging Token"
    ),
    ("POST", "/rest/v1/activities/external.json"): ServerTimeout(
        90, f"{_ACTIVITIES}: Add Custom Activity"
    ),
    # Companies, custom objects, named accounts and their lists, opportunities and their
    # roles, sales persons: each page's "Timeouts" section.
    ("POST", "/rest/v1/companies.json"): ServerTimeout(
        60, "help/rest-api/companies.md, Timeouts: Sync Companies"
    ),
    ("POST", "/rest/v1/companies/delete.json"): ServerTimeout(
        60, "help/rest-api/companies.md, Timeouts: Delete Companies"
    ),
    # Sync Custom Object Type (schema.json) is not named on the page: 30 s, and listed
    # before the pattern below, which its path would otherwise match.
    ("POST", "/rest/v1/customobjects/schema.json"): ServerTimeout(
        DEFAULT_SERVER_SECONDS, "help/rest-api/custom-objects.md, Timeouts: the default"
    ),
    ("POST", "/rest/v1/customobjects/{name}.json"): ServerTimeout(
        120, "help/rest-api/custom-objects.md, Timeouts: Sync Custom Objects"
    ),
    ("POST", "/rest/v1/customobjects/{name}/delete.json"): ServerTimeout(
        60, "help/rest-api/custom-objects.md, Timeouts: Delete Custom Objects"
    ),
    ("POST", "/rest/v1/namedaccounts.json"): ServerTimeout(
        120, "help/rest-api/named-accounts.md, Timeouts: Sync Named Accounts"
    ),
    ("POST", "/rest/v1/namedaccounts/delete.json"): ServerTimeout(
        60, "help/rest-api/named-accounts.md, Timeouts: Delete Named Accounts"
    ),
    ("GET", "/rest/v1/namedAccountLists.json"): ServerTimeout(
        60, "help/rest-api/named-account-lists.md, Timeouts: Get Named Account Lists"
    ),
    ("POST", "/rest/v1/namedAccountLists.json"): ServerTimeout(
        60, "help/rest-api/named-account-lists.md, Timeouts: Sync Named Account Lists"
    ),
    ("POST", "/rest/v1/namedAccountLists/delete.json"): ServerTimeout(
        60, "help/rest-api/named-account-lists.md, Timeouts: Delete Named Account Lists"
    ),
    ("GET", "/rest/v1/namedAccountList/{name}/namedAccounts.json"): ServerTimeout(
        60, "help/rest-api/named-account-lists.md, Timeouts: Get Named Account List Members"
    ),
    ("POST", "/rest/v1/namedAccountList/{name}/namedAccounts.json"): ServerTimeout(
        60, "help/rest-api/named-account-lists.md, Timeouts: Add Named Account List Members"
    ),
    ("POST", "/rest/v1/namedAccountList/{name}/namedAccounts/remove.json"): ServerTimeout(
        60, "help/rest-api/named-account-lists.md, Timeouts: Remove Named Account List Members"
    ),
    ("POST", "/rest/v1/opportunities.json"): ServerTimeout(
        60, "help/rest-api/opportunities.md, Timeouts: Sync Opportunities"
    ),
    ("POST", "/rest/v1/opportunities/delete.json"): ServerTimeout(
        60, "help/rest-api/opportunities.md, Timeouts: Delete Opportunities"
    ),
    ("POST", "/rest/v1/opportunities/roles.json"): ServerTimeout(
        60, "help/rest-api/opportunity-roles.md, Timeouts: Sync Opportunity Roles"
    ),
    ("POST", "/rest/v1/opportunities/roles/delete.json"): ServerTimeout(
        60, "help/rest-api/opportunity-roles.md, Timeouts: Delete Opportunity Roles"
    ),
    ("POST", "/rest/v1/salespersons.json"): ServerTimeout(
        60, "help/rest-api/sales-persons.md, Timeouts: Sync Sales Persons"
    ),
    ("POST", "/rest/v1/salespersons/delete.json"): ServerTimeout(
        60, "help/rest-api/sales-persons.md, Timeouts: Delete Sales Persons"
    ),
}
# help/rest-api/assets.md, "Timeouts": "Asset APIs have a timeout of 300 seconds", every one
# of them (a clone, an approval, a folder listing).
ASSET_PREFIX = "/rest/asset/"
ASSET_SERVER_TIMEOUT = ServerTimeout(300, f"{_ASSETS}: every asset endpoint")
DEFAULT_SERVER_TIMEOUT = ServerTimeout(
    DEFAULT_SERVER_SECONDS, "each page's Timeouts section: 30 s unless otherwise noted"
)


@cache
def _pattern(template: str) -> re.Pattern[str]:
    return re.compile(re.escape(template).replace(re.escape("{name}"), "[^/]+") + "$")


def server_timeout(method: str, endpoint: str) -> ServerTimeout:
    """Marketo's own timeout for `method` on `endpoint` (e.g. "/rest/v1/lead/{id}.json")."""
    method = method.upper()
    if endpoint.startswith(ASSET_PREFIX):
        return ASSET_SERVER_TIMEOUT
    exact = SERVER_TIMEOUTS.get((method, endpoint))
    if exact is not None:
        return exact
    for (entry_method, template), timeout in SERVER_TIMEOUTS.items():
        if entry_method == method and "{name}" in template and _pattern(template).match(endpoint):
            return timeout
    return DEFAULT_SERVER_TIMEOUT


@dataclass(frozen=True)
class CallTimeouts:
    """The timeouts of one call, in seconds."""

    connect: float
    read: float
    lease: float

    @property
    def http(self) -> tuple[float, float]:
        """(connect, read), as requests takes them."""
        return (self.connect, self.read)


@dataclass(frozen=True)
class Timeouts:
    """The timeouts the client uses. `scale` multiplies every figure: tests run a call
    "slower than the default read timeout" in a second instead of half a minute."""

    scale: float = 1.0

    def __post_init__(self) -> None:
        if self.scale <= 0:
            raise ValueError("the timeout scale must be positive")

    def for_call(self, method: str, endpoint: str, *, person_waiting: bool = False) -> CallTimeouts:
        """The timeouts of `method` on `endpoint`; a GET that `person_waiting` for gives up
        after at most INTERACTIVE_READ_SECONDS."""
        read = server_timeout(method, endpoint).seconds + READ_MARGIN_SECONDS
        if person_waiting and method.upper() == "GET":
            read = min(read, INTERACTIVE_READ_SECONDS)
        return self.fixed((CONNECT_SECONDS * self.scale, read * self.scale))

    @property
    def dropped_hold(self) -> float:
        """How long the slot of a call whose connection dropped stays taken."""
        return DROPPED_HOLD_SECONDS * self.scale

    def fixed(self, http: tuple[float, float]) -> CallTimeouts:
        """The timeouts of a call whose (connect, read) the caller chose; its lease still
        outlives them."""
        connect, read = http
        token_step = sum(IDENTITY_TIMEOUT) * self.scale
        lease = token_step + connect + read + LEASE_MARGIN_SECONDS * self.scale
        return CallTimeouts(connect=connect, read=read, lease=lease)


DEFAULT_TIMEOUTS = Timeouts()
# The lease of a call to an endpoint with the default 30 s: what the governor gives an
# acquire that names no length (Budget.lease_seconds).
DEFAULT_LEASE_SECONDS = DEFAULT_TIMEOUTS.for_call("GET", "/rest/v1/lead/{id}.json").lease

"""The REST API fuzzed from its own OpenAPI schema (/api/schema/) with schemathesis.

Whatever a client sends, no answer is a 5xx, and every 4xx carries the `{"detail", "code"}`
body that clients rely on (apps.core.api.exception_handler). For each operation:

- schemathesis's coverage cases: boundary values, wrong types (a body that is an array, a
  string, null), missing and unexpected parts, other HTTP methods; at most COVERAGE_CASES,
  one of each kind in turn;
- Hypothesis-generated valid inputs and schema-breaking inputs, FUZZ_EXAMPLES of each;
  the coverage cases and these use path parameters that name real objects, so that the
  request reaches the view's logic (ids of the fixture's instance, lookup, sync, ...);
- a few schema-breaking inputs with generated path parameters too.

Every operation is included. The requests go to the WSGI application in this process, inside
the test's transaction, as an admin with API tokens. The instance points at the sandbox, so
the operations that call Marketo while the request waits (lead lookups, lead detail, the
field list) make real calls to it; those that queue a task (syncs, asset actions, connection
tests) queue nothing, because the transaction is never committed. PATCH and DELETE of an
instance get a second, scratch instance, so that the sandbox's stays for the others.

Bounded and repeatable: no shrinking, and a fixed seed (FUZZ_SEED), so that CI explores the
same inputs each time; set FUZZ_SEED to explore others.
"""

import contextlib
import itertools
import os
import time
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, seed
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.meta import coverage_scenario

from apps.accounts.services import api_token_create
from apps.alerts.models import Alert
from apps.assets.models import AssetAction, MirroredAsset
from apps.assets.services import asset_action_start, asset_sync_start
from apps.audit.context import AuditContext
from apps.core.permissions import Role
from apps.instances.models import MarketoInstance
from apps.instances.services import grant_set
from apps.leads import services as lead_services
from apps.usage.services import usage_sync_start
from tests.assets.conftest import run_sync
from tests.factories import UserFactory, make_instance
from tests.leads.conftest import sandbox_emails

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
COVERAGE_CASES = int(os.environ.get("FUZZ_COVERAGE_CASES", "100"))
SEED = int(os.environ.get("FUZZ_SEED", "20061"))
FAILURES_KEPT_PER_RUN = 3


@schemathesis.check
def error_body_on_4xx(ctx, response, case):
    """Every 4xx is JSON with a string `detail` and a string `code`."""
    if not 400 <= response.status_code < 500:
        return None
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(
            f"{response.status_code} without a JSON body: {response.text[:200]!r}"
        ) from None
    if not (
        isinstance(body, dict)
        and isinstance(body.get("detail"), str)
        and isinstance(body.get("code"), str)
    ):
        raise AssertionError(f"{response.status_code} without detail and code: {body!r:.300}")
    return None


@dataclass
class World:
    """Real objects for path parameters, and a fresh token per run (the per-token throttle
    would otherwise answer 429 long before the fuzzer is done)."""

    admin: object
    ids: dict
    scratch_instance_id: int
    tokens: int = 0

    def headers(self) -> dict:
        self.tokens += 1
        _token, key = api_token_create(
            user=self.admin, name=f"fuzz {self.tokens}", audit=AuditContext.system()
        )
        return {"Authorization": f"Token {key}"}

    def path_parameters(self, operation) -> dict:
        # drf-spectacular names every view's `pk` "id"; the first segment says whose id.
        params = {
            name: value
            for name, value in self.ids.items()
            if "{" + name + "}" in operation.path and name != "id"
        }
        if "{id}" in operation.path:
            first = operation.path.removeprefix("/api/v1/").split("/", 1)[0]
            params["id"] = self.ids["id"][first]
            # Changing or deleting the sandbox's instance would leave nothing to fuzz.
            if operation.path == "/api/v1/instances/{id}/" and operation.method.upper() in {
                "PATCH",
                "PUT",
                "DELETE",
            }:
                params["id"] = self.scratch_instance_id
        return params


@dataclass
class Report:
    operations: int = 0
    requests: int = 0
    statuses: dict = field(default_factory=dict)
    failures: list = field(default_factory=list)

    def describe(self) -> str:
        return "\n\n".join(self.failures)

    def summary(self, seconds: float) -> str:
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(self.statuses.items()))
        return (
            f"fuzz: {self.operations} operations, {self.requests} requests in {seconds:.0f} s "
            f"({statuses}); {len(self.failures)} failures"
        )


@pytest.fixture
def world(db, sandbox):
    from apps.instances.client import shared_governor

    shared_governor.cache_clear()
    admin = UserFactory(username="fuzz-admin", role=Role.ADMIN)
    operator = UserFactory(username="fuzz-operator", role=Role.OPERATOR)
    instance = make_instance(
        "Sandbox",
        client_id=sandbox.client_id,
        secret=sandbox.client_secret,
        rest_url=sandbox.rest_url,
        identity_url=sandbox.identity_url,
        calls_per_20s=100,
        concurrent_calls=10,
    )
    MarketoInstance.objects.filter(pk=instance.pk).update(api_user="api@sandbox.example")
    grant_set(
        instance=instance, user=operator, role="operator", actor=None, audit=AuditContext.system()
    )
    scratch = make_instance("Scratch", munchkin_id="999-ZZZ-999")

    sync = asset_sync_start(instance=instance, user=admin, audit=AuditContext.system())
    run_sync(sync.pk)
    asset = MirroredAsset.objects.filter(instance=instance, asset_type="email").first()
    action = asset_action_start(asset=asset, kind=AssetAction.Kind.REFRESH, user=admin)
    lookup = lead_services.lead_lookup_prepare(
        instance=instance, user=admin, field="email", raw_values=sandbox_emails(sandbox, 5)
    )
    usage_sync = usage_sync_start(instance=instance, kind="today", audit=AuditContext.system())
    lead_id = sandbox.instance.leads.render(0, ["id"])["id"]
    alert = Alert.objects.create(
        kind="quota",
        instance=instance,
        title="Sandbox: 85% of today's API quota used",
        summary="In words.",
        fired_at=timezone.now(),
        last_checked_at=timezone.now(),
    )
    return World(
        admin=admin,
        scratch_instance_id=scratch.pk,
        ids={
            "id": {
                "instances": instance.pk,
                "lead-lookups": lookup.pk,
                "asset-syncs": sync.pk,
                "asset-actions": action.pk,
                "usage-syncs": usage_sync.pk,
                "users": operator.pk,
                "alerts": alert.pk,
            },
            "username": operator.username,
            "lead_id": lead_id,
            "asset_type": asset.asset_type,
            "marketo_id": asset.marketo_id,
        },
    )


@pytest.fixture
def _requests_share_the_test_transaction():
    # What Django's test client does: a request's end would otherwise close the connection
    # that holds the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _exercise(case, *, how, headers, report, found):
    """Send one case; a failed check is recorded, so that the run goes on."""
    response = case.call(headers=headers)
    report.requests += 1
    report.statuses[response.status_code] = report.statuses.get(response.status_code, 0) + 1
    try:
        case.validate_response(
            response, checks=[not_a_server_error, error_body_on_4xx], headers=headers
        )
    except (AssertionError, FailureGroup) as exc:  # a check's failure, or several
        if len(found) < FAILURES_KEPT_PER_RUN:
            found.append(
                f"{case.operation.label} ({how}): {response.status_code}\n"
                f"{case.as_curl_command(headers)[:600]}\n{str(exc)[:600]}"
            )


def _spread(cases, limit):
    """At most `limit` cases, taking one of each kind (scenario and media type) in turn, so
    that a kind with few cases (a body of the wrong type) is never left out for one with
    hundreds (every time zone of an enum)."""
    kinds = {}
    for case in cases:
        kinds.setdefault((str(coverage_scenario(case)), case.media_type), []).append(case)
    rounds = itertools.zip_longest(*kinds.values())
    return [case for cases in rounds for case in cases if case is not None][:limit]


def _coverage(schema, operation, *, world, report):
    """Schemathesis's coverage cases (boundaries, wrong types, missing and extra parts), at
    most COVERAGE_CASES of each operation, with real ids in the path."""
    cases = list(
        schema.iter_coverage_cases(
            operation,
            generation_modes=list(GenerationMode),
            generation_config=schema.config.generation,
        )
    )
    headers, found = world.headers(), []
    for case in _spread(cases, COVERAGE_CASES):
        case.path_parameters = {**(case.path_parameters or {}), **world.path_parameters(operation)}
        _exercise(case, how="coverage", headers=headers, report=report, found=found)
    report.failures.extend(found)


def _fuzz(operation, *, mode, pinned, world, report, examples):
    """Hypothesis-generated cases of one mode, with real or generated ids in the path."""
    strategy = operation.as_strategy(
        generation_mode=mode, path_parameters=world.path_parameters(operation) if pinned else None
    )
    headers, found = world.headers(), []
    how = f"{mode.value}, {'real' if pinned else 'generated'} ids"

    @seed(SEED)
    @hypothesis_settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case):
        _exercise(case, how=how, headers=headers, report=report, found=found)

    with contextlib.suppress(Unsatisfiable):  # nothing of this operation can be made invalid
        run()
    report.failures.extend(found)


def test_no_input_gets_a_5xx_and_every_4xx_has_the_error_body(
    world, _requests_share_the_test_transaction, capsys
):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", WSGIHandler())
    report, started = Report(), time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        report.operations += 1
        _coverage(schema, operation, world=world, report=report)
        # Headers are only the token, which every request gets as it is.
        has_inputs = bool(operation.query or operation.body)
        runs = [
            (GenerationMode.POSITIVE, True, EXAMPLES),
            (GenerationMode.NEGATIVE, True, EXAMPLES if has_inputs else 0),
            (GenerationMode.NEGATIVE, False, max(1, EXAMPLES // 3)),
        ]
        for mode, pinned, examples in runs:
            if examples:
                _fuzz(
                    operation,
                    mode=mode,
                    pinned=pinned,
                    world=world,
                    report=report,
                    examples=examples,
                )
    with capsys.disabled():
        print("\n" + report.summary(time.monotonic() - started))
    assert report.operations >= 30, "the schema lost operations"
    assert not report.failures, report.describe()

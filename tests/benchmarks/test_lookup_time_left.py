"""The time left a lookup's page shows (issue 15), against what it then took: one lookup
alone on the instance, then two sharing its window. The governor admits a window's worth at
once, then makes background work wait for the window to move (a pause of ~18 s each time),
so the pace is bursty. Run with `make bench`, or
`.venv/bin/python -m pytest tests/benchmarks/test_lookup_time_left.py -o addopts="" -s`
(PostgreSQL and REDIS_URL set). Prints, for the estimate the page would show each second,
its error against the time it really took and its largest jump upwards; and the same for the
formula it replaced (elapsed / values done x values left, or 20 s per window of batches
before the first batch)."""

import itertools
import threading
import time

import pytest
from django.db import connection
from django.utils import timezone

from apps.core.permissions import Role
from apps.leads import selectors, services
from apps.leads.models import LeadLookup
from apps.sandbox import start_sandbox
from tests.factories import UserFactory
from tests.leads.conftest import missing_emails, sandbox_instance_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def quick_sandbox():
    with start_sandbox(leads=100, latency_ms=(20, 80)) as sandbox:
        yield sandbox


def _run_to_the_end(pk: int) -> None:
    """What the worker and its delayed task messages do: run, and after a pause, run again."""
    try:
        while True:
            lookup = services.lead_lookup_run(lookup_id=pk)
            if lookup is None or lookup.is_finished:
                return
            wait = (lookup.resume_at - timezone.now()).total_seconds() if lookup.resume_at else 1
            time.sleep(max(0.0, wait))
    finally:
        connection.close()


def _old_estimate(lookup: LeadLookup) -> float | None:
    remaining = lookup.total_values - lookup.done_values
    if not remaining:
        return None
    if lookup.started_at and lookup.done_values:
        elapsed = (timezone.now() - lookup.started_at).total_seconds()
        return elapsed / lookup.done_values * remaining
    return lookup.batch_count * 20 / max(1, lookup.instance.calls_per_20s)


def _watch(lookups: list[LeadLookup]) -> list[tuple[float, float | None, float | None]]:
    threads = [threading.Thread(target=_run_to_the_end, args=(item.pk,)) for item in lookups]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    seen = []
    watched = lookups[0]
    while any(thread.is_alive() for thread in threads):
        watched.refresh_from_db()
        if watched.is_finished:
            break
        progress = selectors.lookup_progress(watched)
        seen.append((time.monotonic() - began, progress["eta_seconds"], _old_estimate(watched)))
        time.sleep(1.0)
    watched.refresh_from_db()
    finished = time.monotonic() - began
    for thread in threads:
        thread.join(timeout=300)
    return [(finished - at, new, old) for at, new, old in seen]


def _report(name: str, samples) -> dict:
    def figures(index):
        shown = [(left, sample[index]) for left, *sample in [(s[0], s[1], s[2]) for s in samples]]
        shown = [(left, value) for left, value in shown if value is not None]
        if not shown:
            return None
        errors = [abs(value - left) for left, value in shown]
        jumps = [after - before for (_, before), (_, after) in itertools.pairwise(shown)]
        return {
            "first_at": samples[0][0] - shown[0][0],
            "max_error": max(errors),
            "mean_error": sum(errors) / len(errors),
            "max_jump_up": max([0.0, *jumps]),
        }

    new, old = figures(0), figures(1)
    took = samples[0][0] if samples else 0
    print(f"\n{name}: took {took:.0f} s; estimate each second (error against the real time left):")
    for label, found in (("new (governor's pace)", new), ("old formula", old)):
        if found:
            print(
                f"  {label}: first after {found['first_at']:.0f} s, mean error "
                f"{found['mean_error']:.0f} s, max error {found['max_error']:.0f} s, "
                f"largest jump up {found['max_jump_up']:.0f} s"
            )
    return {"new": new, "old": old, "took": took}


def _lookup(instance, user, batches: int, start: int) -> LeadLookup:
    lookup = services.lead_lookup_prepare(
        instance=instance,
        user=user,
        field="email",
        raw_values=missing_emails(300 * batches + start)[start:],
    )
    lookup.status = "queued"
    lookup.save()
    return lookup


def test_the_time_left_against_the_time_taken(quick_sandbox, role_groups):
    user = UserFactory(role=Role.OPERATOR)
    instance = sandbox_instance_for(quick_sandbox, user, name="Time left")
    alone = _report("one lookup of 200 batches alone", _watch([_lookup(instance, user, 200, 0)]))
    shared = _report(
        "one of two lookups of 120 batches sharing the window",
        _watch([_lookup(instance, user, 120, 60_000), _lookup(instance, user, 120, 100_000)]),
    )
    for found in (alone, shared):
        assert found["new"] is not None
        # Within a window's wait of the truth, and never jumping up by more than that.
        assert found["new"]["mean_error"] < 0.25 * found["took"]

"""Reads for lead lookups: who may see which, progress figures, result rows."""

from collections.abc import Iterator
from datetime import timedelta
from itertools import islice
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.db.models.fields.json import KT
from django.http import Http404
from django.utils import timezone

from apps.core.permissions import is_admin
from apps.instances.client import instance_budget, shared_governor
from apps.leads import metadata, progress
from apps.leads.models import LeadLookup, LeadLookupBatch, LeadLookupResult
from apps.marketo.governor import GovernorUnavailable

PAGE_SIZE = 50
# Values that matched no lead, shown a page at a time on the lookup's page.
VALUES_PAGE_SIZE = 50


def lead_lookup_list(*, user, instance=None) -> QuerySet[LeadLookup]:
    """The user's own lookups (they hold personal data: nobody else's are listed)."""
    lookups = LeadLookup.objects.filter(user=user).exclude(status=LeadLookup.Status.DRAFT)
    if instance is not None:
        lookups = lookups.filter(instance=instance)
    return lookups.select_related("instance").order_by("-created_at")


def lead_lookup_get(*, user, pk) -> LeadLookup:
    """The lookup, for the user who made it (or an admin); 404 for anyone else."""
    lookup = LeadLookup.objects.select_related("instance", "user").filter(pk=pk).first()
    if lookup is None or (lookup.user_id != user.pk and not is_admin(user)):
        raise Http404("No such lookup.")
    return lookup


def field_labels(*, lookup: LeadLookup) -> dict[str, str]:
    """{API name: display name} of the lookup's fields: as stored when it was prepared, else
    as cached for its instance (lookups prepared before the names were stored)."""
    labels = metadata.cached_labels(instance=lookup.instance) if not lookup.field_info else {}
    labels.update({name: lookup.label_of(name) for name in lookup.field_info})
    return labels


def lookup_progress(lookup: LeadLookup, *, now=None) -> dict:
    """Figures for the progress bar, with the time left in words (apps/leads/progress.py):
    `time_left` is empty when there is none to give, `estimating` while it is too early."""
    remaining = lookup.total_values - lookup.done_values
    seconds = None
    if lookup.is_active and remaining:
        seconds = _seconds_left(lookup, now or timezone.now())
    return {
        "percent": lookup.percent,
        "remaining": remaining,
        "eta_seconds": None if seconds is None else round(seconds),
        "time_left": "" if seconds is None else progress.time_left_words(seconds),
        # A paused lookup says when it goes on instead.
        "estimating": seconds is None and lookup.is_active and lookup.status != "paused",
    }


def _seconds_left(lookup: LeadLookup, now) -> float | None:
    since = now - timedelta(seconds=progress.WINDOW_SECONDS)
    batches = LeadLookupBatch.objects.filter(lookup=lookup, done=True)
    points = [
        progress.Point(at=done_at.timestamp(), calls=calls)
        for done_at, calls in batches.filter(done_at__gte=since)
        .order_by("done_at")
        .values_list("done_at", "calls")
        if done_at
    ]
    if lookup.started_at and lookup.started_at >= since:
        points.insert(0, progress.Point(at=lookup.started_at.timestamp(), calls=0))
    done = batches.count()
    # A batch takes one call, more when Marketo makes us split it (over 1,000 matches).
    calls_per_batch = max(1.0, lookup.calls_used / done) if done else 1.0
    return progress.seconds_left(
        points,
        calls_left=(lookup.batch_count - done) * calls_per_batch,
        now=now.timestamp(),
        max_rate=_window_pace(lookup, points, now.timestamp()),
    )


def _window_pace(lookup: LeadLookup, points: list[progress.Point], now: float) -> float:
    """The calls a second this lookup may expect from its instance's window: what the window
    leaves background work, times this lookup's part of the calls in it now (the window is
    shared by everything this product runs on the instance)."""
    budget = instance_budget(lookup.instance)
    pace = (budget.calls_per_window - budget.interactive_reserve) / budget.window_span
    mine = sum(point.calls for point in points if point.at >= now - budget.window_span)
    try:
        in_window = shared_governor().state(budget)["in_window"]
    except GovernorUnavailable:
        return pace
    return pace * mine / in_window if 0 < mine < in_window else pace


def result_rows(
    *, lookup: LeadLookup, sort: str = "", descending: bool = False
) -> QuerySet[LeadLookupResult]:
    results = LeadLookupResult.objects.filter(lookup=lookup).only("data", "lead_id")
    if sort and sort in lookup.fields:
        if sort == "id":
            order = "lead_id"
        else:
            results = results.annotate(sort_key=KT(f"data__{sort}"))
            order = "sort_key"
        return results.order_by(f"-{order}" if descending else order, "id")
    return results.order_by("id")


def not_found_values(*, lookup: LeadLookup) -> Iterator[str]:
    for not_found in (
        LeadLookupBatch.objects.filter(lookup=lookup, done=True)
        .order_by("position")
        .values_list("not_found", flat=True)
        .iterator(chunk_size=50)
    ):
        yield from not_found


class _NotFoundValues:
    """A lookup's not-found values as Paginator reads them: a count and slices, read from the
    batches in order (a page deep into 100,000 values reads the batches before it, no more)."""

    def __init__(self, lookup: LeadLookup):
        self.lookup = lookup

    def count(self) -> int:
        return self.lookup.not_found_count

    def __getitem__(self, part: slice) -> list[str]:
        return list(islice(not_found_values(lookup=self.lookup), part.start, part.stop))


def not_found_page(*, lookup: LeadLookup, number) -> Page:
    """One page of the values that matched no lead (`number` as typed in a URL)."""
    values: Any = _NotFoundValues(lookup)  # Paginator reads count() and slices, no more
    return Paginator(values, VALUES_PAGE_SIZE).get_page(number)


def too_many_values(*, lookup: LeadLookup) -> Iterator[str]:
    """The values that alone match more than 1,000 leads (Marketo answers 1003)."""
    for too_many in (
        LeadLookupBatch.objects.filter(lookup=lookup, done=True)
        .exclude(too_many=[])
        .order_by("position")
        .values_list("too_many", flat=True)
        .iterator(chunk_size=50)
    ):
        yield from too_many


def batch_errors(*, lookup: LeadLookup) -> list[str]:
    return list(
        LeadLookupBatch.objects.filter(lookup=lookup)
        .exclude(error="")
        .values_list("error", flat=True)[:5]
    )

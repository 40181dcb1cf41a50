"""Reads for lead lookups: who may see which, progress figures, result rows."""

from collections.abc import Iterator

from django.db.models import QuerySet
from django.db.models.fields.json import KT
from django.http import Http404
from django.utils import timezone

from apps.core.permissions import is_admin
from apps.leads.models import LeadLookup, LeadLookupBatch, LeadLookupResult

PAGE_SIZE = 50


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


def lookup_progress(lookup: LeadLookup) -> dict:
    """Figures for the progress bar, with an estimate of the time left."""
    remaining = lookup.total_values - lookup.done_values
    eta = None
    if lookup.is_active and remaining:
        if lookup.started_at and lookup.done_values:
            elapsed = (timezone.now() - lookup.started_at).total_seconds()
            eta = elapsed / lookup.done_values * remaining
        else:
            batches_left = lookup.batch_count
            eta = batches_left * 20 / max(1, lookup.instance.calls_per_20s)
    return {
        "percent": lookup.percent,
        "remaining": remaining,
        "eta_seconds": None if eta is None else round(eta),
    }


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

"""Lead lookup: one value while someone waits, or a list of up to 100,000 as a background
job that stores each finished batch, so that it resumes where it stopped."""

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce, Now
from django.utils import timezone

from apps.audit.context import AuditContext
from apps.audit.services import audit_record
from apps.core import jobs
from apps.instances.client import instance_budget, marketo_client, shared_governor
from apps.leads import metadata
from apps.leads.coalesce import coalesced_find
from apps.leads.models import LeadLookup, LeadLookupBatch, LeadLookupResult
from apps.leads.parsing import BadInput, clean_values
from apps.marketo import leads as marketo_leads
from apps.marketo.client import MarketoClient
from apps.marketo.errors import (
    AccessDenied,
    CallNotMade,
    InvalidRequest,
    MarketoError,
    NotFound,
    QuotaExhausted,
    RetryLater,
)
from apps.marketo.governor import GovernorUnavailable, Priority, quota_day
from apps.marketo.wording import call_problem_message

logger = logging.getLogger(__name__)

FEATURE = "lead_lookup"
# How long a job waits before trying again after Marketo failed transiently.
TRANSIENT_RETRY_SECONDS = 30
# A job that fails this many times in a row without progress stops (a spent quota counts
# once a day, so this also bounds how long it waits for quota).
MAX_FAILED_PAUSES = 200


def _job_problem(exc) -> str:
    return call_problem_message(exc, needs=marketo_leads.ROLE_PERMISSIONS, job=True)


def _client(
    instance, user, *, priority: Priority, job: str = "", deadline_seconds: float | None = None
) -> MarketoClient:
    client = marketo_client(instance, priority=priority, feature=FEATURE, user=user, job=job)
    if deadline_seconds:
        # No attempt starts after it (apps/marketo/client.py): for a person waiting.
        client.deadline_seconds = deadline_seconds
    return client


def _check_field(*, instance, user, field: str, deadline_seconds: float | None = None) -> None:
    searchable = metadata.searchable_fields_get(
        instance=instance, user=user, deadline_seconds=deadline_seconds
    )
    if field not in searchable:
        raise BadInput(
            f"“{field}” is not a searchable field of {instance.name}. "
            f"Choose one of: {', '.join(searchable)}."
        )


# --- single lookup -----------------------------------------------------------------------


def lead_search(
    *,
    instance,
    user,
    field: str,
    value: str,
    audit: AuditContext,
    deadline_seconds: float | None = None,
) -> list[dict]:
    """The leads whose `field` is `value`, as fast as one (shared) interactive call allows;
    `deadline_seconds`: no attempt starts after it."""
    value = (value or "").strip()
    if not value:
        raise BadInput("Enter a value to look up.")
    _check_field(instance=instance, user=user, field=field, deadline_seconds=deadline_seconds)
    client = _client(
        instance, user, priority=Priority.INTERACTIVE, deadline_seconds=deadline_seconds
    )
    fields = list(dict.fromkeys([*metadata.DEFAULT_COLUMNS, field]))

    def call(values: list[str], wanted: list[str]) -> list[dict[str, Any]]:
        return marketo_leads.leads_find(client, filter_type=field, values=values, fields=wanted)

    leads = coalesced_find(
        instance_id=instance.pk, field=field, value=value, fields=fields, call=call
    )
    audit_record(
        action="leads.lookup",
        actor=user,
        audit=audit,
        instance=instance,
        target_type="lead_lookup",
        details={"mode": "single", "field": field, "values": 1, "found": len(leads)},
    )
    return leads


def leads_lookup_now(
    *,
    instance,
    user,
    field: str,
    values: list[str],
    fields=None,
    audit: AuditContext,
    deadline_seconds: float | None = None,
) -> marketo_leads.FilterSearch:
    """Up to 300 values, synchronously (the API's GET .../leads/): the leads found, and
    the values that alone match more than 1,000 leads (the others are still looked up)."""
    if not values:
        raise BadInput("Give at least one value in filterValues.")
    if len(values) > marketo_leads.MAX_FILTER_VALUES:
        raise BadInput(f"At most {marketo_leads.MAX_FILTER_VALUES} values; use a lead lookup job.")
    _check_field(instance=instance, user=user, field=field, deadline_seconds=deadline_seconds)
    if fields:
        known = {item["name"] for item in metadata.lead_fields_get(instance=instance, user=user)}
        unknown = [name for name in fields if name not in known]
        if unknown:
            raise BadInput(f"Unknown field(s): {', '.join(unknown)}.")
        fields = list(dict.fromkeys(["id", *fields]))
    client = _client(
        instance, user, priority=Priority.INTERACTIVE, deadline_seconds=deadline_seconds
    )
    search = marketo_leads.leads_find_splitting(
        client, filter_type=field, values=values, fields=fields
    )
    audit_record(
        action="leads.lookup",
        actor=user,
        audit=audit,
        instance=instance,
        target_type="lead_lookup",
        details={
            "mode": "api",
            "field": field,
            "values": len(values),
            "found": len(search.leads),
            "too_many_matches": len(search.too_many),
        },
    )
    return search


# --- batch lookup ------------------------------------------------------------------------


def calls_left_today(instance) -> int:
    """Calls marketo-admin may still make on `instance` today (its share of the quota)."""
    budget = instance_budget(instance)
    used = shared_governor().state(budget)["daily_used"]
    return max(0, instance.daily_budget - used)


def lookup_cost(lookup: LeadLookup) -> dict:
    """What starting `lookup` costs, and whether today's share allows it."""
    needed = lookup.batches.filter(done=False).count()
    try:
        left = calls_left_today(lookup.instance)
    except GovernorUnavailable as exc:
        reason = call_problem_message(exc)
        return {"calls": needed, "left": None, "allowed": False, "reason": reason}
    reason = ""
    if needed > left:
        reason = (
            f"This lookup needs {needed:,} calls, and {lookup.instance.name} has {left:,} "
            f"left today within marketo-admin's share ({lookup.instance.daily_budget:,} a day). "
            "Look up fewer values, or wait for the quota to reset at midnight US Central."
        )
    return {"calls": needed, "left": left, "allowed": not reason, "reason": reason}


def lead_lookup_prepare(
    *, instance, user, field: str, raw_values: list[str], source="paste", filename=""
) -> LeadLookup:
    """Validate and store the values in batches; nothing is sent until it is started."""
    _check_field(instance=instance, user=user, field=field)
    data_type = metadata.field_data_type(instance=instance, user=user, name=field)
    parsed = clean_values(raw_values, data_type=data_type)
    described = metadata.lead_fields_get(instance=instance, user=user)
    names = [item["name"] for item in described]
    fields = list(dict.fromkeys(["id", field, *names]))
    # The names people read on the lookup's pages and CSV headers, as describe gives them.
    field_info = {
        item["name"]: {"label": item["label"], "type": item["data_type"]} for item in described
    }
    batches = list(marketo_leads.filter_value_batches(parsed.values))
    with transaction.atomic():
        lookup = LeadLookup.objects.create(
            instance=instance,
            user=user,
            field=field,
            source=source,
            filename=filename[:255],
            fields=fields,
            field_info=field_info,
            invalid_values=parsed.invalid,
            duplicate_count=parsed.duplicates,
            total_values=len(parsed.values),
            batch_count=len(batches),
        )
        LeadLookupBatch.objects.bulk_create(
            [
                LeadLookupBatch(lookup=lookup, position=position, values=values)
                for position, values in enumerate(batches)
            ],
            batch_size=500,
        )
    return lookup


def lead_lookup_start(*, lookup: LeadLookup, user, audit: AuditContext) -> LeadLookup:
    """Start a prepared lookup, unless it would spend more than today's share."""
    if lookup.status != LeadLookup.Status.DRAFT:
        return lookup
    cost = lookup_cost(lookup)
    if not cost["allowed"]:
        raise BadInput(cost["reason"])
    with transaction.atomic():
        updated = LeadLookup.objects.filter(pk=lookup.pk, status=LeadLookup.Status.DRAFT).update(
            message="Waiting for a worker.", **jobs.queued_fields()
        )
        if not updated:  # started twice (a double click): the first one counts
            lookup.refresh_from_db()
            return lookup
        audit_record(
            action="leads.lookup",
            actor=user,
            audit=audit,
            instance=lookup.instance,
            target_type="lead_lookup",
            target_id=lookup.pk,
            details={
                "mode": "batch",
                "source": lookup.source,
                "field": lookup.field,
                "values": lookup.total_values,
                "calls": cost["calls"],
            },
        )
        # With the broker down the message is not sent; the job stays queued and the
        # sweeper sends it once the broker is back.
        transaction.on_commit(lambda: jobs.job_publish(LeadLookup, lookup.pk))
    lookup.refresh_from_db()
    return lookup


def lead_lookup_cancel(*, lookup: LeadLookup, user, audit: AuditContext) -> LeadLookup:
    with transaction.atomic():
        updated = LeadLookup.objects.filter(
            pk=lookup.pk, status__in=[LeadLookup.Status.DRAFT, *LeadLookup.ACTIVE]
        ).update(
            status=LeadLookup.Status.CANCELLED,
            message="Cancelled.",
            finished_at=timezone.now(),
            claim="",  # the worker running it stops at its next write
            resume_at=None,
        )
        if updated:
            audit_record(
                action="leads.lookup_cancel",
                actor=user,
                audit=audit,
                instance=lookup.instance,
                target_type="lead_lookup",
                target_id=lookup.pk,
            )
    lookup.refresh_from_db()
    return lookup


def lead_lookup_run(*, lookup_id: int) -> LeadLookup | None:
    """Look up every batch not done yet. Safe to run again: a done batch is never repeated,
    and a delivery that finds the lookup running elsewhere (or finished) does nothing.

    When it cannot go on now, the lookup is paused with the reason and the time it goes on
    by itself (apps.core.jobs)."""
    claim = jobs.job_claim(LeadLookup, lookup_id, started_at=Coalesce(F("started_at"), Now()))
    lookup = LeadLookup.objects.select_related("instance", "user").filter(pk=lookup_id).first()
    if claim is None or lookup is None:
        return lookup  # None when it was deleted meanwhile (retention)
    try:
        with jobs.keep_alive(LeadLookup, lookup.pk, claim):
            _run_batches(lookup, claim)
    except jobs.LostClaim:
        pass  # cancelled, or handed to another worker after this one was taken for dead
    lookup.refresh_from_db()
    return lookup


def _run_batches(lookup: LeadLookup, claim: str) -> None:
    try:
        client = _client(
            lookup.instance,
            lookup.user,
            priority=Priority.BACKGROUND,
            job=f"lead_lookup:{lookup.pk}",
        )
    except CallNotMade as exc:
        if exc.passes:
            raise  # the task retries it
        _fail(lookup, claim, call_problem_message(exc))
        return
    pending = list(lookup.batches.filter(done=False).values_list("pk", flat=True))
    for batch_id in pending:
        jobs.job_touch(LeadLookup, lookup.pk, claim, message="")  # LostClaim when cancelled
        batch = LeadLookupBatch.objects.get(pk=batch_id)
        try:
            search = _fetch(client, lookup, batch.values)
        except RetryLater as exc:
            # The governor asks for a wait: not a failure, the budget is just in use.
            _pause(lookup, claim, exc.seconds, _job_problem(exc), failure=False)
            return
        except GovernorUnavailable as exc:
            message = f"{_job_problem(exc)} The lookup goes on by itself when it is back."
            _pause(lookup, claim, TRANSIENT_RETRY_SECONDS, message, failure=False)
            return
        except QuotaExhausted as exc:
            seconds = quota_day(timezone.now().timestamp()).seconds_left + 60
            message = f"{_job_problem(exc)} The lookup will go on by itself then."
            _pause(lookup, claim, seconds, message, failure=True)
            return
        except AccessDenied as exc:
            _fail(lookup, claim, _job_problem(exc))
            return
        except (InvalidRequest, NotFound) as exc:
            # Our request was wrong for these values: record it against the batch and go
            # on with the others. (Too many matches never gets here: _fetch splits.)
            _store(lookup, claim, batch, [], 1, error=_job_problem(exc))
            continue
        except MarketoError as exc:
            message = (
                f"{_job_problem(exc)} Retrying in {TRANSIENT_RETRY_SECONDS} s; "
                "finished batches are kept."
            )
            _pause(lookup, claim, TRANSIENT_RETRY_SECONDS, message, failure=True)
            return
        _store(lookup, claim, batch, search.leads, search.calls, too_many=search.too_many)
    jobs.job_finish(LeadLookup, lookup.pk, claim, status=LeadLookup.Status.DONE, message="")


def _fetch(client, lookup: LeadLookup, values: list[str]) -> marketo_leads.FilterSearch:
    """One batch: a batch that matches more than 1,000 leads is halved until each part
    answers, and a value that alone matches more is reported as such (leads.md, 1003)."""
    return marketo_leads.leads_find_splitting(
        client, filter_type=lookup.field, values=values, fields=lookup.fields
    )


def _store(lookup, claim, batch, leads, calls, *, error="", too_many=()) -> None:
    """Store one batch's results and count them, in one transaction, only while this task
    holds the lookup: a worker that lost it (taken for dead, cancelled) writes nothing.
    A value in `too_many` matched more than 1,000 leads: it is neither found nor missing."""
    wanted = {marketo_leads.match_key(value): value for value in batch.values}
    matched = {marketo_leads.match_key(lead.get(lookup.field)) for lead in leads}
    too_many_keys = {marketo_leads.match_key(value) for value in too_many}
    found = [key for key in wanted if key in matched]
    too_many = [value for key, value in wanted.items() if key in too_many_keys]
    not_found = [
        value for key, value in wanted.items() if key not in matched and key not in too_many_keys
    ]
    with transaction.atomic():
        locked = LeadLookupBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.done:  # another delivery of the task finished it first
            return
        jobs.job_touch(
            LeadLookup,
            lookup.pk,
            claim,
            done_values=F("done_values") + len(batch.values),
            found_count=F("found_count") + len(found),
            not_found_count=F("not_found_count") + len(not_found),
            too_many_count=F("too_many_count") + len(too_many),
            lead_count=F("lead_count") + len(leads),
            calls_used=F("calls_used") + calls,
            failures_in_a_row=0,
        )
        LeadLookupResult.objects.bulk_create(
            [
                LeadLookupResult(lookup=lookup, batch=batch, lead_id=lead["id"], data=lead)
                for lead in leads
                if "id" in lead
            ],
            batch_size=500,
        )
        locked.done, locked.not_found, locked.calls, locked.error = True, not_found, calls, error
        locked.too_many, locked.done_at = too_many, timezone.now()
        locked.save(update_fields=["done", "not_found", "too_many", "calls", "error", "done_at"])


def _pause(lookup, claim, seconds: float, message: str, *, failure: bool) -> None:
    lookup.refresh_from_db(fields=["failures_in_a_row"])
    if failure and lookup.failures_in_a_row + 1 >= MAX_FAILED_PAUSES:
        _fail(lookup, claim, f"{message} Stopped after {MAX_FAILED_PAUSES} tries in a row.")
        return
    jobs.job_pause(LeadLookup, lookup.pk, claim, seconds=seconds, message=message, failure=failure)


def _fail(lookup, claim, message: str) -> None:
    jobs.job_finish(LeadLookup, lookup.pk, claim, status=LeadLookup.Status.FAILED, message=message)


def retention_days() -> int:
    return settings.LEAD_LOOKUP_RETENTION_DAYS


def lead_lookup_prune(*, now=None, days=None) -> int:
    """Delete lookups (with their values and results: personal data) older than the
    retention period, and lookups never started after a day. Returns how many."""
    now = now or timezone.now()
    days = retention_days() if days is None else days
    old = LeadLookup.objects.filter(created_at__lt=now - timedelta(days=days))
    drafts = LeadLookup.objects.filter(
        status=LeadLookup.Status.DRAFT, created_at__lt=now - timedelta(days=1)
    )
    count = 0
    for queryset in (old, drafts):
        ids = list(queryset.values_list("pk", flat=True))
        for start in range(0, len(ids), 100):
            chunk = ids[start : start + 100]
            LeadLookupResult.objects.filter(lookup_id__in=chunk).delete()
            LeadLookupBatch.objects.filter(lookup_id__in=chunk).delete()
            LeadLookup.objects.filter(pk__in=chunk).delete()
        count += len(ids)
    return count

from datetime import UTC, datetime
from itertools import islice

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from apps.accounts.selectors import profile_get
from apps.audit.context import AuditContext
from apps.core.htmx import HtmxHttpRequest
from apps.core.input_guard import accepts_bodies_up_to
from apps.core.permissions import Action, require
from apps.core.templatetags.moments import moment
from apps.instances.jobs import job_resume
from apps.instances.selectors import current_instance, instance_get
from apps.leads import activities as lead_activities
from apps.leads import detail, downloads, metadata, search, selectors, services
from apps.leads.parsing import (
    LOOKUP_BODIES,
    MAX_BODY_BYTES,
    MAX_VALUES,
    BadInput,
    csv_column_values,
    split_pasted,
)
from apps.leads.search import search_answer
from apps.marketo import activities as marketo_activities
from apps.marketo import leads as marketo_leads
from apps.marketo.errors import CallProblem, RetryLater, TransientError
from apps.marketo.moments import marketo_time
from apps.marketo.wording import call_problem_message

# The values matching more than 1,000 leads named on a lookup's page (the CSV has them all).
TOO_MANY_SHOWN = 20


# Looked up in every instance at once: the one field every instance can be searched by and
# that names the same person in each (ids differ from one instance to another).
EVERYWHERE_FIELD = "email"


def _problem(exc: CallProblem, needs=marketo_leads.ROLE_PERMISSIONS) -> str:
    return call_problem_message(exc, needs=needs)


def _home_instance(request: HttpRequest):
    require(request.user, Action.LOOKUP_LEADS)
    instance = current_instance(user=request.user, profile=profile_get(user=request.user))
    if instance is not None:
        require(request.user, Action.LOOKUP_LEADS, instance)
    return instance


def _lookup(request: HttpRequest, pk: int):
    require(request.user, Action.LOOKUP_LEADS)
    lookup = selectors.lead_lookup_get(user=request.user, pk=pk)
    require(request.user, Action.LOOKUP_LEADS, lookup.instance)
    return lookup


def _searchable(instance, user, *, refresh=False):
    """(fields, problem): the instance's searchable fields as (API name, display name), from
    the day's cache if it can (unless `refresh`), else from Marketo within
    FIELD_LIST_DEADLINE_SECONDS; when Marketo does not give them, the list read before (a
    refresh that failed loses nothing), or email alone, and why."""
    try:
        return metadata.searchable_choices_get(
            instance=instance,
            user=user,
            refresh=refresh,
            deadline_seconds=FIELD_LIST_DEADLINE_SECONDS,
        ), ""
    except TransientError:
        reason, problem = "It did not answer.", _did_not_answer(instance)
    except RetryLater:
        # After calls that got no answer the governor keeps their slots a while
        # (timeouts.DROPPED_HOLD_SECONDS), so an unreachable instance soon reads as busy.
        reason = "Calls to it are waiting for its API limits."
        problem = f"{_did_not_answer(instance)} Calls to it are waiting for its API limits."
    except CallProblem as exc:
        reason = _problem(exc)
        problem = (
            "The searchable fields could not be read from Marketo, so only email is offered. "
            + reason
        )
    kept = _searchable_cached(instance) if refresh else None
    if kept:
        # The page's menus already hold it: only the message is new.
        return kept, (
            f"The field list could not be read again from {instance.name}, so the one read "
            f"before is kept. {reason}"
        )
    return metadata.FALLBACK_CHOICES, problem


def _searchable_cached(instance):
    """The searchable fields as (API name, display name) if they are cached, else None: no
    call."""
    return metadata.searchable_choices_cached(instance=instance)


# How long the field list (read after the Leads page is served) may take: no attempt starts
# after FIELD_LIST_DEADLINE_SECONDS (a refused connection is retried until then), and the
# page says the instance did not answer after FIELD_LIST_WAIT_SECONDS (static/js/leads.js),
# while an attempt already sent runs to its read timeout: if it answers, the fields replace
# the message and are cached for the next visit.
FIELD_LIST_DEADLINE_SECONDS = 8.0
FIELD_LIST_WAIT_SECONDS = 15


def _did_not_answer(instance) -> str:
    return (
        f"{instance.name} did not answer, so only email is offered to look up by for now: "
        "the other fields appear when it answers (reload this page)."
    )


def leads_home_view(request: HttpRequest, form_errors=None, status=200) -> HttpResponse:
    """Served from what the product already knows, without a call to Marketo: the searchable
    fields if they are cached, else email alone while the list is read with htmx
    (searchable_fields_view), so that an instance that does not answer delays nothing."""
    instance = _home_instance(request)
    context = {"instance": instance, "max_values": MAX_VALUES, "form_errors": form_errors or []}
    if instance is not None:
        fields = _searchable_cached(instance)
        refreshing = request.GET.get("fields") == "refresh"
        context.update(
            searchable=fields or metadata.FALLBACK_CHOICES,
            fields_pending=fields is None or refreshing,
            fields_refreshing=refreshing,
            field_list_wait_ms=FIELD_LIST_WAIT_SECONDS * 1000,
            did_not_answer=_did_not_answer(instance),
            lookups=selectors.lead_lookup_list(user=request.user, instance=instance)[:20],
            posted_field=request.POST.get("field", "email"),
            posted_values=request.POST.get("values", ""),
            retention_days=services.retention_days(),
            lookup_instance_count=len(search.lookup_instances(user=request.user)),
        )
    return render(request, "leads/home.html", context, status=status)


def searchable_fields_view(request: HtmxHttpRequest) -> HttpResponse:
    """The Leads page's field choices, read from Marketo after the page is served (htmx):
    both field menus (out of band), or why only email is offered."""
    instance = _home_instance(request)
    if instance is None:
        raise Http404("No instance.")
    refresh = request.GET.get("refresh") == "1"
    fields, problem = _searchable(instance, request.user, refresh=refresh)
    if refresh and not problem:
        # The full descriptions (labels and types of every field) are read again by the
        # next lookup that needs them.
        metadata.lead_fields_forget(instance=instance)
    context = {
        "instance": instance,
        "searchable": fields,
        "problem": problem,
        "refreshed": len(fields) if refresh and not problem else None,
        "posted_field": request.GET.get("field", "email"),
    }
    return render(request, "leads/partials/searchable_fields.html", context)


@require_POST
def searchable_fields_refresh_view(request: HttpRequest) -> HttpResponse:
    """Served without a call: the Leads page reads the list again after it is served, keeping
    the one it has until Marketo answers."""
    if _home_instance(request) is None:
        raise Http404("No instance.")
    return redirect(f"{reverse('leads_home')}?fields=refresh")


@require_POST
def lead_search_view(request: HtmxHttpRequest) -> HttpResponse:
    instance = _home_instance(request)
    field = request.POST.get("field", "email")
    value = request.POST.get("value", "")
    if instance is None:
        context = {"error": "No Marketo instance is granted to you.", "value": value.strip()}
    else:
        context = search_answer(
            instance=instance,
            user=request.user,
            field=field,
            value=value,
            audit=AuditContext.from_request(request),
        )
    if request.htmx:
        return render(request, "leads/partials/search_result.html", context)
    return render(request, "leads/search_page.html", context)


@require_POST
def lead_everywhere_view(request: HtmxHttpRequest) -> HttpResponse:
    """A value looked up in every instance the person may look leads up in: with htmx, one
    section per instance that asks its instance when it loads, so each answer appears as it
    arrives; without, every instance asked at once before the page is served."""
    require(request.user, Action.LOOKUP_LEADS)
    value = request.POST.get("value", "").strip()
    instances = search.lookup_instances(user=request.user)
    context: dict = {"value": value, "instances": instances, "field": EVERYWHERE_FIELD}
    if not value:
        context["error"] = "Enter an email address to look for."
    elif not request.htmx:
        audit = AuditContext.from_request(request)
        context["answers"] = search.in_parallel(
            instances,
            lambda instance: search.search_answer(
                instance=instance,
                user=request.user,
                field=EVERYWHERE_FIELD,
                value=value,
                audit=audit,
            ),
        )
    template = "leads/partials/everywhere.html" if request.htmx else "leads/everywhere_page.html"
    return render(request, template, context)


@require_POST
def lead_everywhere_one_view(request: HtmxHttpRequest, instance_pk: int) -> HttpResponse:
    """One instance's section of lead_everywhere_view."""
    instance = instance_get(user=request.user, pk=instance_pk)
    require(request.user, Action.LOOKUP_LEADS, instance)
    answer = search.search_answer(
        instance=instance,
        user=request.user,
        field=EVERYWHERE_FIELD,
        value=request.POST.get("value", ""),
        audit=AuditContext.from_request(request),
    )
    return render(request, "leads/partials/everywhere_answer.html", {"answer": answer})


@require_POST
@accepts_bodies_up_to(MAX_BODY_BYTES, what=LOOKUP_BODIES)
def lead_lookup_create_view(request: HttpRequest) -> HttpResponse:
    instance = _home_instance(request)
    if instance is None:
        raise Http404("No instance.")
    field = request.POST.get("field", "email")
    upload = request.FILES.get("file")
    try:
        if upload is not None:
            raw, _column = csv_column_values(
                upload.read(), column=request.POST.get("column", ""), field=field
            )
            source, filename = "csv", upload.name
        else:
            text = request.POST.get("values", "")
            raw, source, filename = split_pasted(text), "paste", ""
        lookup = services.lead_lookup_prepare(
            instance=instance,
            user=request.user,
            field=field,
            raw_values=raw,
            source=source,
            filename=filename,
        )
    except BadInput as exc:
        return leads_home_view(request, form_errors=[str(exc)], status=400)
    except CallProblem as exc:
        return leads_home_view(request, form_errors=[_problem(exc)], status=503)
    return redirect("lead_lookup_detail", pk=lookup.pk)


@require_POST
def lead_lookup_start_view(request: HttpRequest, pk: int) -> HttpResponse:
    lookup = _lookup(request, pk)
    try:
        services.lead_lookup_start(
            lookup=lookup, user=request.user, audit=AuditContext.from_request(request)
        )
    except BadInput as exc:
        messages.error(request, str(exc))
    return redirect("lead_lookup_detail", pk=lookup.pk)


@require_POST
def lead_lookup_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    lookup = _lookup(request, pk)
    was_draft = lookup.status == lookup.Status.DRAFT
    services.lead_lookup_cancel(
        lookup=lookup, user=request.user, audit=AuditContext.from_request(request)
    )
    if was_draft:
        return redirect("leads_home")
    messages.success(request, "The lookup is cancelled; what was found so far is kept.")
    return redirect("lead_lookup_detail", pk=lookup.pk)


@require_POST
def lead_lookup_resume_view(request: HttpRequest, pk: int) -> HttpResponse:
    lookup = _lookup(request, pk)
    lookup = job_resume(lookup, actor=request.user, audit=AuditContext.from_request(request))
    if lookup.status == lookup.Status.QUEUED:
        messages.success(request, "The lookup is queued again; finished batches are kept.")
    else:
        messages.info(request, f"The lookup is {lookup.get_status_display().lower()}.")
    return redirect("lead_lookup_detail", pk=lookup.pk)


def lead_lookup_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    lookup = _lookup(request, pk)
    context = {"lookup": lookup, "progress": selectors.lookup_progress(lookup)}
    if lookup.status == lookup.Status.DRAFT:
        context["cost"] = services.lookup_cost(lookup)
    else:
        context.update(_results_context(request, lookup))
        if lookup.is_finished:  # shown when it is (a running lookup's loads on finishing)
            context.update(_not_found_context(request, lookup))
        context["errors"] = selectors.batch_errors(lookup=lookup)
        context["too_many"] = list(islice(selectors.too_many_values(lookup=lookup), TOO_MANY_SHOWN))
        context["too_many_words"] = marketo_leads.TOO_MANY_MATCHES_WORDS
    return render(request, "leads/lookup_detail.html", context)


def lead_lookup_progress_view(request: HttpRequest, pk: int) -> HttpResponse:
    lookup = _lookup(request, pk)
    response = render(
        request,
        "leads/partials/progress.html",
        {"lookup": lookup, "progress": selectors.lookup_progress(lookup)},
    )
    if lookup.is_finished:
        response["HX-Trigger"] = "lookup-finished"
    return response


def _columns(request: HttpRequest, lookup):
    return downloads.lookup_columns(lookup, request.GET.getlist("cols"))


def _results_context(request: HttpRequest, lookup):
    columns = _columns(request, lookup)
    sort = request.GET.get("sort", "")
    descending = sort.startswith("-")
    sort = sort.lstrip("-")
    rows = selectors.result_rows(lookup=lookup, sort=sort, descending=descending)
    page = Paginator(rows, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    # Stored with the lookup: its page needs no call to Marketo to name its columns.
    labels = selectors.field_labels(lookup=lookup)
    query = "&".join(f"cols={name}" for name in columns)
    return {
        "columns": [(name, labels.get(name, name)) for name in columns],
        "all_columns": sorted(
            ((name, labels.get(name, name)) for name in lookup.fields),
            key=lambda column: column[1].casefold(),
        ),
        "chosen": set(columns),
        "page": page,
        "table": [_cells(row, columns, lookup) for row in page],
        "sort": sort,
        "descending": descending,
        "cols_query": query,
    }


def _cells(row, columns: list[str], lookup) -> list:
    """A row's cells, moments in the viewer's zone with the zone shown, then the lead's id."""
    moments = metadata.moment_fields(lookup, columns)
    cells: list = []
    for name in columns:
        value = row.data.get(name)
        if name in moments:
            when = marketo_time(value)
            value = moment(when) if when else value
        cells.append(value)
    return [*cells, row.lead_id]


def _not_found_context(request: HttpRequest, lookup):
    return {"not_found": selectors.not_found_page(lookup=lookup, number=request.GET.get("missing"))}


def lead_lookup_results_view(request: HttpRequest, pk: int) -> HttpResponse:
    lookup = _lookup(request, pk)
    context = {"lookup": lookup, **_results_context(request, lookup)}
    return render(request, "leads/partials/results.html", context)


def lead_lookup_not_found_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One page of the values that matched no lead (htmx swaps it into the lookup's page)."""
    lookup = _lookup(request, pk)
    context = {"lookup": lookup, **_not_found_context(request, lookup)}
    return render(request, "leads/partials/not_found.html", context)


def lead_lookup_results_csv_view(request: HttpRequest, pk: int) -> HttpResponseBase:
    lookup = _lookup(request, pk)
    return downloads.found_csv(
        lookup, _columns(request, lookup), api_names=downloads.wants_api_names(request.GET)
    )


def lead_lookup_not_found_csv_view(request: HttpRequest, pk: int) -> HttpResponseBase:
    return downloads.not_found_csv(
        _lookup(request, pk), api_names=downloads.wants_api_names(request.GET)
    )


def lead_lookup_too_many_csv_view(request: HttpRequest, pk: int) -> HttpResponseBase:
    return downloads.too_many_csv(
        _lookup(request, pk), api_names=downloads.wants_api_names(request.GET)
    )


# --- lead detail -------------------------------------------------------------------------


def _detail_instance(request: HttpRequest, instance_pk: int):
    require(request.user, Action.LOOKUP_LEADS)
    instance = instance_get(user=request.user, pk=instance_pk)
    require(request.user, Action.LOOKUP_LEADS, instance)
    return instance


def _activity_types(instance, user) -> dict[int, str]:
    try:
        return metadata.activity_types_get(instance=instance, user=user)
    except CallProblem:
        return {}


def _chosen_activity_types(instance, user) -> tuple[dict[int, str], list[int]]:
    """The instance's activity types (none when Marketo cannot tell them) and the viewer's."""
    types = _activity_types(instance, user)
    return types, lead_activities.activity_types_chosen(instance=instance, user=user, types=types)


def _lead_missing(request: HttpRequest, instance, lead_id: int) -> HttpResponse:
    """The lead does not exist: said plainly, without the sections a lead would have."""
    htmx = bool(getattr(request, "htmx", False))
    return render(
        request,
        "leads/partials/lead_missing.html" if htmx else "leads/lead_missing.html",
        {
            "instance": instance,
            "lead_id": lead_id,
            "message": detail.not_found_message(instance=instance, lead_id=lead_id),
        },
        status=200 if htmx else 404,
    )


def lead_detail_view(request: HttpRequest, instance_pk: int, lead_id: int) -> HttpResponse:
    """The page is served from what the product knows (no Marketo call: a lead's name from
    its last read); each section then loads on its own (htmx). When Marketo said a moment
    ago that the lead does not exist, the page says so at once, with a 404."""
    instance = _detail_instance(request, instance_pk)
    detail.lead_view_audit(
        instance=instance,
        user=request.user,
        lead_id=lead_id,
        audit=AuditContext.from_request(request),
    )
    if detail.lead_known_missing(instance=instance, lead_id=lead_id):
        return _lead_missing(request, instance, lead_id)
    return render(
        request,
        "leads/lead_detail.html",
        {
            "instance": instance,
            "lead_id": lead_id,
            "lead_name": detail.lead_name_known(instance=instance, lead_id=lead_id)
            or f"Lead {lead_id}",
            "marketo_url": detail.marketo_lead_url(lead_id),
            "start": int(lead_activities.newest_since().timestamp()),
        },
    )


def lead_fields_view(request: HtmxHttpRequest, instance_pk: int, lead_id: int) -> HttpResponse:
    instance = _detail_instance(request, instance_pk)
    context = {"instance": instance, "lead_id": lead_id}
    status = 200
    try:
        context.update(detail.lead_fields(instance=instance, user=request.user, lead_id=lead_id))
    except detail.LeadNotFound:
        response = _lead_missing(request, instance, lead_id)
        if request.htmx:
            # The whole page becomes the message: the other sections have nothing to show.
            # (htmx swaps 2xx answers only, and a browser reports a 404 fetch as an error;
            # the page itself answers 404 from now on, lead_detail_view.)
            response["HX-Retarget"] = "#lead-detail"
            response["HX-Reswap"] = "outerHTML"
        return response
    except CallProblem as exc:
        context["error"] = _problem(exc)
    # htmx swaps 2xx answers only; the message is the content, so answer 200 to htmx.
    return render(
        request, "leads/partials/fields.html", context, status=200 if request.htmx else status
    )


NO_SCRIPT_WEEKS = 4


def _int_param(request: HttpRequest, name: str, default: int) -> int:
    try:
        return int(request.GET.get(name) or default)
    except ValueError:
        return default


def lead_activities_view(request: HtmxHttpRequest, instance_pk: int, lead_id: int) -> HttpResponse:
    """One week of activities (htmx: the fragment "load older" appends), or without htmx
    every week from the newest to `older`, as a page of its own."""
    instance = _detail_instance(request, instance_pk)
    newest = int(lead_activities.newest_since().timestamp())
    start = _int_param(request, "start", newest)
    if not 0 < newest - start < 366 * 86400:
        start = newest  # a week start from a page left open for a year, or nonsense
    older = max(0, min(_int_param(request, "older", 0), lead_activities.MAX_SLICES - 1))
    context: dict = {"instance": instance, "lead_id": lead_id, "start": start, "weeks": []}
    types, chosen = _chosen_activity_types(instance, request.user)
    # The type picker comes with the first week: the page itself waits for no call.
    context.update(
        activity_types=sorted(types.items(), key=lambda item: item[1].lower()),
        chosen_types=set(chosen),
        chosen_names=sorted(types[type_id] for type_id in chosen),
        max_types=lead_activities.MAX_CHOSEN_TYPES,
        with_picker=not request.htmx or older == 0,
        lead_name=detail.lead_name_known(instance=instance, lead_id=lead_id) or f"Lead {lead_id}",
    )
    # htmx appends one week; a page of its own (no JS) shows the weeks up to `older`, at most
    # NO_SCRIPT_WEEKS of them, so that a hand-made URL cannot cost a year of calls at once.
    first = older if request.htmx else max(0, older - NO_SCRIPT_WEEKS + 1)
    wanted = list(range(first, older + 1))
    try:
        for week in wanted:
            context["weeks"].append(
                lead_activities.activity_week(
                    instance=instance,
                    user=request.user,
                    lead_id=lead_id,
                    types=types,
                    type_ids=chosen,
                    start=datetime.fromtimestamp(start, UTC),
                    older=week,
                )
            )
    except CallProblem as exc:
        context["error"] = _problem(exc, needs=marketo_activities.ROLE_PERMISSIONS)
    if context["weeks"]:
        context["oldest"] = context["weeks"][-1]
    if request.htmx:
        return render(request, "leads/partials/activities.html", context)
    return render(request, "leads/lead_activities.html", context)


@require_POST
def lead_activity_types_view(request: HttpRequest, instance_pk: int) -> HttpResponse:
    """Save the viewer's activity types for this instance, then back to the lead."""
    instance = _detail_instance(request, instance_pk)
    types = _activity_types(instance, request.user)
    values = request.POST.getlist("type")
    try:
        chosen = lead_activities.activity_types_choose(
            instance=instance,
            user=request.user,
            type_ids=[int(value) for value in values if value.isdigit()],
            types=types,
        )
        messages.success(request, f"Activity types saved: {len(chosen)} chosen.")
    except lead_activities.TooManyTypes as exc:
        messages.error(request, str(exc))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("leads_home")
    return redirect(back)


def lead_memberships_view(request: HttpRequest, instance_pk: int, lead_id: int) -> HttpResponse:
    instance = _detail_instance(request, instance_pk)
    context = {"instance": instance, "lead_id": lead_id}
    try:
        memberships = detail.lead_memberships(instance=instance, user=request.user, lead_id=lead_id)
    except CallProblem as exc:
        context["error"] = _problem(exc, needs=marketo_leads.MEMBERSHIP_PERMISSIONS)
    else:
        # Shown in the viewer's time zone, not as Marketo writes them (UTC ISO 8601).
        for row in memberships["lists"]:
            row["since"] = marketo_time(row.get("createdAt"))
        for row in memberships["programs"]:
            row["since"] = marketo_time(row.get("membershipDate"))
            row["notes"] = detail.program_status_notes(row)
        context.update(memberships)
    return render(request, "leads/partials/memberships.html", context)

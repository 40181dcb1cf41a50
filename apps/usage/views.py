from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.audit.context import AuditContext
from apps.core.csv_export import csv_response, local_moment
from apps.core.permissions import Action, is_admin, may, require
from apps.instances.jobs import job_resume
from apps.instances.selectors import instance_get
from apps.usage import selectors
from apps.usage.days import today
from apps.usage.forms import RangeForm
from apps.usage.models import UsageSync
from apps.usage.pace import today_pace
from apps.usage.quota import quota_status
from apps.usage.services import usage_sync_start

CALL_GROUPS = [
    ("feature", "Feature"),
    ("user", "Person"),
    ("endpoint", "Endpoint"),
    ("hour", "Hour"),
]


def _instance(request: HttpRequest, pk: int):
    instance = instance_get(user=request.user, pk=pk)
    require(request.user, Action.VIEW_USAGE, instance)
    return instance


def _csv_wanted(request: HttpRequest) -> bool:
    return request.GET.get("format") == "csv"


def _render(request: HttpRequest, template, partial, context):
    if getattr(request, "htmx", False):
        # htmx swaps 2xx answers only, and the form's message is what it must show.
        return render(request, partial, context)
    form = context.get("form")
    return render(request, template, context, status=400 if form and form.errors else 200)


def usage_home_view(request: HttpRequest) -> HttpResponseBase:
    """All instances the user may see, today's use of each (admins: every instance)."""
    require(request.user, Action.VIEW_USAGE)
    rows = selectors.instances_summary(user=request.user)
    if _csv_wanted(request):
        zone = timezone.get_current_timezone()  # the rows are written after the view returns
        return csv_response(
            "usage-instances.csv",
            [
                "instance",
                "used_today",
                "quota",
                "percent",
                "runs_out_at",
                "errors_today",
                "last_sync_status",
                "last_success",
                "last_error",
            ],
            (
                [
                    r["instance"].name,
                    r["quota"].used,
                    r["quota"].quota,
                    f"{r['quota'].percent:.1f}",
                    local_moment(r["quota"].forecast.runs_out_at, zone) or "not today",
                    r["errors"],
                    r["instance"].sync_status or "never",
                    local_moment(r["instance"].synced_at, zone),
                    r["instance"].sync_error if r["instance"].sync_status == "failed" else "",
                ]
                for r in rows
            ),
        )
    return render(
        request,
        "usage/instances.html",
        {
            "rows": rows,
            "is_admin": is_admin(request.user),
            "alerts": [r["quota"] for r in rows if r["quota"].alert]
            if is_admin(request.user)
            else [],
        },
    )


def usage_overview_view(request: HttpRequest, pk: int) -> HttpResponse:
    instance = _instance(request, pk)
    quota = quota_status(instance)
    can_manage = may(request.user, Action.MANAGE_INSTANCES, instance)
    context = {
        "instance": instance,
        "tab": "overview",
        "quota": quota,
        "can_manage": can_manage,
        "show_alert": quota.alert and is_admin(request.user),
        "sync_kinds": UsageSync.Kind.choices,
        **selectors.last_syncs(instance=instance),
    }
    context["pace_chart"] = today_pace(status=quota)
    context["today_users"] = selectors.usage_report(
        instance=instance, start=today(), end=today()
    ).users
    return render(request, "usage/overview.html", context)


def _range(request: HttpRequest, instance):
    form = RangeForm(request.GET, history_start=selectors.history_start(instance=instance))
    return form, form.is_valid()


def _notice(form, instance) -> str:
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    if form.cut_to_history:
        days = (end - start).days + 1
        return (
            f"This instance's history begins on {start:%Y-%m-%d}: the report shows those "
            f"{days} day{'s' if days != 1 else ''} (Marketo itself keeps only 7 days)."
        )
    return selectors.range_notice(instance=instance, start=start)


def usage_users_view(request: HttpRequest, pk: int) -> HttpResponse:
    instance = _instance(request, pk)
    form, ok = _range(request, instance)
    context = {"instance": instance, "tab": "users", "form": form}
    if ok:
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        report = selectors.usage_report(instance=instance, start=start, end=end)
        if _csv_wanted(request):
            return _usage_csv(instance, report, request.GET.get("table"))
        context.update(
            report=report,
            query=form.query(),
            notice=_notice(form, instance),
            chart={
                "labels": [d.isoformat() for d in report.days],
                "series": report.series,
            },
        )
    return _render(request, "usage/users.html", "usage/partials/users_report.html", context)


def _usage_csv(instance, report, table):
    if table == "days":
        return csv_response(
            f"usage-days-{instance.pk}-{report.start}-{report.end}.csv",
            ["date", "total", "unusual"] + [s["label"] for s in report.series],
            (
                [d["date"].isoformat(), d["total"], "yes" if d["unusual"] else ""]
                + [s["values"][i] for s in report.series]
                for i, d in enumerate(report.daily)
            ),
        )
    return csv_response(
        f"usage-users-{instance.pk}-{report.start}-{report.end}.csv",
        ["api_user", "total", "daily_average", "peak", "peak_date", "unusual_days"],
        (
            [u["api_user"], u["total"], u["average"], u["peak"], u["peak_date"], u["unusual"]]
            for u in report.users
        ),
    )


def usage_user_detail_view(request: HttpRequest, pk: int, api_user: str) -> HttpResponseBase:
    instance = _instance(request, pk)
    form, ok = _range(request, instance)
    context = {"instance": instance, "tab": "users", "form": form, "api_user": api_user}
    if ok:
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        days = selectors.usage_user_days(instance=instance, api_user=api_user, start=start, end=end)
        if _csv_wanted(request):
            return csv_response(
                f"usage-{pk}-{api_user}-{start}-{end}.csv",
                ["date", "calls", "unusual"],
                ([d["date"].isoformat(), d["calls"], "yes" if d["unusual"] else ""] for d in days),
            )
        total = sum(d["calls"] for d in days)
        peak = max(days, key=lambda d: d["calls"]) if days else None
        context.update(
            days=days,
            total=total,
            average=selectors.daily_average(days),
            notice=_notice(form, instance),
            peak=peak,
            query=form.query(),
            is_ours=api_user == instance.api_user,
            chart={
                "labels": [d["date"].isoformat() for d in days],
                "series": [{"label": api_user, "values": [d["calls"] for d in days]}],
            },
        )
    return _render(request, "usage/user_detail.html", "usage/partials/user_report.html", context)


def usage_errors_view(request: HttpRequest, pk: int) -> HttpResponseBase:
    instance = _instance(request, pk)
    form, ok = _range(request, instance)
    context = {"instance": instance, "tab": "errors", "form": form}
    if ok:
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        report = selectors.errors_report(instance=instance, start=start, end=end)
        if _csv_wanted(request):
            return csv_response(
                f"errors-{pk}-{start}-{end}.csv",
                ["code", "count", "peak_day_count", "meaning", "what_to_do"],
                (
                    [c["code"], c["count"], c["peak"], c["meaning"], c["action"]]
                    for c in report["codes"]
                ),
            )
        context.update(
            report=report,
            query=form.query(),
            notice=_notice(form, instance),
            chart={
                "labels": [f"{day['date']:%a %d %b}" for day in report["daily"]],
                "series": [
                    {
                        "label": c["code"],
                        "values": [day["codes"].get(c["code"], 0) for day in report["daily"]],
                    }
                    for c in report["codes"]
                ],
            },
        )
    return _render(request, "usage/errors.html", "usage/partials/errors_report.html", context)


def usage_calls_view(request: HttpRequest, pk: int) -> HttpResponseBase:
    instance = _instance(request, pk)
    form, ok = _range(request, instance)
    group_by = request.GET.get("group_by", "feature")
    if group_by not in selectors.GROUPS:
        group_by = "feature"
    context = {
        "instance": instance,
        "tab": "calls",
        "form": form,
        "group_by": group_by,
        "groups": CALL_GROUPS,
    }
    if ok:
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        rows = selectors.calls_report(instance=instance, start=start, end=end, group_by=group_by)
        reconciliation = selectors.ledger_reconciliation(instance=instance, start=start, end=end)
        table = request.GET.get("table")
        if _csv_wanted(request) and table == "reconciliation":
            return csv_response(
                f"calls-reconciliation-{pk}-{start}-{end}.csv",
                ["date", "ledger", "marketo", "gap"],
                (
                    [r["date"].isoformat(), r["ledger"], r["marketo"], r["gap"]]
                    for r in reconciliation
                ),
            )
        if _csv_wanted(request):
            return csv_response(
                f"calls-by-{group_by}-{pk}-{start}-{end}.csv",
                [group_by, "calls", "errors", "mean_ms"],
                ([_key_text(r["key"]), r["calls"], r["errors"], r["mean_ms"]] for r in rows),
            )
        context.update(
            rows=rows,
            reconciliation=reconciliation,
            gap_days=[r for r in reconciliation if r["gap"]],
            query=form.query(),
            notice=_notice(form, instance),
            chart={
                "labels": [_key_text(r["label"]) for r in rows],
                "series": [{"label": "calls", "values": [r["calls"] for r in rows]}],
            },
        )
    return _render(request, "usage/calls.html", "usage/partials/calls_report.html", context)


def _key_text(key) -> str:
    return key.isoformat() if hasattr(key, "isoformat") else str(key)


@require_POST
def usage_sync_start_view(request: HttpRequest, pk: int) -> HttpResponse:
    instance = _instance(request, pk)
    require(request.user, Action.MANAGE_INSTANCES, instance)
    kind = request.POST.get("kind", UsageSync.Kind.TODAY)
    if kind not in UsageSync.Kind.values:
        kind = UsageSync.Kind.TODAY
    usage_sync_start(
        instance=instance, kind=kind, actor=request.user, audit=AuditContext.from_request(request)
    )
    messages.success(request, "The usage sync is queued: reload in a few seconds.")
    return redirect("usage_overview", pk=instance.pk)


@require_POST
def usage_sync_resume_view(request: HttpRequest, pk: int, sync_pk: int) -> HttpResponse:
    instance = _instance(request, pk)
    require(request.user, Action.MANAGE_INSTANCES, instance)
    sync = job_resume(
        get_object_or_404(UsageSync, instance=instance, pk=sync_pk),
        actor=request.user,
        audit=AuditContext.from_request(request),
    )
    if sync.status == UsageSync.Status.QUEUED:
        messages.success(request, "The usage sync is queued again: reload in a few seconds.")
    else:
        messages.info(request, f"That usage sync is {sync.get_status_display().lower()}.")
    return redirect("usage_overview", pk=instance.pk)

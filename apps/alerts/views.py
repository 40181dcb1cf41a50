"""The alerts pages: the list, one alert with its history, and each instance's rules."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.accounts.services import email_configured
from apps.alerts import selectors
from apps.alerts.forms import AlertFilterForm, RuleForm
from apps.alerts.models import Alert
from apps.alerts.services import alert_acknowledge, rule_settings, rule_update
from apps.audit.context import AuditContext
from apps.core.permissions import Action, is_admin, may, require
from apps.instances.models import MarketoInstance
from apps.instances.selectors import instance_get

PAGE_SIZE = 50


def alert_list_view(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.VIEW_USAGE)
    instances = MarketoInstance.objects.visible_to(request.user).order_by("name")
    form = AlertFilterForm(request.GET or None, instances=instances)
    state, instance = "", None
    if form.is_valid():
        state, instance = form.cleaned_data["state"], form.cleaned_data["instance"]
    alerts = selectors.alert_list(user=request.user, state=state, instance=instance)
    page = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "rule_instances": [i for i in instances if may(request.user, Action.MANAGE_INSTANCES, i)],
        "is_admin": is_admin(request.user),
    }
    return render(request, "alerts/list.html", context)


def alert_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.VIEW_USAGE)
    alert = selectors.alert_get(user=request.user, pk=pk)
    context = {
        "alert": alert,
        "facts": selectors.facts_in_words(alert),
        "events": alert.events.select_related("actor"),
        "deliveries": alert.deliveries.select_related("channel").order_by("-created_at"),
        "can_acknowledge": alert.state == Alert.State.FIRING,
    }
    return render(request, "alerts/detail.html", context)


@require_POST
def alert_acknowledge_view(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.VIEW_USAGE)
    alert = selectors.alert_get(user=request.user, pk=pk)
    if alert_acknowledge(alert=alert, actor=request.user, audit=AuditContext.from_request(request)):
        messages.success(request, "Acknowledged: the others see that you are on it.")
    else:
        messages.info(request, f"This alert is {alert.get_state_display().lower()} already.")
    return redirect("alerts_detail", pk=alert.pk)


def instance_rules_view(request: HttpRequest, pk: int) -> HttpResponse:
    instance = instance_get(user=request.user, pk=pk)
    require(request.user, Action.VIEW_USAGE, instance)
    return _rules_page(request, instance)


def deployment_rules_view(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.MANAGE_INSTANCES)
    return _rules_page(request, None)


def _rules_page(request: HttpRequest, instance: MarketoInstance | None) -> HttpResponse:
    can_edit = may(request.user, Action.MANAGE_INSTANCES, instance)
    rules = rule_settings(instance)
    data = request.POST if request.method == "POST" else None
    if data is not None:
        require(request.user, Action.MANAGE_INSTANCES, instance)
    forms = [
        RuleForm(
            data,
            kind=kind,
            instance=instance,
            initial={
                "enabled": rule.enabled,
                "threshold": rule.threshold,
                "channels": list(rule.channels.all()) if rule.pk else [],
            },
        )
        for kind, rule in rules.items()
    ]
    if data is not None and all(form.is_valid() for form in forms):
        audit = AuditContext.from_request(request)
        with transaction.atomic():
            for form in forms:
                rule_update(
                    instance=instance,
                    kind=form.kind,
                    enabled=form.cleaned_data["enabled"],
                    threshold=form.cleaned_data.get("threshold") or rules[form.kind].threshold,
                    channels=list(form.cleaned_data["channels"]),
                    actor=request.user,
                    audit=audit,
                )
        messages.success(request, "The alert rules are saved.")
        if instance is None:
            return redirect("alerts_deployment_rules")
        return redirect("alerts_rules", pk=instance.pk)
    context = {
        "instance": instance,
        "forms": forms,
        "can_edit": can_edit,
        "email_configured": email_configured(),
    }
    return render(request, "alerts/rules.html", context)

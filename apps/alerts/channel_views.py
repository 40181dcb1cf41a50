"""The alert channels' pages: list, add, edit, delete, turn on and off, rotate a JSON
webhook's secret, and send a test whose outcome the page follows."""

from datetime import timedelta

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from apps.accounts.services import email_configured
from apps.alerts.channel_forms import ChannelForm, EnableForm
from apps.alerts.channels.selectors import channel_deliveries, channel_get, channel_list
from apps.alerts.channels.services import (
    channel_create,
    channel_delete,
    channel_rotate_secret,
    channel_send_test,
    channel_set_enabled,
    channel_update,
)
from apps.alerts.channels.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER
from apps.alerts.models import Channel, Delivery
from apps.audit.context import AuditContext
from apps.core.htmx import HtmxHttpRequest
from apps.core.permissions import Action, require

WORKER_MISSING_AFTER = timedelta(seconds=30)


def channel_list_view(request: HttpRequest) -> HttpResponse:
    channels = channel_list(user=request.user)
    return render(
        request,
        "alerts/channel_list.html",
        {"channels": channels, "email_configured": email_configured()},
    )


def _render_detail(
    request: HttpRequest, channel: Channel, *, secret: str = "", test: Delivery | None = None
) -> HttpResponse:
    # A new secret is rendered once, in this response, and stored only encrypted.
    context = {
        "channel": channel,
        "secret": secret,
        "test": test,
        "deliveries": channel_deliveries(channel),
        "email_configured": email_configured(),
        "timestamp_header": TIMESTAMP_HEADER,
        "signature_header": SIGNATURE_HEADER,
    }
    response = render(request, "alerts/channel_detail.html", context)
    if secret:
        response["Cache-Control"] = "no-store"
    return response


def channel_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    channel = channel_get(user=request.user, pk=pk)
    test = channel.deliveries.filter(event="test").order_by("-created_at").first()
    return _render_detail(request, channel, test=test)


@sensitive_post_parameters("url")
def channel_create_view(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.MANAGE_INSTANCES)
    form = ChannelForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        channel, secret = channel_create(
            actor=request.user, audit=AuditContext.from_request(request), **data
        )
        messages.success(request, f"The channel “{channel.name}” is added. Send it a test.")
        if secret:
            return _render_detail(request, channel, secret=secret)
        return redirect("alerts_channel_detail", pk=channel.pk)
    return render(
        request,
        "alerts/channel_form.html",
        {"form": form, "email_configured": email_configured()},
    )


@sensitive_post_parameters("url")
def channel_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    channel = channel_get(user=request.user, pk=pk)
    form = ChannelForm(request.POST or None, instance=channel, user=request.user)
    if request.method == "POST" and form.is_valid():
        changed, secret = channel_update(
            channel=channel,
            actor=request.user,
            audit=AuditContext.from_request(request),
            **form.cleaned_data,
        )
        messages.success(
            request, f"Saved: {', '.join(changed)}." if changed else "Nothing was changed."
        )
        if secret:
            return _render_detail(request, channel, secret=secret)
        return redirect("alerts_channel_detail", pk=channel.pk)
    return render(
        request,
        "alerts/channel_form.html",
        {"form": form, "channel": channel, "email_configured": email_configured()},
    )


def channel_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    channel = channel_get(user=request.user, pk=pk)
    if request.method == "POST":
        channel_delete(
            channel=channel, actor=request.user, audit=AuditContext.from_request(request)
        )
        messages.success(request, f"The channel “{channel.name}” is deleted.")
        return redirect("alerts_channel_list")
    return render(request, "alerts/channel_confirm_delete.html", {"channel": channel})


@require_POST
def channel_enable_view(request: HttpRequest, pk: int) -> HttpResponse:
    channel = channel_get(user=request.user, pk=pk)
    form = EnableForm(request.POST)
    form.is_valid()  # a missing box is False: turn it off
    enabled = form.cleaned_data.get("enabled", False)
    channel_set_enabled(
        channel=channel,
        enabled=enabled,
        actor=request.user,
        audit=AuditContext.from_request(request),
    )
    messages.success(
        request,
        f"“{channel.name}” is {'on: alerts go to it' if enabled else 'off: no alert goes to it'}.",
    )
    if request.POST.get("back") == "list":
        return redirect("alerts_channel_list")
    return redirect("alerts_channel_detail", pk=channel.pk)


@require_POST
def channel_rotate_view(request: HttpRequest, pk: int) -> HttpResponse:
    channel = channel_get(user=request.user, pk=pk)
    if channel.format != Channel.Format.JSON:
        messages.error(request, "Only a signed JSON webhook has a secret.")
        return redirect("alerts_channel_detail", pk=channel.pk)
    secret = channel_rotate_secret(
        channel=channel, actor=request.user, audit=AuditContext.from_request(request)
    )
    messages.success(request, "A new secret is in force from now on: the old one no longer is.")
    return _render_detail(request, channel, secret=secret)


@require_POST
def channel_test_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    channel = channel_get(user=request.user, pk=pk)
    test = channel_send_test(
        channel=channel, actor=request.user, audit=AuditContext.from_request(request)
    )
    if request.htmx:
        return render(request, "alerts/channel_test.html", {"channel": channel, "test": test})
    return redirect("alerts_channel_detail", pk=channel.pk)


def channel_test_result_view(request: HttpRequest, pk: int, delivery_pk: int) -> HttpResponse:
    """The test's panel; htmx polls it until the test is sent or failed."""
    channel = channel_get(user=request.user, pk=pk)
    test = get_object_or_404(Delivery, pk=delivery_pk, channel=channel, event="test")
    # A worker sends it within a second or two; much longer means no worker is taking it.
    stuck = timezone.now() - test.created_at > WORKER_MISSING_AFTER
    return render(
        request, "alerts/channel_test.html", {"channel": channel, "test": test, "stuck": stuck}
    )

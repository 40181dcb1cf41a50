from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from apps.accounts.selectors import profile_get
from apps.audit.context import AuditContext
from apps.core.htmx import HtmxHttpRequest
from apps.core.permissions import Action, may, require
from apps.core.views import error_response
from apps.instances.credentials import credentials_problem
from apps.instances.forms import GrantForm, InstanceForm, SwitchForm
from apps.instances.models import (
    ConnectionTest,
    InstanceGrant,
    MarketoInstance,
    shared_limits_message,
)
from apps.instances.selectors import current_instance, instance_get
from apps.instances.services import (
    connection_test_start,
    grant_revoke,
    grant_set,
    instance_create,
    instance_delete,
    instance_update,
    profile_set_current_instance,
)


def instance_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    instance = instance_get(user=request.user, pk=pk)
    require(request.user, Action.VIEW_INSTANCES, instance)
    can_manage = may(request.user, Action.MANAGE_INSTANCES)
    context = {
        "instance": instance,
        "can_manage": can_manage,
        "credentials_problem": credentials_problem(instance) if can_manage else None,
        "test": instance.last_connection_test(),
    }
    if can_manage:
        context["grants"] = instance.grants.select_related("user")
        context["grant_form"] = GrantForm(instance=instance)
        context["can_manage_users"] = may(request.user, Action.MANAGE_USERS)
    return render(request, "instances/instance_detail.html", context)


@sensitive_post_parameters("client_secret")
def instance_create_view(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.MANAGE_INSTANCES)
    form = InstanceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        instance = instance_create(
            actor=request.user,
            audit=AuditContext.from_request(request),
            client_secret=data.pop("client_secret"),
            **data,
        )
        messages.success(request, f"{instance.name} is added. Test its connection below.")
        _say_which_instance_is_current(request, instance)
        _warn_of_shared_limits(request, instance)
        return redirect("instance_detail", pk=instance.pk)
    return render(request, "instances/instance_form.html", {"form": form})


@sensitive_post_parameters("client_secret")
def instance_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    instance = instance_get(user=request.user, pk=pk)
    require(request.user, Action.MANAGE_INSTANCES, instance)
    form = InstanceForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        changed = instance_update(
            instance=instance,
            actor=request.user,
            audit=AuditContext.from_request(request),
            client_secret=data.pop("client_secret"),
            **data,
        )
        messages.success(
            request, f"Saved: {', '.join(changed)}." if changed else "Nothing was changed."
        )
        if "munchkin_id" in changed:
            _warn_of_shared_limits(request, instance)
        return redirect("instance_detail", pk=instance.pk)
    return render(request, "instances/instance_form.html", {"form": form, "instance": instance})


def _say_which_instance_is_current(request: HttpRequest, instance: MarketoInstance) -> None:
    """The instance switcher never changes by itself: a new instance (enabled, so it can be
    worked on) becomes the current one, and the page says so; else the current one stays."""
    profile = profile_get(user=request.user)
    if instance.enabled:
        profile_set_current_instance(profile=profile, instance=instance)
        messages.info(request, f"{instance.name} is now your current instance.")
        return
    current = current_instance(user=request.user, profile=profile)
    if current is not None:
        messages.info(
            request,
            f"{instance.name} is disabled, so your current instance stays {current.name}.",
        )


def _warn_of_shared_limits(request: HttpRequest, instance: MarketoInstance) -> None:
    others = list(instance.same_marketo_instance().order_by("name"))
    if others:
        messages.warning(request, shared_limits_message(instance, others))


def instance_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    instance = instance_get(user=request.user, pk=pk)
    require(request.user, Action.MANAGE_INSTANCES, instance)
    if request.method == "POST":
        instance_delete(
            instance=instance, actor=request.user, audit=AuditContext.from_request(request)
        )
        messages.success(request, f"{instance.name} is deleted.")
        return redirect("instance_list")
    return render(request, "instances/instance_confirm_delete.html", {"instance": instance})


@require_POST
def connection_test_start_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    instance = instance_get(user=request.user, pk=pk)
    require(request.user, Action.MANAGE_INSTANCES, instance)
    test = connection_test_start(
        instance=instance, actor=request.user, audit=AuditContext.from_request(request)
    )
    if request.htmx:
        return render(
            request, "instances/partials/connection_test.html", {"test": test, "instance": instance}
        )
    return redirect("instance_detail", pk=instance.pk)


def connection_test_view(request: HttpRequest, pk: int, test_pk: int) -> HttpResponse:
    """The result panel; htmx polls it until the test is finished."""
    instance = instance_get(user=request.user, pk=pk)
    require(request.user, Action.VIEW_INSTANCES, instance)
    test = get_object_or_404(ConnectionTest, pk=test_pk, instance=instance)
    # A finished test may have learned the API user: the poll also updates the page's row.
    context = {"test": test, "instance": instance, "update_api_user": test.is_finished}
    return render(request, "instances/partials/connection_test.html", context)


@require_POST
def grant_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    instance = instance_get(user=request.user, pk=pk)
    require(request.user, Action.MANAGE_USERS, instance)
    form = GrantForm(request.POST, instance=instance)
    if form.is_valid():
        grant = grant_set(
            instance=instance,
            user=form.cleaned_data["user"],
            role=form.cleaned_data["role"],
            actor=request.user,
            audit=AuditContext.from_request(request),
        )
        messages.success(request, f"{grant.user} is now {grant.role} of {instance.name}.")
    else:
        messages.error(request, "Choose a user and a role to grant.")
    return redirect("instance_detail", pk=instance.pk)


@require_POST
def grant_revoke_view(request: HttpRequest, pk: int, grant_pk: int) -> HttpResponse:
    instance = instance_get(user=request.user, pk=pk)
    require(request.user, Action.MANAGE_USERS, instance)
    grant = get_object_or_404(InstanceGrant, pk=grant_pk, instance=instance)
    grant_revoke(grant=grant, actor=request.user, audit=AuditContext.from_request(request))
    messages.success(request, f"{grant.user} no longer has access to {instance.name}.")
    return redirect("instance_detail", pk=instance.pk)


@require_POST
def instance_switch_view(request: HttpRequest) -> HttpResponse:
    """The instance switcher: remember the choice, go back where the user was."""
    form = SwitchForm(request.POST)
    if not form.is_valid():  # only a hand-made request sends anything but a listed id
        return error_response(request, 400, "Choose an instance from the switcher's list.")
    instance = instance_get(user=request.user, pk=form.cleaned_data["instance"])
    profile_set_current_instance(profile=profile_get(user=request.user), instance=instance)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        target = "home"
    return redirect(target)

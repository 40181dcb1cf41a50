"""The users pages, for admins: who may sign in, with which role, on which instances.

They replace the Django admin's user form for routine work: that form also offers the
superuser, staff and permission boxes, which can contradict the role.
"""

from django.contrib import messages
from django.contrib.auth.forms import SetPasswordForm
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from apps.accounts.selectors import user_role_of
from apps.accounts.services import (
    OWN_ADMIN_ROLE_REASON,
    SELF_DEACTIVATION_REASON,
    SUPERUSER_ROLE_REASON,
    UserChangeRefused,
    email_configured,
    user_invite,
    user_send_password_link,
    user_set_active,
    user_set_password,
    user_update,
)
from apps.audit.context import AuditContext
from apps.core.permissions import Action, Role, require
from apps.instances.services import grant_revoke, grant_set
from apps.users.forms import SEND_LINK, UserCreateForm, UserDetailsForm, UserGrantsForm
from apps.users.selectors import grants_by_instance, user_get, user_list


def user_list_view(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.MANAGE_USERS)
    rows = [(user, user_role_of(user)) for user in user_list()]
    return render(request, "users/user_list.html", {"rows": rows})


@sensitive_post_parameters("password1", "password2")
def user_create_view(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.MANAGE_USERS)
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        audit = AuditContext.from_request(request)
        send_link = data["password_choice"] == SEND_LINK
        with transaction.atomic():
            user = user_invite(
                username=data["username"],
                role=Role(data["role"]),
                password=None if send_link else data["password1"],
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                actor=request.user,
                audit=audit,
            )
        if send_link:
            _send_link(request, user, audit)
        else:
            messages.success(
                request, f"{user.get_username()} is added and can sign in with the password set."
            )
        return redirect("user_detail", pk=user.pk)
    return render(
        request, "users/user_form.html", {"form": form, "email_configured": email_configured()}
    )


def user_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.MANAGE_USERS)
    user = user_get(pk=pk)
    form = UserDetailsForm(
        request.POST or None,
        instance=user,
        initial={"role": user_role_of(user)},
        role_locked_because=_role_locked_because(request, user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            changed = user_update(
                user=user,
                actor=request.user,
                audit=AuditContext.from_request(request),
                role=Role(form.cleaned_data["role"]),
                **{name: form.cleaned_data[name] for name in form.Meta.fields},
            )
        except UserChangeRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, f"Saved: {', '.join(changed)}." if changed else "Nothing was changed."
            )
        return redirect("user_detail", pk=user.pk)
    return _render_detail(request, user, details_form=form)


@require_POST
def user_grants_view(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.MANAGE_USERS)
    user = user_get(pk=pk)
    form = UserGrantsForm(request.POST, rows=grants_by_instance(user=user))
    if not form.is_valid():
        messages.error(request, "Choose no access, operator or viewer for each instance.")
        return redirect("user_detail", pk=user.pk)
    audit = AuditContext.from_request(request)
    changes = []
    with transaction.atomic():
        for instance, grant, role in form.wanted():
            if grant is not None and not role:
                grant_revoke(grant=grant, actor=request.user, audit=audit)
                changes.append(f"no access to {instance.name}")
            elif role and (grant is None or grant.role != role):
                grant_set(instance=instance, user=user, role=role, actor=request.user, audit=audit)
                changes.append(f"{role} of {instance.name}")
    if changes:
        messages.success(request, f"{user.get_username()} is now {'; '.join(changes)}.")
    else:
        messages.info(request, "Nothing was changed.")
    return redirect("user_detail", pk=user.pk)


@require_POST
def user_active_view(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.MANAGE_USERS)
    user = user_get(pk=pk)
    active = request.POST.get("active") == "1"
    try:
        user_set_active(
            user=user, active=active, actor=request.user, audit=AuditContext.from_request(request)
        )
    except UserChangeRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"{user.get_username()} can sign in again."
            if active
            else f"{user.get_username()} is deactivated: they cannot sign in and their API "
            "tokens no longer work. Their history stays in the audit trail.",
        )
    return redirect("user_detail", pk=user.pk)


@require_POST
@sensitive_post_parameters("new_password1", "new_password2")
def user_password_view(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.MANAGE_USERS)
    user = user_get(pk=pk)
    form = SetPasswordForm(user, request.POST)
    if not form.is_valid():
        return _render_detail(request, user, password_form=form, status=400)
    user_set_password(
        user=user,
        password=form.cleaned_data["new_password1"],
        actor=request.user,
        audit=AuditContext.from_request(request),
    )
    messages.success(request, f"The password of {user.get_username()} is changed.")
    return redirect("user_detail", pk=user.pk)


@require_POST
def user_password_link_view(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.MANAGE_USERS)
    user = user_get(pk=pk)
    _send_link(request, user, AuditContext.from_request(request))
    return redirect("user_detail", pk=user.pk)


def _send_link(request: HttpRequest, user, audit: AuditContext) -> None:
    try:
        user_send_password_link(
            user=user,
            actor=request.user,
            audit=audit,
            domain=request.get_host(),
            use_https=request.is_secure(),
        )
    except UserChangeRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"A link to set a password is e-mailed to {user.get_username()} ({user.email}).",
        )


def _role_locked_because(request: HttpRequest, user) -> str:
    if user.is_superuser:
        return SUPERUSER_ROLE_REASON
    if user.pk == request.user.pk:
        return OWN_ADMIN_ROLE_REASON
    return ""


def _render_detail(request, user, *, details_form=None, password_form=None, status=200):
    rows = grants_by_instance(user=user)
    role = user_role_of(user)
    context = {
        "subject": user,
        "role": role,
        "details_form": details_form
        or UserDetailsForm(
            instance=user,
            initial={"role": role},
            role_locked_because=_role_locked_because(request, user),
        ),
        "grants_form": UserGrantsForm(rows=rows),
        "password_form": password_form or SetPasswordForm(user),
        "is_self": user.pk == request.user.pk,
        "self_deactivation_reason": SELF_DEACTIVATION_REASON,
        "email_configured": email_configured(),
    }
    return render(request, "users/user_detail.html", context, status=status)

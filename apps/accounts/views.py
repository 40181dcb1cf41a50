from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from apps.accounts.forms import ApiTokenForm, ProfileForm
from apps.accounts.models import ApiToken
from apps.accounts.selectors import api_token_list, profile_get
from apps.accounts.services import (
    api_token_create,
    api_token_revoke,
    profile_time_zone_from_browser,
    profile_update,
)
from apps.audit.context import AuditContext
from apps.audit.services import audit_record
from apps.core.permissions import user_role


def profile_view(request: HttpRequest) -> HttpResponse:
    profile = profile_get(user=request.user)
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        profile_update(
            user=request.user,
            time_zone=form.cleaned_data["time_zone"],
            audit=AuditContext.from_request(request),
        )
        messages.success(request, "Your settings are saved.")
        return redirect("profile")
    return _render_profile(request, profile_form=form)


@require_POST
def api_token_create_view(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return _render_profile(request, token_form=form, status=400)
    token, key = api_token_create(
        user=request.user, name=form.cleaned_data["name"], audit=AuditContext.from_request(request)
    )
    # The key is rendered once, in this response, and never stored in plain text.
    return _render_profile(request, new_token=token, new_key=key)


@require_POST
def api_token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    api_token_revoke(token=token, audit=AuditContext.from_request(request))
    messages.success(request, f"The token “{token.name}” is revoked.")
    return redirect("profile")


def _render_profile(
    request: HttpRequest, *, profile_form=None, token_form=None, status=200, **extra
):
    profile = profile_get(user=request.user)
    context = {
        "profile_form": profile_form or ProfileForm(instance=profile),
        "token_form": token_form or ApiTokenForm(),
        "tokens": api_token_list(user=request.user),
        "role": user_role(request.user),
        "profile": profile,
        **extra,
    }
    return render(request, "accounts/profile.html", context, status=status)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(action="auth.password_change", audit=AuditContext.from_request(self.request))
        messages.success(self.request, "Your password is changed.")
        return response


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        # The browser's own zone, filled in by static/js/accounts.js: the user's zone until
        # they choose one (checked against the zone list; ignored if absent or unknown).
        profile_time_zone_from_browser(
            user=form.get_user(),
            time_zone=self.request.POST.get("browser_time_zone", "")[:64],
            audit=AuditContext.from_request(self.request),
        )
        return response


class PasswordSetConfirmView(auth_views.PasswordResetConfirmView):
    """The page an e-mailed link opens (an invitation or a reset an admin sent): Django's
    password-reset confirmation, its token checked and spent by Django."""

    template_name = "accounts/password_set.html"
    success_url = reverse_lazy("login")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(
            action="auth.password_set_by_link",
            actor=form.user,
            audit=AuditContext.from_request(self.request),
            target_type="user",
            target_id=form.user.pk,
        )
        messages.success(self.request, "Your password is set. Sign in with it.")
        return response

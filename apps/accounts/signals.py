"""Every user gets a profile; sign-ins, sign-outs, failed attempts and lock-outs go into
the audit trail."""

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import signals as auth_signals
from django.db.models.signals import post_save
from django.dispatch import receiver

from apps.accounts.models import Profile
from apps.audit.context import AuditContext
from apps.audit.services import audit_record


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def _create_profile(sender, instance, created, raw=False, **kwargs) -> None:
    # Users also come from createsuperuser and the admin site, not only from our services.
    if created and not raw:
        Profile.objects.get_or_create(user=instance)


@receiver(auth_signals.user_logged_in)
def _logged_in(sender, request, user, **kwargs) -> None:
    audit_record(action="auth.login", actor=user, audit=_audit_context(request))


@receiver(auth_signals.user_logged_out)
def _logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit_record(action="auth.logout", actor=user, audit=_audit_context(request))


@receiver(auth_signals.user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    # `credentials` holds the password typed: only the user name is kept.
    audit_record(
        action="auth.login_failed",
        audit=_audit_context(request),
        target_type="user",
        target_id=str(credentials.get("username", ""))[:150],
    )


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs) -> None:
    audit_record(
        action="auth.locked_out",
        audit=_audit_context(request),
        target_type="user",
        target_id=str(username or "")[:150],
    )


def _audit_context(request) -> AuditContext:
    # Django sends some of these signals without a request (authenticate() called directly).
    return AuditContext.from_request(request) if request is not None else AuditContext.system()

"""What makes an integration's fields valid, in words: the one place the page's form and the
API's serializer both ask, so that each says the same thing about the same mistake."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from apps.integrations.models import Integration

OWNER_HELP = "A user name of marketo-admin, or the e-mail address of someone who does not use it."


@dataclass(frozen=True)
class Owner:
    user: object | None  # a user of marketo-admin
    email: str  # or the address of someone else

    @property
    def text(self) -> str:
        return self.user.get_username() if self.user is not None else self.email  # type: ignore[attr-defined]


def owner_of(integration: Integration) -> str:
    """The owner as the forms and the API write it: a user name, an address, or ""."""
    if integration.owner is not None:
        return integration.owner.get_username()
    return integration.owner_email


def owner_from(text: str) -> Owner:
    """The owner named by `text`: an active user by user name or e-mail address (any case),
    else an e-mail address. Raises ValidationError in words for anything else."""
    text = (text or "").strip()
    users = get_user_model().objects.filter(is_active=True)
    user = users.filter(username__iexact=text).first() if text else None
    if user is None and "@" in text:
        user = users.filter(email__iexact=text).order_by("pk").first()
    if user is not None:
        return Owner(user=user, email="")
    if not text:
        raise ValidationError("Name who answers for it: a user name or an e-mail address.")
    try:
        validate_email(text)
    except ValidationError:
        raise ValidationError(
            f"No user of marketo-admin is called “{text}”, and it is not an e-mail address:"
            " type a user name or an address."
        ) from None
    return Owner(user=None, email=text)


def name_problem(name: str, *, integration: Integration | None = None) -> str:
    """Why `name` cannot be used ("" when it can): names are unique, whatever their case."""
    others = Integration.objects.filter(name__iexact=name.strip())
    if integration is not None:
        others = others.exclude(pk=integration.pk)
    if others.exists():
        return f"An integration is already called “{others.first()}”: choose another name."
    return ""


def budget_problems(
    *,
    budget_calls: int | None,
    budget_percent: int | None,
    warn_percent: int | None,
    critical_percent: int | None,
) -> dict[str, str]:
    """{field: what is wrong} with a budget: calls or a share, never both; warn first."""
    problems = {}
    if budget_calls is not None and budget_percent is not None:
        problems["budget_percent"] = (
            "Give the budget in calls a day or as a share of the quota, not both:"
            " clear one of them."
        )
    if (
        warn_percent is not None
        and critical_percent is not None
        and warn_percent > critical_percent
    ):
        problems["warn_percent"] = (
            f"The warning ({warn_percent}% of the budget) must come before critical"
            f" ({critical_percent}%): lower the warning or raise critical."
        )
    return problems

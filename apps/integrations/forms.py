from django import forms
from django.contrib.auth import get_user_model

from apps.integrations.models import Integration
from apps.integrations.rules import (
    OWNER_HELP,
    Owner,
    budget_problems,
    name_problem,
    owner_from,
    owner_of,
)


class IntegrationForm(forms.ModelForm):
    """An integration's name, owner, purpose and daily budget. The owner is typed (a user
    name or an address; the browser suggests the users) and resolved by rules.owner_from."""

    owner_text = forms.CharField(label="Owner", max_length=254, help_text=OWNER_HELP)

    class Meta:
        model = Integration
        fields = [
            "name",
            "purpose",
            "budget_calls",
            "budget_percent",
            "warn_percent",
            "critical_percent",
        ]
        labels = {
            "budget_calls": "Budget: calls a day",
            "budget_percent": "Budget: share of each instance's daily quota (%)",
            "warn_percent": "Warn at (% of the budget)",
            "critical_percent": "Critical at (% of the budget)",
        }
        help_texts = {
            "name": "What people call it, e.g. “Salesforce sync”.",
            "purpose": "What it does, and why it calls Marketo.",
            "budget_calls": "One or the other, or neither for no budget.",
            "budget_percent": "On each instance it calls: 10 is 5,000 calls of a 50,000 quota.",
        }
        widgets = {"purpose": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["owner_text"].initial = owner_of(self.instance)
        self.fields["owner_text"].widget.attrs["list"] = "owner-choices"
        self.owner: Owner | None = None

    @staticmethod
    def owner_choices() -> list[str]:
        return list(
            get_user_model()
            .objects.filter(is_active=True)
            .order_by("username")
            .values_list("username", flat=True)
        )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        problem = name_problem(name, integration=self.instance if self.instance.pk else None)
        if problem:
            raise forms.ValidationError(problem)
        return name

    def clean_owner_text(self) -> str:
        owner = self.owner = owner_from(self.cleaned_data["owner_text"])
        return owner.text

    def clean(self):
        data = super().clean() or {}
        for name, problem in budget_problems(
            budget_calls=data.get("budget_calls"),
            budget_percent=data.get("budget_percent"),
            warn_percent=data.get("warn_percent"),
            critical_percent=data.get("critical_percent"),
        ).items():
            self.add_error(name, problem)
        return data

    def _post_clean(self) -> None:
        # The model's own checks (its constraints) would repeat the words above in their own.
        if self.owner is not None:
            self.instance.owner = self.owner.user
            self.instance.owner_email = self.owner.email
        if not self.errors:
            super()._post_clean()  # type: ignore[misc]

    def values(self) -> dict:
        """The fields for the services: the owner resolved to a user or an address."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        owner = self.owner
        assert owner is not None  # noqa: S101 - only after is_valid()
        return {**data, "owner": owner.user, "owner_email": owner.email}


class MapForm(forms.Form):
    """An API user of one instance: "<instance id>|<user id>", as the page's choices offer."""

    api_user = forms.CharField(label="API user", max_length=300)

    def clean_api_user(self) -> tuple[int, str]:
        instance_id, _, userid = self.cleaned_data["api_user"].partition("|")
        if not (instance_id.isascii() and instance_id.isdigit()) or not userid.strip():
            raise forms.ValidationError("Choose an API user from the list.")
        return int(instance_id), userid.strip()


class AssignForm(MapForm):
    """The quick "assign to …" of an unassigned API user: which integration."""

    integration = forms.ModelChoiceField(
        queryset=Integration.objects.all(),
        empty_label=None,
        error_messages={"invalid_choice": "That integration no longer exists: reload the page."},
    )


def errors_text(form: forms.Form) -> str:
    """A form's errors as one sentence, for a message after a redirect."""
    return " ".join(str(message) for errors in form.errors.values() for message in errors)

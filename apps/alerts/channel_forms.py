from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email

from apps.alerts.channels.services import EDITABLE_FIELDS
from apps.alerts.delivery import recipient_list
from apps.alerts.models import Channel
from apps.core.permissions import Action, may
from apps.instances.models import MarketoInstance

MAX_RECIPIENTS = 50


class WriteOnlyInput(forms.TextInput):
    """A text box that never renders its value: a webhook's address is a secret, even when
    the form comes back with an error."""

    def format_value(self, value):
        return None


class ChannelForm(forms.ModelForm):
    """Create or edit a channel. The webhook's address is write-only: never rendered back."""

    url = forms.CharField(
        label="Webhook address",
        required=False,
        strip=True,
        max_length=2000,
        widget=WriteOnlyInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "inputmode": "url"}
        ),
    )

    class Meta:
        model = Channel
        fields = EDITABLE_FIELDS
        labels = {
            "kind": "Kind",
            "format": "Format",
            "recipients": "Recipients",
            "instance": "Alerts of",
        }
        widgets = {
            "recipients": forms.Textarea(
                attrs={"rows": 3, "placeholder": "ops@example.com\nmarketing-ops@example.com"}
            ),
            "kind": forms.RadioSelect,
        }
        help_texts = {
            "instance": "A channel of all instances also hears of the deployment's own alerts "
            "(a worker or beat missing).",
            "recipients": "E-mail addresses, one a line. A user of marketo-admin reads the "
            "times in their own zone; other addresses in UTC and US Central.",
        }

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        manageable = [
            instance.pk
            for instance in MarketoInstance.objects.order_by("name")
            if may(user, Action.MANAGE_INSTANCES, instance)
        ]
        instance_field = self.fields["instance"]
        instance_field.queryset = MarketoInstance.objects.filter(  # type: ignore[attr-defined]
            pk__in=manageable
        ).order_by("name")
        instance_field.empty_label = "All instances"  # type: ignore[attr-defined]
        self.fields["format"].required = False
        self.fields["format"].choices = [("", "—"), *Channel.Format.choices]  # type: ignore[attr-defined]
        self.fields["kind"].choices = list(Channel.Kind.choices)  # type: ignore[attr-defined]
        if self.instance.pk and self.instance.url_hint:
            self.fields[
                "url"
            ].help_text = (
                f"Set, at {self.instance.url_hint}. Leave blank to keep it; it is never shown."
            )
        else:
            self.fields["url"].help_text = (
                "The URL Slack, Teams or your receiver gave you. It is kept encrypted and "
                "never shown again, only its host."
            )

    def clean_instance(self):
        instance = self.cleaned_data.get("instance")
        if instance is None and not may(self.user, Action.MANAGE_INSTANCES):
            raise ValidationError("Only admins may add a channel for all instances.")
        return instance

    def clean_recipients(self):
        addresses = recipient_list(self.cleaned_data.get("recipients") or "")
        wrong = []
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                wrong.append(address)
        if wrong:
            raise ValidationError(f"Not an e-mail address: {', '.join(wrong[:5])}.")
        if len(addresses) > MAX_RECIPIENTS:
            raise ValidationError(f"At most {MAX_RECIPIENTS} addresses.")
        return "\n".join(addresses)

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        kind = cleaned.get("kind")
        if (
            kind == Channel.Kind.EMAIL
            and not cleaned.get("recipients")
            and not self.has_error("recipients")
        ):
            self.add_error("recipients", "Give at least one e-mail address.")
        if kind == Channel.Kind.WEBHOOK:
            if not cleaned.get("format"):
                self.add_error("format", "Choose what the webhook expects.")
            url = cleaned.get("url") or ""
            if url:
                try:
                    URLValidator(schemes=["https", "http"])(url)
                except ValidationError:
                    self.add_error(
                        "url", "Enter the whole address, starting with https:// (or http://)."
                    )
            elif not (self.instance.pk and self.instance.url_encrypted):
                self.add_error("url", "Give the webhook's address.")
        return cleaned


class EnableForm(forms.Form):
    enabled = forms.BooleanField(required=False)

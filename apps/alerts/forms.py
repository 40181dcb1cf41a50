"""The forms of the alerts pages: the list's filters and each rule's settings."""

from dataclasses import dataclass

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q

from apps.alerts.models import Alert, Channel, RuleKind
from apps.instances.models import MarketoInstance


@dataclass(frozen=True)
class RuleText:
    explains: str  # what the rule watches, in words
    unit: str  # what its threshold counts; "" when it has none
    lowest: int = 1
    highest: int = 100


RULE_TEXTS: dict[str, RuleText] = {
    RuleKind.QUOTA: RuleText(
        "Today's calls of every integration reach this share of the daily quota "
        "(critical once it is spent).",
        "% of the daily quota used",
    ),
    RuleKind.FORECAST: RuleText(
        "At the day's pace so far, the calls reach this share of the quota before the reset "
        "at midnight US Central (from the second hour of the day).",
        "% of the quota reached before the reset",
        highest=1000,
    ),
    RuleKind.BUDGET: RuleText(
        "An integration reaches the warn or critical level of its daily budget (set on the "
        "integration).",
        "",
    ),
    RuleKind.ERROR_SPIKE: RuleText(
        "Errors 606, 615, 607, 601 or 603 of the last hour reach this many times their usual "
        "number at that time of day (the mean of the 7 days before), and at least a minimum.",
        "times the usual number of errors",
    ),
    RuleKind.CREDENTIAL: RuleText(
        "Marketo refuses the client id or secret (401), or denies access (603) on calls that "
        "used to work.",
        "",
    ),
    RuleKind.JOB_STALLED: RuleText(
        "An asset sync, usage sync, reading of the users or lead lookup has failed, or waited "
        "to retry, for longer than this.",
        "minutes failing or paused",
        highest=10080,
    ),
    RuleKind.HEARTBEAT: RuleText(
        "No worker has reported, or beat has not sent the every-minute evaluation, for longer "
        "than this.",
        "minutes without a heartbeat",
        highest=1440,
    ),
}


class AlertFilterForm(forms.Form):
    state = forms.ChoiceField(choices=[("", "Any state"), *Alert.State.choices], required=False)
    instance = forms.ModelChoiceField(
        queryset=MarketoInstance.objects.none(), required=False, empty_label="Every instance"
    )

    def __init__(self, *args, instances, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instance"].queryset = instances  # type: ignore[attr-defined]


def channels_for_instance(instance):
    """The channels a rule of `instance` may use: its own and those of every instance."""
    if instance is None:
        return Channel.objects.filter(instance__isnull=True)
    return Channel.objects.filter(Q(instance__isnull=True) | Q(instance=instance))


class RuleForm(forms.Form):
    enabled = forms.BooleanField(required=False, label="On")
    threshold = forms.IntegerField(required=False)
    channels = forms.ModelMultipleChoiceField(
        queryset=Channel.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None chosen: every enabled channel that hears of this instance.",
    )

    def __init__(self, data=None, *, kind: str, instance, initial=None):
        super().__init__(data, prefix=kind, initial=initial)
        self.kind = kind
        self.text = RULE_TEXTS[kind]
        threshold = self.fields["threshold"]
        if self.text.unit:
            threshold.required = True
            threshold.label = self.text.unit[0].upper() + self.text.unit[1:]
            threshold.widget.attrs.update(min=self.text.lowest, max=self.text.highest)
            threshold.validators += [
                MinValueValidator(self.text.lowest),
                MaxValueValidator(self.text.highest),
            ]
        else:
            del self.fields["threshold"]
        self.fields["channels"].queryset = channels_for_instance(instance)  # type: ignore[attr-defined]

    @property
    def label(self) -> str:
        return RuleKind(self.kind).label

from datetime import date, timedelta

from django import forms
from django.core.exceptions import ValidationError

from apps.core.dates import BoundedDateField, check_order
from apps.usage.days import today

PRESETS = [
    ("7", "7 days"),
    ("30", "30 days"),
    ("90", "90 days"),
    ("365", "A year"),
    ("custom", "Custom"),
]
MAX_DAYS = 3 * 366


def quota_range(start: date | None, end: date | None, *, default_days: int) -> tuple[date, date]:
    """The quota days a report covers, for the pages' form and the API alike: the end no
    later than today (Central), the start `default_days` before it when not given, at most
    MAX_DAYS. Both dates have passed BoundedDate*Field's range check, so none of the
    arithmetic here can overflow. Raises ValidationError by field."""
    last = today()
    check_order(start, end)
    end = min(end or last, last)
    start = start or end - timedelta(days=default_days - 1)
    if start > last:
        raise ValidationError(
            {"start": f"The range starts after today ({last:%Y-%m-%d}, Central time): no data yet."}
        )
    if (end - start).days + 1 > MAX_DAYS:
        raise ValidationError({"start": f"Choose at most {MAX_DAYS} days."})
    return start, end


class RangeForm(forms.Form):
    """A range of quota days (America/Chicago dates, as Marketo counts them)."""

    range = forms.ChoiceField(choices=PRESETS, required=False, initial="30")
    start = BoundedDateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = BoundedDateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data=None, *, default="30", **kwargs) -> None:
        data = data.copy() if data is not None else {}
        if not data.get("range"):
            data["range"] = "custom" if data.get("start") or data.get("end") else default
        super().__init__(data, **kwargs)

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        preset = cleaned.get("range") or "30"
        if preset != "custom":
            cleaned["end"] = today()
            cleaned["start"] = cleaned["end"] - timedelta(days=int(preset) - 1)
            return cleaned
        start, end = cleaned.get("start"), cleaned.get("end")
        if self.errors:
            return cleaned
        if start is None or end is None:
            raise forms.ValidationError("A custom range needs a start date and an end date.")
        cleaned["start"], cleaned["end"] = quota_range(start, end, default_days=30)
        return cleaned

    def query(self) -> str:
        """The query string that reproduces this range (for CSV links and drill-downs)."""
        if self.cleaned_data.get("range") != "custom":
            return f"range={self.cleaned_data['range']}"
        return f"range=custom&start={self.cleaned_data['start']}&end={self.cleaned_data['end']}"


class AlertForm(forms.Form):
    threshold_percent = forms.IntegerField(
        label="Alert at (% of the daily quota)", min_value=1, max_value=100
    )

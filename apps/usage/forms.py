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
# The range every usage tab opens with.
DEFAULT_RANGE = "30"


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

    range = forms.ChoiceField(choices=PRESETS, required=False, initial=DEFAULT_RANGE)
    start = BoundedDateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = BoundedDateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(
        self, data=None, *, default=DEFAULT_RANGE, history_start: date | None = None, **kwargs
    ) -> None:
        data = data.copy() if data is not None else {}
        if not data.get("range"):
            data["range"] = "custom" if data.get("start") or data.get("end") else default
        # The first day the instance has figures for (selectors.history_start).
        self.history_start = history_start
        self.cut_to_history = False
        super().__init__(data, **kwargs)

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        preset = cleaned.get("range") or DEFAULT_RANGE
        if preset != "custom":
            cleaned["end"] = today()
            cleaned["start"] = cleaned["end"] - timedelta(days=int(preset) - 1)
            # "The last 30 days" of an instance added 6 days ago are those 6 days: the days
            # before its history are unknown, not days without calls (Marketo keeps 7 days,
            # usage.md, so no sync can reach further back).
            if self.history_start and cleaned["start"] < self.history_start <= cleaned["end"]:
                cleaned["start"] = self.history_start
                self.cut_to_history = True
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

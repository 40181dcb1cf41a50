from datetime import timedelta

from django import forms

from apps.usage.days import today

PRESETS = [
    ("7", "7 days"),
    ("30", "30 days"),
    ("90", "90 days"),
    ("365", "A year"),
    ("custom", "Custom"),
]
MAX_DAYS = 3 * 366


class RangeForm(forms.Form):
    """A range of quota days (America/Chicago dates, as Marketo counts them)."""

    range = forms.ChoiceField(choices=PRESETS, required=False, initial="30")
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data=None, *, default="30", **kwargs):
        data = data.copy() if data is not None else {}
        if not data.get("range"):
            data["range"] = "custom" if data.get("start") or data.get("end") else default
        super().__init__(data, **kwargs)

    def clean(self):
        cleaned = super().clean()
        last = today()
        preset = cleaned.get("range") or "30"
        if preset != "custom":
            cleaned["end"] = last
            cleaned["start"] = last - timedelta(days=int(preset) - 1)
            return cleaned
        start, end = cleaned.get("start"), cleaned.get("end")
        if self.errors:
            return cleaned
        if start is None or end is None:
            raise forms.ValidationError("A custom range needs a start date and an end date.")
        if end < start:
            raise forms.ValidationError(
                f"The end date ({end:%Y-%m-%d}) is before the start date ({start:%Y-%m-%d})."
            )
        if start > last:
            raise forms.ValidationError(
                f"The range starts after today ({last:%Y-%m-%d}, Central time): no data yet."
            )
        cleaned["end"] = min(end, last)
        if (cleaned["end"] - start).days + 1 > MAX_DAYS:
            raise forms.ValidationError(f"Choose at most {MAX_DAYS} days.")
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

from django import forms

from apps.accounts.models import ApiToken, Profile
from apps.accounts.zones import zone_choices


class ProfileForm(forms.ModelForm):
    # Common zones first, each with today's offset from UTC; static/js/accounts.js adds a
    # search box over the list (data-zone-picker). Without JavaScript it is a plain select.
    time_zone = forms.ChoiceField(
        label="Time zone",
        choices=zone_choices,
        widget=forms.Select(attrs={"data-zone-picker": ""}),
        help_text="Times on every page are shown in this zone.",
    )

    class Meta:
        model = Profile
        fields = ["time_zone"]


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name"]
        widgets = {"name": forms.TextInput(attrs={"placeholder": "e.g. BI export"})}

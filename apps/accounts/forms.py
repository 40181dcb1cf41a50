from django import forms

from apps.accounts.models import ApiToken, Profile


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = ["time_zone"]


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name"]
        widgets = {"name": forms.TextInput(attrs={"placeholder": "e.g. BI export"})}

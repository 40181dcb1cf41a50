from django import forms
from django.contrib.auth import get_user_model

from apps.core.permissions import Role
from apps.instances.models import InstanceGrant, MarketoInstance
from apps.instances.munchkin import EXAMPLE, munchkin_id_problem, normalise_munchkin_id
from apps.instances.services import EDITABLE_FIELDS


class InstanceForm(forms.ModelForm):
    """Create or edit an instance. The secret is write-only: never rendered back."""

    # No max_length: a browser cuts longer input at maxlength without a word, so an id with
    # a digit too many would be saved as another id. clean_munchkin_id says what is wrong.
    munchkin_id = forms.CharField(
        label="Munchkin id",
        help_text=f"Admin > Munchkin in Marketo, e.g. {EXAMPLE}.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    client_secret = forms.CharField(
        label="Client secret",
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )

    class Meta:
        model = MarketoInstance
        fields = EDITABLE_FIELDS
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["client_secret"].required = False
            self.fields["client_secret"].help_text = (
                f"Set, ends in …{self.instance.client_secret_hint}. "
                "Leave blank to keep the current secret."
            )
        else:
            self.fields["client_secret"].help_text = "Admin > LaunchPoint > View Details."

    def clean_munchkin_id(self):
        value = normalise_munchkin_id(self.cleaned_data["munchkin_id"])
        problem = munchkin_id_problem(value)
        if problem:
            raise forms.ValidationError(problem, code="invalid")
        return value


class GrantForm(forms.Form):
    user = forms.ModelChoiceField(queryset=get_user_model().objects.none(), label="User")
    role = forms.ChoiceField(choices=InstanceGrant.ROLE_CHOICES, label="Role on this instance")

    def __init__(self, *args, instance: MarketoInstance, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Admins see every instance anyway; a grant is for operators and viewers. Who has
        # access already is listed above the form and changed there (revoke, grant anew).
        self.fields["user"].queryset = (  # type: ignore[attr-defined]  # a ModelChoiceField
            get_user_model()
            .objects.filter(is_active=True, is_superuser=False)
            .filter(groups__name__in=[Role.OPERATOR, Role.VIEWER])
            .exclude(instance_grants__instance=instance)
            .distinct()
            .order_by("username")
        )


class SwitchForm(forms.Form):
    """The instance switcher's choice: an instance id (visibility is checked by the view)."""

    instance = forms.IntegerField(min_value=1)

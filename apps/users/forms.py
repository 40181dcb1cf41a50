from django import forms
from django.contrib.auth import get_user_model, password_validation

from apps.accounts.services import email_configured
from apps.core.permissions import Role
from apps.instances.models import InstanceGrant

SEND_LINK = "link"  # the password choice "e-mail them a link"

ROLE_HELP = (
    "Admin: everything, every instance. Operator: leads, assets and usage on the instances "
    "granted below. Viewer: assets and usage on those instances, no lead lookups."
)


class UserDetailsForm(forms.ModelForm):
    role = forms.ChoiceField(choices=Role.choices, help_text=ROLE_HELP)

    class Meta:
        model = get_user_model()
        fields = ["first_name", "last_name", "email"]
        labels = {"email": "E-mail"}

    def __init__(self, *args, role_locked_because: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if role_locked_because:
            # Disabled: the browser sends nothing and Django keeps the initial value.
            self.fields["role"].disabled = True
            self.fields["role"].help_text = role_locked_because


class UserCreateForm(UserDetailsForm):
    """A new user: a password set here, or a link e-mailed for them to set one."""

    PASSWORD_CHOICES = [
        (SEND_LINK, "E-mail them a link to set their own password"),
        ("set", "Set a password now and tell them yourself"),
    ]

    password_choice = forms.ChoiceField(
        choices=PASSWORD_CHOICES, widget=forms.RadioSelect, initial=SEND_LINK, label="Password"
    )
    password1 = forms.CharField(
        label="New password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="New password again",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    class Meta(UserDetailsForm.Meta):
        fields = ["username", "first_name", "last_name", "email"]
        labels = {"username": "User name", "email": "E-mail"}
        help_texts = {"username": "What they sign in with; letters, digits and @ . + - _"}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].initial = Role.VIEWER
        if not email_configured():
            self.fields["password_choice"].initial = "set"
            self.fields[
                "password_choice"
            ].help_text = (
                "No e-mail can be sent from here: EMAIL_URL is not set, so set a password."
            )

    def clean(self):
        data = super().clean() or {}
        if data.get("password_choice") == SEND_LINK:
            if not email_configured():
                self.add_error(
                    "password_choice",
                    "No e-mail can be sent: EMAIL_URL is not set. Set a password instead.",
                )
            elif not data.get("email"):
                self.add_error("email", "An e-mail address is needed to send the link.")
        elif data.get("password_choice") == "set":
            first, second = data.get("password1"), data.get("password2")
            if not first:
                self.add_error("password1", "Type the password, or choose to e-mail a link.")
            elif first != second:
                self.add_error("password2", "The two passwords differ.")
            else:
                user = get_user_model()(
                    username=data.get("username", ""), email=data.get("email", "")
                )
                try:
                    password_validation.validate_password(first, user)
                except forms.ValidationError as exc:
                    self.add_error("password1", exc)
        return data


class UserGrantsForm(forms.Form):
    """One choice per instance: no access, operator or viewer."""

    NO_ACCESS = ""

    def __init__(self, *args, rows, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rows = []
        for instance, grant in rows:
            name = f"instance_{instance.pk}"
            self.fields[name] = forms.ChoiceField(
                label=instance.name,
                choices=[(self.NO_ACCESS, "No access"), *InstanceGrant.ROLE_CHOICES],
                required=False,
                initial=grant.role if grant else self.NO_ACCESS,
            )
            self.rows.append((instance, grant, name))

    def bound_rows(self):
        return [(instance, grant, self[name]) for instance, grant, name in self.rows]

    def wanted(self):
        """[(instance, grant or None, role or "")] from the submitted choices."""
        return [(instance, grant, self.cleaned_data[name]) for instance, grant, name in self.rows]

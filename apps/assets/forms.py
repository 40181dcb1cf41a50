from django import forms

from apps.assets.models import AssetType, MirroredFolder
from apps.assets.selectors import DEFAULT_SORT, SORTS, AssetFilters
from apps.assets.services import NAME_TAKEN, clone_name_taken
from apps.core.dates import BoundedDateField

PAGE_SIZES = (50, 100, 200)


class AssetFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name or description"}),
    )
    type = forms.ChoiceField(
        label="Type", required=False, choices=[("", "All types"), *AssetType.choices]
    )
    status = forms.CharField(label="Status", required=False, max_length=32)
    updated_since = BoundedDateField(
        label="Updated since",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
    )
    sort = forms.ChoiceField(
        required=False, choices=[(key, key) for key in SORTS], widget=forms.HiddenInput
    )

    def clean_q(self):
        q = self.cleaned_data["q"].strip()
        if q and len(q) < 2:
            raise forms.ValidationError("Type at least 2 characters to search.")
        return q

    def filters(self) -> AssetFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return AssetFilters(
            asset_type=data.get("type") or "",
            status=data.get("status") or "",
            updated_since=data.get("updated_since"),
            q=data.get("q") or "",
            sort=data.get("sort") or DEFAULT_SORT,
        )


class CloneForm(forms.Form):
    name = forms.CharField(label="Name of the copy", max_length=255)
    folder = forms.ModelChoiceField(
        label="Folder",
        queryset=MirroredFolder.objects.none(),
        error_messages={"invalid_choice": "Choose one of the folders in the list."},
    )

    def __init__(self, *args, instance, asset, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # programs.md: a program is cloned into a Folder of the same workspace; an email
        # into a folder or program that holds emails.
        folders = MirroredFolder.objects.filter(instance=instance, is_system=False)
        if asset.workspace:
            folders = folders.filter(workspace=asset.workspace)
        if asset.asset_type == "program":
            folders = folders.filter(kind="Folder", folder_type="Marketing Folder")
        else:
            folders = folders.filter(folder_type__in=["Email", "Program"])
        # The declared ModelChoiceField, which self.fields types as a plain Field.
        self.fields["folder"].queryset = folders.order_by("path")  # type: ignore[attr-defined]
        self.fields["folder"].label_from_instance = lambda f: f.path or f.name  # type: ignore[attr-defined]
        self.fields["name"].initial = f"{asset.name} (copy)"[:255]
        # The copy goes next to its source unless the person picks another folder.
        if asset.folder_id and folders.filter(pk=asset.folder_id).exists():
            self.fields["folder"].initial = asset.folder_id
        self.asset = asset

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if "," in name:
            # assets.md: the asset API cannot look up names with commas.
            raise forms.ValidationError("Marketo cannot find names with commas: leave them out.")
        return name

    def clean(self):
        data = super().clean() or {}
        name, folder = data.get("name"), data.get("folder")
        if name and clone_name_taken(self.asset, name, folder):
            self.add_error("name", NAME_TAKEN[self.asset.asset_type == "program"])
        return data


class SyncForm(forms.Form):
    mode = forms.ChoiceField(
        choices=[("full", "Full"), ("incremental", "Incremental")], required=False
    )

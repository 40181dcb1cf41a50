"""Asset actions follow the asset's state (issue 14 rows 5 and 6): approve / unapprove read
the version they act on, the mirror knows "approved with draft", clones obey programs.md."""

import pytest

from apps.assets.forms import CloneForm
from apps.assets.models import AssetAction, MirroredAsset, MirroredFolder
from apps.assets.services import (
    ActionNotAllowed,
    allowed_actions,
    asset_action_start,
    asset_sync_start,
)
from apps.audit.context import AuditContext
from apps.marketo.moments import marketo_time
from apps.sandbox.seed.assets import stamp
from tests.assets.conftest import action_done, first_asset, run_sync


def _edit_in_marketo(sandbox, kind, asset_id, name):
    """What Marketo does when someone edits an approved asset: a draft beside the live one
    (the sandbox's POST /asset/v1/<kind>/{id}.json, called in process)."""
    store = sandbox.instance.assets
    with store.lock:
        record = store.assets[kind][asset_id]
        draft = {**record, "status": "draft", "name": name}
        draft["updatedAt"] = stamp(sandbox.instance.clock.now())
        store.meta[(kind, asset_id)].draft = draft
        sandbox.instance.dirty = True


def test_the_mirror_knows_an_approved_email_with_a_draft_and_approving_it_goes_live(
    mirrored, instance, sandbox, operator
):
    email = first_asset(mirrored, "email", "approved")
    _edit_in_marketo(sandbox, "email", email.marketo_id, "Spring edition")
    run_sync(asset_sync_start(instance=instance, audit=AuditContext.system()).pk)
    email.refresh_from_db()
    assert email.status == "approved_with_draft"
    assert email.name != "Spring edition"  # the row is the live (approved) version
    assert allowed_actions(email) == ["refresh", "approve", "unapprove", "clone"]

    action = action_done(email, "approve", operator)

    assert action.status == "succeeded", action.message
    live = sandbox.instance.assets.assets["email"][email.marketo_id]
    assert (live["name"], live["status"]) == ("Spring edition", "approved")
    assert sandbox.instance.assets.meta[("email", email.marketo_id)].draft is None
    email.refresh_from_db()
    assert (email.name, email.status) == ("Spring edition", "approved")
    assert email.updated_at == marketo_time(live["updatedAt"])


def test_only_the_actions_marketo_accepts_in_each_state_are_offered(mirrored, operator):
    draft = first_asset(mirrored, "snippet", "draft")
    approved = first_asset(mirrored, "snippet", "approved")
    assert allowed_actions(draft) == ["refresh", "approve"]
    assert allowed_actions(approved) == ["refresh", "unapprove"]
    with pytest.raises(ActionNotAllowed, match="never been approved"):
        asset_action_start(asset=draft, kind="unapprove", user=operator)
    with pytest.raises(ActionNotAllowed, match="no draft to approve"):
        asset_action_start(asset=approved, kind="approve", user=operator)
    assert not AssetAction.objects.exists()


def test_unapproving_what_marketo_shows_as_a_draft_is_not_sent(mirrored, sandbox, operator):
    """The mirror says approved; Marketo's copy is a never-approved draft (same updatedAt):
    reading it first spares Marketo's 709."""
    draft = first_asset(mirrored, "email", "draft")
    MirroredAsset.objects.filter(pk=draft.pk).update(status="approved")
    draft.refresh_from_db()
    sandbox.reset(everything=False)
    action = action_done(draft, "unapprove", operator)
    assert action.status == "conflict"
    assert "never been approved" in action.message
    assert not [path for path in sandbox.stats()["by_endpoint"] if "unapprove" in path]
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_approve_then_clone_works_because_the_row_is_refreshed(mirrored, sandbox, operator):
    draft = first_asset(mirrored, "email", "draft")
    assert action_done(draft, "approve", operator).status == "succeeded"
    draft.refresh_from_db()
    live = sandbox.instance.assets.assets["email"][draft.marketo_id]
    assert draft.updated_at == marketo_time(live["updatedAt"])
    assert allowed_actions(draft) == ["refresh", "unapprove", "clone"]
    action = action_done(
        draft, "clone", operator, clone_name="Right after", clone_folder=draft.folder
    )
    assert action.status == "succeeded", action.message


def _program_and_folders(instance):
    program = MirroredAsset.objects.filter(instance=instance, asset_type="program").first()
    folders = MirroredFolder.objects.filter(
        instance=instance, folder_type="Marketing Folder", is_system=False
    )
    return program, folders


def test_a_program_name_used_anywhere_in_the_instance_is_refused_before_the_call(
    mirrored, sandbox, operator
):
    program, folders = _program_and_folders(mirrored)
    elsewhere = (
        MirroredAsset.objects.filter(instance=mirrored, asset_type="program")
        .exclude(folder=program.folder)
        .first()
    )
    target = folders.filter(workspace=program.workspace).exclude(pk=elsewhere.folder_id).first()
    with pytest.raises(ActionNotAllowed, match="unique across the whole instance"):
        asset_action_start(
            asset=program,
            kind="clone",
            user=operator,
            clone_name=elsewhere.name,
            clone_folder=target,
        )
    form = CloneForm(
        {"name": elsewhere.name, "folder": target.pk}, instance=mirrored, asset=program
    )
    assert not form.is_valid()
    assert "unique across the whole instance" in form.errors["name"][0]


def test_marketos_clone_refusals_are_explained(mirrored, sandbox, operator):
    program, folders = _program_and_folders(mirrored)
    target = folders.filter(workspace=program.workspace).first()
    # A name Marketo has but the mirror does not know yet (made after the last sync): 709.
    store = sandbox.instance.assets
    other = next(iter(store.assets["program"].values()))
    other["name"] = "Renamed in Marketo"
    action = action_done(
        program, "clone", operator, clone_name="Renamed in Marketo", clone_folder=target
    )
    assert (action.status, action.error_code) == ("refused", "709")
    assert "unused in the whole instance" in action.message
    # Into a program (a folder of type Program): 711, in words.
    into_program = MirroredFolder.objects.filter(instance=mirrored, kind="Program").first()
    action = action_done(
        program, "clone", operator, clone_name="Copy 711", clone_folder=into_program
    )
    assert (action.status, action.error_code) == ("refused", "711")
    assert "into a folder (not into a program)" in action.message
    # Marketo's lock wait timeout: nothing was made; the person is told to try again.
    sandbox.script_fault(path="clone.json", times=1, error="719")
    action = action_done(program, "clone", operator, clone_name="Copy 719", clone_folder=target)
    assert (action.status, action.error_code) == ("refused", "719")
    assert "try again in a minute" in action.message.lower()
    # The source gone between our read and the clone: 702 is a refusal, explained.
    sandbox.script_fault(path="clone.json", times=1, error="702")
    action = action_done(program, "clone", operator, clone_name="Copy 702", clone_folder=target)
    assert (action.status, action.error_code) == ("refused", "702")
    assert "no longer exists in Marketo" in action.message


def test_the_clone_form_starts_in_the_sources_folder_and_names_folders_by_path(mirrored):
    email = first_asset(mirrored, "email", "approved")
    form = CloneForm(instance=mirrored, asset=email)
    assert form.fields["folder"].initial == email.folder_id
    labels = [label for _, label in form.fields["folder"].choices]
    assert email.folder.path in labels

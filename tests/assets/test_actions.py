import pytest

from apps.assets.models import AssetAction, MirroredAsset, MirroredFolder
from apps.assets.services import ActionNotAllowed, asset_action_start
from apps.audit.models import AuditEvent
from tests.assets.conftest import action_done, first_asset


def test_approving_a_draft_updates_marketo_the_mirror_and_the_audit_trail(
    mirrored, sandbox, operator
):
    draft = first_asset(mirrored, "email", "draft")
    action = action_done(draft, "approve", operator)
    assert action.status == "succeeded", action.message
    draft.refresh_from_db()
    assert draft.status == "approved"
    assert sandbox.instance.assets.assets["email"][draft.marketo_id]["status"] == "approved"
    event = AuditEvent.objects.get(action="assets.approve")
    assert (event.actor, event.target_id, event.details["outcome"]) == (
        operator,
        str(draft.marketo_id),
        "succeeded",
    )


def test_unapproving_a_snippet_makes_it_a_draft(mirrored, operator):
    snippet = first_asset(mirrored, "snippet", "approved")
    assert action_done(snippet, "unapprove", operator).status == "succeeded"
    snippet.refresh_from_db()
    assert snippet.status == "draft"


def test_approving_an_asset_the_mirror_thinks_is_a_draft_but_marketo_approved_calls_nothing(
    mirrored, sandbox, operator
):
    """The mirror is behind: the form is approved in Marketo with no draft. Reading it first
    (by id, then status=draft) shows there is nothing to approve; Marketo's 709 is spared."""
    approved = first_asset(mirrored, "form", "approved")
    MirroredAsset.objects.filter(pk=approved.pk).update(status="draft")
    approved.refresh_from_db()
    sandbox.reset(everything=False)
    action = action_done(approved, "approve", operator)
    assert action.status == "conflict"
    assert "no draft to approve" in action.message
    assert not [path for path in sandbox.stats()["by_endpoint"] if "approveDraft" in path]
    approved.refresh_from_db()
    assert approved.status == "approved"


def test_an_asset_changed_in_marketo_is_reported_and_its_row_refreshed(mirrored, sandbox, operator):
    draft = first_asset(mirrored, "landing_page", "draft")
    record = sandbox.instance.assets.assets["landingPage"][draft.marketo_id]
    record["name"] = "Edited by someone else"
    record["updatedAt"] = "2030-01-01T00:00:00Z+0000"
    sandbox.instance.dirty = True
    action = action_done(draft, "approve", operator)
    assert action.status == "conflict"
    assert "changed in Marketo" in action.message
    draft.refresh_from_db()
    assert draft.name == "Edited by someone else"
    assert record["status"] == "draft"  # nothing was approved


def test_an_asset_deleted_in_marketo_leaves_the_mirror(mirrored, sandbox, operator):
    snippet = first_asset(mirrored, "snippet", "draft") or first_asset(
        mirrored, "snippet", "approved"
    )
    del sandbox.instance.assets.assets["snippet"][snippet.marketo_id]
    sandbox.instance.dirty = True
    action = action_done(snippet, "refresh", operator)
    assert action.status == "conflict"
    assert not MirroredAsset.objects.filter(pk=snippet.pk).exists()


def test_cloning_an_email_puts_the_copy_in_the_mirror(mirrored, operator):
    email = first_asset(mirrored, "email", "approved")
    folder = MirroredFolder.objects.filter(instance=mirrored, folder_type="Email").first()
    action = action_done(email, "clone", operator, clone_name="Spring copy", clone_folder=folder)
    assert action.status == "succeeded", action.message
    copy = MirroredAsset.objects.get(
        instance=mirrored, asset_type="email", marketo_id=action.result_marketo_id
    )
    assert (copy.name, copy.folder, copy.status) == ("Spring copy", folder, "draft")
    assert action.message == "Cloned as “Spring copy”."


def test_cloning_a_program_into_a_folder(mirrored, operator):
    program = MirroredAsset.objects.filter(instance=mirrored, asset_type="program").first()
    folder = MirroredFolder.objects.filter(
        instance=mirrored, folder_type="Marketing Folder", workspace=program.workspace
    ).first()
    action = action_done(program, "clone", operator, clone_name="Program copy", clone_folder=folder)
    assert action.status == "succeeded", action.message
    assert MirroredAsset.objects.filter(
        instance=mirrored, asset_type="program", name="Program copy"
    ).exists()


def test_a_name_already_taken_in_the_folder_is_refused_before_any_call(mirrored, operator):
    email = first_asset(mirrored, "email", "approved")
    folder = MirroredFolder.objects.filter(instance=mirrored, folder_type="Email").first()
    action_done(email, "clone", operator, clone_name="Twin", clone_folder=folder)
    with pytest.raises(ActionNotAllowed, match="already in that folder"):
        asset_action_start(
            asset=email, kind="clone", user=operator, clone_name="Twin", clone_folder=folder
        )


def test_actions_that_do_not_apply_are_refused_before_any_call(mirrored, operator):
    program = MirroredAsset.objects.filter(instance=mirrored, asset_type="program").first()
    with pytest.raises(ActionNotAllowed):
        asset_action_start(asset=program, kind="approve", user=operator)
    campaign = MirroredAsset.objects.filter(instance=mirrored, asset_type="smart_campaign").first()
    with pytest.raises(ActionNotAllowed):
        asset_action_start(asset=campaign, kind="clone", user=operator, clone_name="x")
    assert not AssetAction.objects.exists()


def test_refreshing_a_program_reads_it_and_its_tokens(mirrored, sandbox, operator):
    program = MirroredAsset.objects.filter(instance=mirrored, asset_type="program").first()
    MirroredAsset.objects.filter(pk=program.pk).update(tokens=[], tokens_synced_at=None)
    sandbox.reset(everything=False)
    assert action_done(program, "refresh", operator).status == "succeeded"
    program.refresh_from_db()
    assert program.tokens
    assert sandbox.stats()["calls"] == 2

"""A write whose answer is lost is "pending", confirmed by reading the asset back, never sent
twice (issue 14, "Per-endpoint timeouts and leases"). Over real HTTP, with the sandbox's
drop faults on the action's own path."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.assets.actions import (
    NOT_CARRIED_OUT,
    asset_action_confirm,
    asset_action_run,
    asset_actions_confirm_due,
)
from apps.assets.models import AssetAction, MirroredAsset, MirroredFolder
from apps.assets.services import asset_action_start
from apps.audit.context import AuditContext
from apps.audit.models import AuditEvent
from apps.instances.services import grant_set


@pytest.fixture(autouse=True)
def no_broker_messages(monkeypatch):
    """The read-backs are driven by the test (as the beat's sweep or a page view would)."""
    queued = []
    monkeypatch.setattr(
        "apps.assets.tasks.asset_action_confirm_task.apply_async",
        lambda *args, **kwargs: queued.append(kwargs),
    )
    monkeypatch.setattr(
        "apps.assets.tasks.asset_action_run_task.apply_async", lambda *args, **kwargs: None
    )
    return queued


def _due_now(action):
    AssetAction.objects.filter(pk=action.pk).update(
        confirm_at=timezone.now() - timedelta(seconds=1)
    )


def _calls(sandbox, fragment):
    return sum(n for path, n in sandbox.stats()["by_endpoint"].items() if fragment in path)


def test_a_clone_done_at_marketo_whose_answer_is_lost_ends_succeeded_with_one_copy(
    mirrored, sandbox, operator, no_broker_messages
):
    email = MirroredAsset.objects.filter(
        instance=mirrored, asset_type="email", status="approved"
    ).first()
    folder = MirroredFolder.objects.filter(instance=mirrored, folder_type="Email").first()
    sandbox.reset(everything=False)
    sandbox.script_fault(path="clone.json", times=1, drop="after")
    action = asset_action_start(
        asset=email, kind="clone", user=operator, clone_name="Lost answer", clone_folder=folder
    )
    action = asset_action_run(action_id=action.pk)

    assert action.status == "pending"
    assert "never sends the change twice" in action.message
    assert no_broker_messages  # the first read-back is queued, with a countdown
    _due_now(action)
    action = asset_action_confirm(action_id=action.pk)

    assert action.status == "succeeded", action.message
    copies = [
        row
        for row in sandbox.instance.assets.assets["email"].values()
        if row["name"] == "Lost answer"
    ]
    assert len(copies) == 1
    assert action.result_marketo_id == copies[0]["id"]
    assert MirroredAsset.objects.filter(
        instance=mirrored, asset_type="email", marketo_id=copies[0]["id"]
    ).exists()
    assert _calls(sandbox, "clone.json") == 1  # never resent
    assert _calls(sandbox, "byName.json") == 1
    event = AuditEvent.objects.get(action="assets.clone")
    assert event.details["outcome"] == "succeeded"
    assert event.details["confirmed_by_reading_back"] is True


def test_an_approve_dropped_before_marketo_did_it_fails_with_try_again(
    mirrored, sandbox, operator, settings
):
    settings.ASSET_ACTION_SETTLE_SECONDS = 0
    draft = MirroredAsset.objects.filter(
        instance=mirrored, asset_type="snippet", status="draft"
    ).first()
    sandbox.reset(everything=False)
    sandbox.script_fault(path="approveDraft.json", times=1, drop=True)
    action = asset_action_run(
        action_id=asset_action_start(asset=draft, kind="approve", user=operator).pk
    )
    assert action.status == "pending"
    _due_now(action)
    action = asset_action_confirm(action_id=action.pk)
    assert (action.status, action.message) == ("failed", NOT_CARRIED_OUT)
    assert sandbox.instance.assets.assets["snippet"][draft.marketo_id]["status"] == "draft"
    assert _calls(sandbox, "approveDraft.json") == 1


def test_a_not_yet_visible_outcome_stays_pending_until_marketo_cannot_still_run_it(
    mirrored, sandbox, operator, no_broker_messages
):
    draft = MirroredAsset.objects.filter(
        instance=mirrored, asset_type="snippet", status="draft"
    ).first()
    sandbox.script_fault(path="approveDraft.json", times=1, drop=True)
    action = asset_action_run(
        action_id=asset_action_start(asset=draft, kind="approve", user=operator).pk
    )
    _due_now(action)
    action = asset_action_confirm(action_id=action.pk)
    assert action.status == "pending"  # Marketo may still be running it (its lease)
    assert action.confirm_at > timezone.now()
    assert asset_action_confirm(action_id=action.pk) is None  # not due: nothing is read


def test_a_write_left_by_a_killed_worker_is_confirmed_by_the_sweep(
    mirrored, sandbox, operator, settings
):
    """The worker died after sending the approve (the row says running, write sent): the
    sweep reads the asset back and settles it, without sending it again."""
    draft = MirroredAsset.objects.filter(
        instance=mirrored, asset_type="email", status="draft"
    ).first()
    action = asset_action_start(asset=draft, kind="approve", user=operator)
    # What the dead worker had done: claimed the action, marked the write, sent it.
    sent = timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS + 5)
    AssetAction.objects.filter(pk=action.pk).update(
        status="running", write_sent_at=sent, state_before="draft"
    )
    record = sandbox.instance.assets.assets["email"][draft.marketo_id]
    record["status"] = "approved"
    sandbox.instance.assets.meta[("email", draft.marketo_id)].has_draft = False
    sandbox.instance.dirty = True
    sandbox.reset(everything=False)

    assert asset_actions_confirm_due() == 1

    action.refresh_from_db()
    assert action.status == "succeeded", action.message
    assert _calls(sandbox, "approveDraft.json") == 0
    draft.refresh_from_db()
    assert draft.status == "approved"


def test_an_action_whose_worker_died_before_sending_fails_saying_nothing_changed(
    mirrored, operator, settings
):
    email = MirroredAsset.objects.filter(instance=mirrored, asset_type="email").first()
    action = asset_action_start(asset=email, kind="refresh", user=operator)
    long_ago = timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS + 5)
    AssetAction.objects.filter(pk=action.pk).update(status="running", requested_at=long_ago)
    asset_actions_confirm_due()
    action.refresh_from_db()
    assert action.status == "failed"
    assert "nothing changed" in action.message


def test_the_next_page_view_settles_a_due_pending_action_and_links_the_copy(
    mirrored, sandbox, operator, client_for
):
    grant_set(
        instance=mirrored, user=operator, role="operator", actor=None, audit=AuditContext.system()
    )
    email = MirroredAsset.objects.filter(
        instance=mirrored, asset_type="email", status="approved"
    ).first()
    sandbox.script_fault(path="clone.json", times=1, drop="after")
    action = asset_action_run(
        action_id=asset_action_start(
            asset=email,
            kind="clone",
            user=operator,
            clone_name="Seen on the page",
            clone_folder=email.folder,
        ).pk
    )
    client = client_for(operator)
    url = reverse("assets_action_status", args=[mirrored.pk, action.pk])
    AssetAction.objects.filter(pk=action.pk).update(confirm_at=timezone.now() + timedelta(hours=1))
    assert "never sends the change twice" in client.get(url).content.decode()  # not due yet
    _due_now(action)
    body = client.get(url).content.decode()
    action.refresh_from_db()
    assert action.status == "succeeded"
    copy_url = reverse("assets_detail", args=[mirrored.pk, "email", action.result_marketo_id])
    assert f'href="{copy_url}"' in body
    assert 'id="asset-card" hx-swap-oob="true"' in body


def test_a_worker_the_sweep_gave_up_on_sends_nothing(mirrored, sandbox, operator, monkeypatch):
    """The sweep failed a running action as "interrupted before it was sent" while its
    worker was still reading the asset: that worker must not send the write after all."""
    from apps.assets import actions

    draft = MirroredAsset.objects.filter(
        instance=mirrored, asset_type="snippet", status="draft"
    ).first()
    action = asset_action_start(asset=draft, kind="approve", user=operator)
    real_get = actions.marketo_assets.asset_get

    def slow_read(*args, **kwargs):
        long_ago = timezone.now() - timedelta(hours=1)
        AssetAction.objects.filter(pk=action.pk).update(requested_at=long_ago)
        asset_actions_confirm_due()  # the sweep runs while this worker waits for Marketo
        return real_get(*args, **kwargs)

    monkeypatch.setattr(actions.marketo_assets, "asset_get", slow_read)
    sandbox.reset(everything=False)
    action = asset_action_run(action_id=action.pk)
    assert action.status == "failed"
    assert "nothing changed" in action.message
    assert _calls(sandbox, "approveDraft.json") == 0
    assert sandbox.instance.assets.assets["snippet"][draft.marketo_id]["status"] == "draft"


def test_an_unanswered_write_is_not_carried_out_only_once_marketo_cannot_still_run_it(settings):
    # assets.md ("Timeouts"): 300 s for every asset call; the settle time is the write's lease.
    settings.ASSET_ACTION_SETTLE_SECONDS = None
    from apps.assets.actions import settle_seconds
    from apps.marketo.timeouts import DEFAULT_TIMEOUTS

    for endpoint in (
        "/rest/asset/v1/program/{id}/clone.json",
        "/rest/asset/v1/email/{id}/unapprove.json",
    ):
        call = DEFAULT_TIMEOUTS.for_call("POST", endpoint)
        assert settle_seconds() >= call.lease > call.connect + call.read > 300

import math
from datetime import UTC, datetime, timedelta

import pytest
import requests

from apps.assets import sync as sync_module
from apps.assets.models import AssetSync, MirroredAsset, MirroredFolder
from apps.assets.services import asset_sync_start
from apps.assets.sync import asset_sync_run
from apps.audit.context import AuditContext
from apps.audit.models import AuditEvent
from apps.core.jobs import jobs_release_interrupted, jobs_sweep
from apps.marketo import assets as marketo_assets
from apps.marketo import client as marketo_client_module
from apps.marketo.assets import BROWSE_PATHS
from apps.marketo.governor import Priority
from tests.assets.conftest import asset_calls, run_sync, sandbox_counts

SANDBOX_KINDS = {
    "program": "program",
    "email": "email",
    "landing_page": "landingPage",
    "form": "form",
    "snippet": "snippet",
    "smart_campaign": "smartCampaign",
    "smart_list": "smartList",
    "static_list": "staticList",
    "email_template": "emailTemplate",
    "landing_page_template": "landingPageTemplate",
    "file": "file",
}


def _run(instance, mode="full", user=None):
    sync = asset_sync_start(instance=instance, mode=mode, user=user, audit=AuditContext.system())
    return run_sync(sync.pk)


def _minimum_calls(counts) -> int:
    # Every page of rows, then the documented end (an answer with no rows): one call more
    # per type than its pages (assets.md, emails.md; a short page is not the end).
    return sum(-(-counts[k] // 200) + 1 for k in ["folders", *SANDBOX_KINDS.values()])


def test_a_full_sync_mirrors_every_folder_and_asset_of_every_type(instance, sandbox):
    counts = sandbox_counts(sandbox)
    sync = _run(instance)
    assert sync.status == AssetSync.Status.SUCCEEDED, sync.error
    assert MirroredFolder.objects.filter(instance=instance).count() == counts["folders"]
    for asset_type, kind in SANDBOX_KINDS.items():
        assert (
            MirroredAsset.objects.filter(instance=instance, asset_type=asset_type).count()
            == counts[kind]
        ), asset_type
    # Every folder but the three roots hangs under its parent; every asset sits in its folder.
    roots = MirroredFolder.objects.filter(instance=instance, parent__isnull=True)
    assert set(roots.values_list("name", flat=True)) == {
        "Marketing Activities",
        "Design Studio",
        "Lead Database",
    }
    assert not MirroredAsset.objects.filter(instance=instance, folder__isnull=True).exists()
    assert sync.progress["email"]["state"] == "done"
    assert sync.progress["email"]["rows"] == counts["email"]
    assert AuditEvent.objects.filter(action="assets.sync", instance_id=instance.pk).exists()


def test_lists_outside_programs_are_mirrored_under_the_lead_database(instance, sandbox):
    """folders.md: Lead Database is the third root; static-lists.md and smart-lists.md show
    lists in its folders (not in programs)."""
    _run(instance)
    group_lists = MirroredFolder.objects.get(
        instance=instance, path="/Lead Database/Default/Group Lists"
    )
    assert group_lists.parent.parent.name == "Lead Database"
    assert set(group_lists.assets.values_list("asset_type", "name")) == {
        ("static_list", "Foundation Seed List"),
        ("static_list", "Blacklist Seed List"),
        ("static_list", "Possible Duplicates Seed List"),
    }
    smart = MirroredAsset.objects.get(instance=instance, asset_type="smart_list", name="2018 Leads")
    assert smart.folder.path == "/Lead Database/Default/Smart Lists"


def test_a_full_sync_uses_the_minimum_of_browse_calls(instance, sandbox):
    counts = sandbox_counts(sandbox)
    sandbox.reset(everything=False)
    sync = _run(instance)
    programs = counts["program"]
    browse_calls = sync.calls - sync.progress["tokens"]["calls"]
    assert browse_calls == _minimum_calls(counts)
    assert sync.progress["tokens"]["calls"] == programs  # the first pass reads every program's
    assert asset_calls(sandbox) == sync.calls
    # Nothing changed: the next full pass reads no tokens again.
    again = _run(instance)
    assert again.progress["tokens"]["calls"] == 0
    assert again.calls == _minimum_calls(counts)


def test_statuses_programs_and_the_raw_record_are_kept(instance, sandbox):
    _run(instance)
    store = sandbox.instance.assets
    email = next(iter(store.assets["email"].values()))
    row = MirroredAsset.objects.get(instance=instance, asset_type="email", marketo_id=email["id"])
    assert row.status == email["status"]
    assert row.raw["subject"] == email["subject"]
    assert row.updated_at is not None
    program = next(iter(store.assets["program"].values()))
    row = MirroredAsset.objects.get(
        instance=instance, asset_type="program", marketo_id=program["id"]
    )
    assert (row.program_type, row.channel) == (program["type"], program["channel"])
    assert row.tokens == [
        {**token, "computedUrl": token.get("computedUrl", row.tokens[0].get("computedUrl"))}
        for token in row.tokens
    ]
    assert [token["name"] for token in row.tokens] == [
        token["name"] for token in store.tokens[("Program", program["id"])]
    ]


def test_a_full_sync_removes_what_was_deleted_in_marketo(instance, sandbox):
    _run(instance)
    store = sandbox.instance.assets
    gone = next(iter(store.assets["snippet"]))
    del store.assets["snippet"][gone]
    sandbox.instance.dirty = True
    sync = _run(instance)
    assert sync.deleted == 1
    assert not MirroredAsset.objects.filter(
        instance=instance, asset_type="snippet", marketo_id=gone
    ).exists()


def _more_emails(sandbox, count: int) -> list[int]:
    """Shared emails after the seeded ones, so that emails take two pages and more."""
    store = sandbox.instance.assets
    folder = next(key for key, f in store.folders.items() if f["folderType"] == "Email")
    ids = [
        store.add_asset("email", f"Bulk Email {n}", folder, "Default", status="approved")["id"]
        for n in range(count)
    ]
    sandbox.instance.dirty = True
    return ids


def test_a_short_page_in_the_middle_of_a_browse_is_not_the_end(instance, sandbox):
    """emails.md: an email of an A/B-tested email program is not returned, so the first page
    of emails comes back short with more after it. A full pass pages on to the documented end
    (no result, "No assets found" warning) and keeps every email it can see."""
    late = _more_emails(sandbox, 250)
    assert _run(instance).status == AssetSync.Status.SUCCEEDED
    store = sandbox.instance.assets
    program = next(
        p for p in store.assets["program"].values() if p["type"] == "Email"
    )  # its email is among the first 200
    hidden = [
        e
        for e in store.assets["email"].values()
        if store.meta[("email", e["id"])].parent == ("Program", program["id"])
    ]
    assert len(hidden) == 1 and list(store.assets["email"]).index(hidden[0]["id"]) < 200
    answer = requests.post(
        f"{sandbox.base_url}/_sandbox/ab-test", json={"program": program["id"]}, timeout=10
    )
    assert answer.json() == {"program": program["id"], "ab_test": True}

    sync = _run(instance)
    assert sync.status == AssetSync.Status.SUCCEEDED, sync.error
    emails = set(
        MirroredAsset.objects.filter(instance=instance, asset_type="email").values_list(
            "marketo_id", flat=True
        )
    )
    assert set(late) <= emails  # past the short first page
    assert emails == set(store.assets["email"]) - {hidden[0]["id"]}
    assert sync.deleted == 1  # the email Marketo no longer returns, and nothing else
    assert sync.progress["email"]["calls"] == 3  # 199 rows, 147 rows, the end
    assert sync.progress["email"]["seen_all"] is True


def test_a_browse_that_ends_without_the_documented_answer_deletes_nothing(
    instance, sandbox, monkeypatch
):
    """A browse that stops short of Marketo's end answer did not see every row: the full
    pass keeps the rows of that type it did not see (and still deletes elsewhere)."""
    _run(instance)
    store = sandbox.instance.assets
    gone_snippet = next(iter(store.assets["snippet"]))
    del store.assets["snippet"][gone_snippet]
    gone_form = next(iter(store.assets["form"]))
    del store.assets["form"][gone_form]
    sandbox.instance.dirty = True
    original = marketo_assets.browse_pages

    def forms_end_without_the_warning(client, path, params=None, *, start=0):
        for page in original(client, path, params, start=start):
            yield page._replace(end=False) if path.endswith("/forms.json") else page

    monkeypatch.setattr(marketo_assets, "browse_pages", forms_end_without_the_warning)
    sync = _run(instance)
    assert sync.status == AssetSync.Status.SUCCEEDED
    assert sync.progress["form"]["seen_all"] is False
    assert MirroredAsset.objects.filter(
        instance=instance, asset_type="form", marketo_id=gone_form
    ).exists()
    assert not MirroredAsset.objects.filter(
        instance=instance, asset_type="snippet", marketo_id=gone_snippet
    ).exists()
    assert sync.deleted == 1


def test_an_incremental_sync_asks_only_for_what_changed_and_keeps_the_rest(instance, sandbox):
    first = _run(instance)
    store = sandbox.instance.assets
    email = next(iter(store.assets["email"].values()))
    email["name"] = "Renamed in Marketo"
    email["updatedAt"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ+0000")
    gone = next(iter(store.assets["form"]))
    del store.assets["form"][gone]
    sandbox.instance.dirty = True
    sandbox.reset(everything=False)
    sync = _run(instance, mode="incremental")
    assert sync.mode == "incremental"
    assert sync.updated_since < first.started_at
    assert sync.progress["email"]["rows"] == 1  # earliestUpdatedAt filtered the rest
    assert sync.progress["program"]["rows"] == 0
    renamed = MirroredAsset.objects.get(
        instance=instance, asset_type="email", marketo_id=email["id"]
    )
    assert renamed.name == "Renamed in Marketo"
    # Incremental passes never delete: only a full pass can tell.
    assert MirroredAsset.objects.filter(
        instance=instance, asset_type="form", marketo_id=gone
    ).exists()
    assert sync.deleted == 0
    endpoints = sandbox.stats()["by_endpoint"]
    assert endpoints


def test_an_incremental_sync_without_an_earlier_sync_is_a_full_one(instance):
    sync = asset_sync_start(instance=instance, mode="incremental", audit=AuditContext.system())
    assert sync.mode == "full"


def test_only_one_sync_per_instance_is_queued_or_running(instance):
    first = asset_sync_start(instance=instance, audit=AuditContext.system())
    second = asset_sync_start(instance=instance, mode="incremental", audit=AuditContext.system())
    assert second.pk == first.pk
    assert AssetSync.objects.filter(instance=instance).count() == 1


def test_a_second_worker_cannot_claim_a_running_sync(instance):
    sync = asset_sync_start(instance=instance, audit=AuditContext.system())
    AssetSync.objects.filter(pk=sync.pk).update(status="running", claim="someone-else")
    assert asset_sync_run(sync_id=sync.pk) is None
    assert AssetSync.objects.get(pk=sync.pk).claim == "someone-else"


class _Killed(BaseException):
    """Stands for the worker dying: nothing in the sync may catch it."""


def test_a_sync_killed_mid_way_resumes_from_its_checkpoint(
    instance, sandbox, monkeypatch, job_messages
):
    counts = sandbox_counts(sandbox)
    original = sync_module.assets_upsert
    pages = {"n": 0}

    def dies_on_the_third_asset_page(*args, **kwargs):
        pages["n"] += 1
        if pages["n"] == 3:
            raise _Killed
        return original(*args, **kwargs)

    monkeypatch.setattr(sync_module, "assets_upsert", dies_on_the_third_asset_page)
    sync = asset_sync_start(instance=instance, audit=AuditContext.system())
    sandbox.reset(everything=False)
    with pytest.raises(_Killed):
        asset_sync_run(sync_id=sync.pk)
    killed = AssetSync.objects.get(pk=sync.pk)
    assert killed.status == "running"
    assert killed.checkpoint["step"] != "folders"
    done_before = [step for step, state in killed.progress.items() if state["state"] == "done"]
    assert "folders" in done_before
    monkeypatch.setattr(sync_module, "assets_upsert", original)

    # The worker is gone; its heartbeat goes stale and the sweep hands the sync on.
    AssetSync.objects.filter(pk=sync.pk).update(
        heartbeat_at=datetime.now(UTC) - timedelta(minutes=2)
    )
    assert jobs_sweep() == {"assets.AssetSync": 1}
    assert job_messages == [("assets.AssetSync", sync.pk, None)]
    resumed = asset_sync_run(sync_id=sync.pk)
    assert resumed.status == "succeeded"
    assert resumed.attempts == 2
    for asset_type, kind in SANDBOX_KINDS.items():
        assert (
            MirroredAsset.objects.filter(instance=instance, asset_type=asset_type).count()
            == counts[kind]
        )
    # The pages stored before the crash were not fetched again: one call lost at most.
    browse = resumed.calls - resumed.progress["tokens"]["calls"]
    assert browse <= _minimum_calls(counts) + 1
    assert resumed.deleted == 0


def test_a_sync_cut_off_by_the_last_stop_is_queued_again_at_the_next_embedded_start(
    instance, job_messages
):
    # The worker handed its task back when it stopped, but the row still says running with
    # its claim, which turns that task away: at once, not once its heartbeat is stale.
    cut_off = asset_sync_start(instance=instance, audit=AuditContext.system())
    AssetSync.objects.filter(pk=cut_off.pk).update(
        status="running", claim="the-stopped-worker", heartbeat_at=datetime.now(UTC)
    )
    assert asset_sync_run(sync_id=cut_off.pk) is None
    job_messages.clear()

    assert jobs_release_interrupted() == {"assets.AssetSync": 1}

    resumed = AssetSync.objects.get(pk=cut_off.pk)
    assert (resumed.status, resumed.claim) == ("queued", "")
    assert job_messages == [("assets.AssetSync", cut_off.pk, None)]
    assert run_sync(cut_off.pk).status == "succeeded"


def test_a_sync_that_meets_603_stops_and_names_the_missing_permission(instance, sandbox):
    sandbox.script_fault(path="emails.json", error="603", times=1)
    sync = _run(instance)
    assert sync.status == "failed"
    assert sync.error == (
        "Marketo answered 603 Access denied. The API user's role lacks the “Read-Only Assets”"
        " permission (or “Read-Write Assets”), or an IP allow-list blocks marketo-admin: add the"
        " permission under Admin > Users & Roles, or allow this server under Admin > Web"
        " Services. Then sync again."
    )
    assert "Read-Only Assets" in sync.error
    assert sync.error_code == "603"
    assert AuditEvent.objects.filter(action="assets.sync_failed").exists()


def test_a_transient_failure_pauses_the_sync_for_a_retry_and_it_then_finishes(
    instance, sandbox, monkeypatch, job_messages
):
    # The client retries transient errors within its deadline; past it, the sync pauses.
    monkeypatch.setitem(marketo_client_module.DEADLINE_SECONDS, Priority.BACKGROUND, 0.5)
    sandbox.script_fault(path="forms.json", error="611", times=1000)
    sync = asset_sync_start(instance=instance, audit=AuditContext.system())
    paused = asset_sync_run(sync_id=sync.pk)
    assert paused.status == "paused"
    assert paused.checkpoint["step"] == "form"
    assert paused.error.startswith("Marketo answered")
    assert 25 < (paused.resume_at - datetime.now(UTC)).total_seconds() <= 30
    assert job_messages == [("assets.AssetSync", sync.pk, 30)]
    sandbox.clear_faults()
    assert asset_sync_run(sync_id=sync.pk).status == "succeeded"


def test_a_sync_that_keeps_failing_gives_up_with_the_reason(instance, sandbox, monkeypatch):
    monkeypatch.setitem(marketo_client_module.DEADLINE_SECONDS, Priority.BACKGROUND, 0.5)
    monkeypatch.setattr(sync_module, "MAX_FAILED_PAUSES", 2)
    monkeypatch.setattr(sync_module.jobs, "job_publish", lambda *args, **kwargs: True)
    sandbox.script_fault(path="forms.json", error="611")
    sync = asset_sync_start(instance=instance, audit=AuditContext.system())
    assert asset_sync_run(sync_id=sync.pk).status == "paused"
    failed = asset_sync_run(sync_id=sync.pk)
    assert failed.status == "failed"
    assert failed.error.startswith("Marketo kept failing: Marketo answered")


def test_calls_per_thousand_assets_are_reported(instance, sandbox, capsys):
    counts = sandbox_counts(sandbox)
    sync = _run(instance)
    assets = sum(counts[kind] for kind in SANDBOX_KINDS.values())
    browse = sync.calls - sync.progress["tokens"]["calls"]
    per_thousand = 1000 * browse / assets
    with capsys.disabled():
        print(
            f"\nasset sync: {assets} assets, {counts['folders']} folders, {browse} browse calls "
            f"({per_thousand:.1f} per 1,000 assets), {sync.progress['tokens']['calls']} token calls"
        )
    assert browse <= _minimum_calls(counts)
    assert math.isfinite(per_thousand)
    assert set(BROWSE_PATHS) == set(SANDBOX_KINDS)

"""An asset sync while Marketo fails 30% of the calls (604, 608, 611, HTTP 502, dropped
connections, slow answers): the mirror ends identical to a clean sync's."""

import time

import pytest

from apps.assets.models import AssetSync, MirroredAsset, MirroredFolder
from apps.assets.services import asset_sync_start
from apps.audit.context import AuditContext
from apps.sandbox import start_sandbox
from tests.factories import make_instance
from tests.faults.conftest import report
from tests.plugins.sandbox import SANDBOX_USERS
from tests.processes import wait_until

pytestmark = pytest.mark.fault

FAULT_RATE = 0.3
# "Slow" faults answer after this long instead of 40 s: still slow, but the suite stays short.
# (Answers slower than the client's read timeout are covered by tests/marketo/test_client.py
# and test_client_timeouts.py.)
SLOW_SECONDS = 2


def _mirror(instance) -> dict:
    """Everything the mirror says about the instance, in Marketo's terms (no primary keys,
    none of our own bookkeeping)."""
    own = {"id", "instance", "synced_at", "seen_sync_id", "tokens_synced_at", "parent", "folder"}

    def rows(model, key):
        fields = [f.name for f in model._meta.concrete_fields if f.name not in own]
        return {
            tuple(row[k] for k in key): row
            for row in model.objects.filter(instance=instance).values(*fields)
        }

    folder_rows = MirroredFolder.objects.filter(instance=instance)
    by_pk = {
        pk: (kind, mid) for pk, kind, mid in folder_rows.values_list("pk", "kind", "marketo_id")
    }
    parents = {
        (kind, mid): pk for kind, mid, pk in folder_rows.values_list("kind", "marketo_id", "parent")
    }
    folders = rows(MirroredFolder, ("kind", "marketo_id"))
    for key, row in folders.items():
        row["parent"] = by_pk.get(parents[key])
    return {"folders": folders, "assets": rows(MirroredAsset, ("asset_type", "marketo_id"))}


def _sync_to_the_end(instance, *, timeout) -> tuple[AssetSync, float]:
    started = time.monotonic()
    sync = asset_sync_start(instance=instance, audit=AuditContext.system())

    def finished():
        current = AssetSync.objects.get(pk=sync.pk)
        if current.status == "failed":
            raise AssertionError(f"the sync failed: {current.error}")
        return current.status == "succeeded"

    wait_until(finished, timeout=timeout, interval=0.5, what="the sync to finish")
    return AssetSync.objects.get(pk=sync.pk), time.monotonic() - started


def test_an_asset_sync_under_30_percent_faults_mirrors_what_a_clean_sync_does(deployment):
    marketo = start_sandbox(port=0, api_users=SANDBOX_USERS, seed=42, leads=100)
    try:
        instance = make_instance(
            "Faulty",
            client_id=marketo.client_id,
            secret=marketo.client_secret,
            rest_url=marketo.rest_url,
            identity_url=marketo.identity_url,
            calls_per_20s=100,
        )
        deployment.worker()
        deployment.beat()
        clean_sync, clean_seconds = _sync_to_the_end(instance, timeout=120)
        clean = _mirror(instance)
        assert len(clean["assets"]) > 500 and len(clean["folders"]) > 100

        MirroredAsset.objects.filter(instance=instance).delete()
        MirroredFolder.objects.filter(instance=instance).delete()
        marketo.instance.faults.rate = FAULT_RATE
        marketo.instance.faults.slow_seconds = SLOW_SECONDS
        marketo.reset(everything=False)  # the counters only
        faulty_sync, faulty_seconds = _sync_to_the_end(instance, timeout=150)
        injected = marketo.stats()["faults_injected"]
    finally:
        marketo.stop()

    assert injected >= 10
    faulty = _mirror(instance)
    assert faulty["folders"] == clean["folders"]
    assert faulty["assets"] == clean["assets"]
    report(
        "3. asset sync, 30% of Marketo's answers faulty",
        recovery_seconds=faulty_seconds - clean_seconds,
        data_lost="none",
        note=(
            f"{injected} faults; {faulty_seconds:.0f} s against {clean_seconds:.0f} s clean; "
            f"{faulty_sync.calls} against {clean_sync.calls} calls stored; mirror identical"
        ),
    )

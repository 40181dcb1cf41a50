import time

import pytest

from tests.factories import make_sandbox_instance


@pytest.fixture
def instance(db, sandbox):
    """An instance pointed at the sandbox, with its seeded asset tree."""
    return make_sandbox_instance(
        sandbox,
        # Marketo's own limit, so that a first sync (which reads every program's tokens)
        # fits in one window: with less, the governor spreads it over task retries.
        calls_per_20s=100,
    )


def sandbox_counts(sandbox) -> dict:
    """How many folders and assets of each kind the sandbox holds right now."""
    store = sandbox.instance.assets
    return {
        "folders": len(store.folders),
        **{kind: len(rows) for kind, rows in store.assets.items()},
    }


def asset_calls(sandbox) -> int:
    stats = sandbox.stats()
    return sum(count for endpoint, count in stats["by_endpoint"].items() if "/asset/" in endpoint)


def run_sync(sync_id):
    """Run a sync as its task would, and again when a pause (the governor asking for a wait)
    is over, as its delayed message would."""
    from django.utils import timezone

    from apps.assets.sync import asset_sync_run

    for _ in range(10):
        sync = asset_sync_run(sync_id=sync_id)
        if sync is None or sync.status != "paused":
            return sync
        wait = (sync.resume_at - timezone.now()).total_seconds()
        time.sleep(min(max(wait, 0), 20))
    raise AssertionError("the sync did not finish")


@pytest.fixture
def mirrored(instance, sandbox):
    """The instance, its mirror filled by a full sync of the sandbox."""
    from apps.assets.services import asset_sync_start
    from apps.audit.context import AuditContext

    run_sync(asset_sync_start(instance=instance, audit=AuditContext.system()).pk)
    return instance


def action_done(asset, kind, user, **extra):
    """Start an action on `asset` and run it as its task would; the finished AssetAction."""
    from apps.assets.actions import asset_action_run
    from apps.assets.services import asset_action_start

    action = asset_action_start(asset=asset, kind=kind, user=user, **extra)
    return asset_action_run(action_id=action.pk)


def first_asset(instance, asset_type, status):
    from apps.assets.models import MirroredAsset

    return MirroredAsset.objects.filter(
        instance=instance, asset_type=asset_type, status=status
    ).first()

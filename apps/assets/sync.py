"""The sync job: folders, then every asset type through its browse endpoint, page by page.

Each page is written together with the checkpoint in one transaction, so a sync killed at
any point resumes at the first page it had not stored. A full pass marks every row it sees
with its own id; rows left unmarked at the end were deleted in Marketo, but only for the
folders and the types whose browse reached Marketo's documented end of the list
(`browse_pages`): a browse that stopped for any other reason did not see every row.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Now
from django.utils import timezone

from apps.assets.mirror import (
    assets_upsert,
    folder_map,
    folder_parents_link,
    folders_upsert,
)
from apps.assets.models import SYNC_STEPS, AssetSync, MirroredAsset, MirroredFolder
from apps.audit.services import audit_record
from apps.core import jobs
from apps.instances.client import marketo_client
from apps.marketo import assets as marketo_assets
from apps.marketo.errors import (
    AccessDenied,
    CallNotMade,
    MarketoError,
    QuotaExhausted,
    RetryLater,
)
from apps.marketo.governor import GovernorUnavailable, Priority
from apps.marketo.wording import call_problem_message

log = logging.getLogger(__name__)

FOLDERS = "folders"
TOKENS = "tokens"
STEPS = SYNC_STEPS
# Incremental passes ask for a little more than "since the last pass": Marketo's clock and
# ours may differ, and an asset saved while the last pass ran must not slip through.
INCREMENTAL_OVERLAP = timedelta(minutes=10)
# After a transient failure (past the client's own retries) the sync waits this long; it
# fails after this many such pauses without storing a page in between.
TRANSIENT_RETRY_SECONDS = 30
MAX_FAILED_PAUSES = 8


def asset_sync_run(*, sync_id: int) -> AssetSync | None:
    """Claim the sync (a conditional UPDATE: only one worker wins) and run it to the end, or
    until it must wait: then it is paused and goes on by itself (apps.core.jobs)."""
    claim = jobs.job_claim(
        AssetSync,
        sync_id,
        started_at=Coalesce(F("started_at"), Now()),
        attempts=F("attempts") + 1,
    )
    if claim is None:
        return None
    sync = AssetSync.objects.select_related("instance", "requested_by").get(pk=sync_id)
    try:
        with jobs.keep_alive(AssetSync, sync.pk, claim):
            client = marketo_client(
                sync.instance,
                priority=Priority.BACKGROUND,
                feature="asset_sync",
                user=sync.requested_by,
                job=f"asset_sync:{sync.pk}",
            )
            _Runner(sync, client, claim).run()
    except jobs.LostClaim:
        return None
    except RetryLater as exc:
        # The governor asks for a wait: the budget is in use, nothing failed.
        _pause(sync, claim, exc.seconds, _problem(exc, job=True), failure=False)
    except GovernorUnavailable as exc:
        message = f"{_problem(exc, job=True)} The sync goes on by itself when it is back."
        _pause(sync, claim, TRANSIENT_RETRY_SECONDS, message, failure=False)
    except MarketoError as exc:
        if exc.retryable:
            _pause(sync, claim, TRANSIENT_RETRY_SECONDS, _problem(exc, job=True), failure=True)
        else:
            _fail(sync, claim, _explain(exc), code=exc.code)
    except CallNotMade as exc:
        _fail(sync, claim, _problem(exc), code="setup")
    sync.refresh_from_db()
    return sync


def _pause(sync, claim, seconds: float, message: str, *, failure: bool) -> None:
    sync.refresh_from_db(fields=["failures_in_a_row"])
    if failure and sync.failures_in_a_row + 1 >= MAX_FAILED_PAUSES:
        _fail(sync, claim, f"Marketo kept failing: {message}", code="transient")
        return
    jobs.job_pause(AssetSync, sync.pk, claim, seconds=seconds, message=message, failure=failure)


def _problem(exc, *, job: bool = False) -> str:
    return call_problem_message(exc, needs=marketo_assets.READ_PERMISSIONS, job=job)


def _explain(exc: MarketoError) -> str:
    """Why the sync stopped, for a person: it does not go on by itself."""
    if isinstance(exc, QuotaExhausted):
        return f"{_problem(exc, job=True)} The sync resumes from where it stopped when run again."
    if isinstance(exc, AccessDenied):
        return f"{_problem(exc)} Then sync again."
    return _problem(exc)


def _fail(sync, claim, message: str, *, code: str = "") -> None:
    with transaction.atomic():
        updated = jobs.job_finish(
            AssetSync,
            sync.pk,
            claim,
            status=AssetSync.Status.FAILED,
            error=message,
            error_code=code or "",
        )
        if updated:
            audit_record(
                action="assets.sync_failed",
                actor=sync.requested_by,
                instance=sync.instance,
                target_type="asset_sync",
                target_id=sync.pk,
                details={"mode": sync.mode, "code": code, "error": message[:500]},
            )


class _Runner:
    def __init__(self, sync: AssetSync, client, claim: str) -> None:
        self.sync = sync
        self.client = client
        self.claim = claim
        self.instance = sync.instance
        self.progress = {step: dict(sync.progress.get(step) or {}) for step in STEPS}
        for step in STEPS:
            self.progress[step].setdefault("state", "waiting")
            for counter in ("pages", "rows", "calls"):
                self.progress[step].setdefault(counter, 0)
        self.checkpoint = dict(sync.checkpoint or {})
        self.calls = sync.calls
        self.folders: dict | None = None

    def run(self) -> None:
        for step in STEPS:
            if self.progress[step]["state"] == "done":
                continue
            if step == FOLDERS:
                self._browse(step, marketo_assets.FOLDERS_PATH, self._folder_params())
                folder_parents_link(self.instance)
            elif step == TOKENS:
                self._tokens()
            else:
                self._browse(step, marketo_assets.BROWSE_PATHS[step], self._asset_params(step))
        self._finish()

    # --- steps ------------------------------------------------------------------------
    def _folder_params(self) -> dict:
        return {"maxDepth": marketo_assets.FOLDER_MAX_DEPTH}

    def _asset_params(self, step) -> dict:
        if (
            self.sync.mode == AssetSync.Mode.INCREMENTAL
            and self.sync.updated_since
            and step in marketo_assets.UPDATED_SINCE_TYPES
        ):
            return {
                "earliestUpdatedAt": marketo_assets.updated_since_param(self.sync.updated_since)
            }
        return {}

    def _browse(self, step: str, path: str, params: dict) -> None:
        start = self.checkpoint.get("offset", 0) if self.checkpoint.get("step") == step else 0
        self.progress[step]["state"] = "running"
        self._save(step=step, offset=start)
        if step != FOLDERS and self.folders is None:
            self.folders = folder_map(self.instance)
        for page in marketo_assets.browse_pages(self.client, path, params, start=start):
            self.calls += 1
            state = self.progress[step]
            state["calls"] += 1
            with transaction.atomic():
                if page.rows:
                    state["pages"] += 1
                    if step == FOLDERS:
                        state["rows"] += folders_upsert(
                            self.instance, page.rows, sync_id=self.sync.pk
                        )
                    else:
                        state["rows"] += assets_upsert(
                            self.instance,
                            step,
                            page.rows,
                            folders=self.folders,
                            sync_id=self.sync.pk,
                        )
                if page.last:
                    state["state"] = "done"
                    # Whether this step saw every row: only then may a full pass delete.
                    state["seen_all"] = page.end
                next_offset = page.offset + marketo_assets.MAX_RETURN
                self._save(step=step, offset=next_offset, stored=True)

    def _tokens(self) -> None:
        """My Tokens of every program that changed since its tokens were read (tokens.md):
        one call per such program, none for the others."""
        step = TOKENS
        self.progress[step]["state"] = "running"
        self._save(step=step, offset=0)
        due = (
            MirroredAsset.objects.filter(instance=self.instance, asset_type="program")
            .filter(Q(tokens_synced_at__isnull=True) | Q(tokens_synced_at__lt=F("updated_at")))
            .values_list("pk", "marketo_id")
        )
        for pk, marketo_id in list(due):
            tokens = marketo_assets.folder_tokens(self.client, marketo_id, folder_type="Program")
            self.calls += 1
            state = self.progress[step]
            state["calls"] += 1
            state["pages"] += 1
            state["rows"] += len(tokens)
            with transaction.atomic():
                MirroredAsset.objects.filter(pk=pk).update(
                    tokens=tokens, tokens_synced_at=timezone.now()
                )
                self._save(step=step, offset=0, stored=True)
        self.progress[step]["state"] = "done"
        self._save(step=step, offset=0)

    def _finish(self) -> None:
        deleted = 0
        with transaction.atomic():
            if self.sync.mode == AssetSync.Mode.FULL:
                deleted = self._delete_unseen()
            updated = jobs.job_finish(
                AssetSync,
                self.sync.pk,
                self.claim,
                status=AssetSync.Status.SUCCEEDED,
                progress=self.progress,
                checkpoint={},
                calls=self.calls,
                deleted=deleted,
                error="",
            )
            if not updated:
                raise jobs.LostClaim
            audit_record(
                action="assets.sync",
                actor=self.sync.requested_by,
                instance=self.instance,
                target_type="asset_sync",
                target_id=self.sync.pk,
                details={
                    "mode": self.sync.mode,
                    "calls": self.calls,
                    "rows": sum(step["rows"] for step in self.progress.values()),
                    "deleted": deleted,
                },
            )

    def _delete_unseen(self) -> int:
        """Rows this full pass did not see, of the steps whose browse saw every row."""
        complete = [step for step in STEPS if self.progress[step].get("seen_all")]
        stale_assets = MirroredAsset.objects.filter(
            instance=self.instance, asset_type__in=[s for s in complete if s != FOLDERS]
        ).exclude(seen_sync_id=self.sync.pk)
        deleted = stale_assets.count()
        stale_assets.delete()
        if FOLDERS in complete:
            stale_folders = MirroredFolder.objects.filter(instance=self.instance).exclude(
                seen_sync_id=self.sync.pk
            )
            deleted += stale_folders.count()
            stale_folders.delete()
        incomplete = [s for s in STEPS if s != TOKENS and s not in complete]
        if incomplete:
            log.warning(
                "asset sync %s: no documented end for %s; kept the rows it did not see",
                self.sync.pk,
                ", ".join(incomplete),
            )
        return deleted

    def _save(self, *, step: str, offset: int, stored: bool = False) -> None:
        """The checkpoint, with the heartbeat; LostClaim when another worker holds the sync.
        `stored`: a page was stored, so the failures before it no longer count."""
        self.checkpoint = {"step": step, "offset": offset}
        jobs.job_touch(
            AssetSync,
            self.sync.pk,
            self.claim,
            progress=self.progress,
            checkpoint=self.checkpoint,
            calls=self.calls,
            **({"failures_in_a_row": 0} if stored else {}),
        )

"""Long jobs that recover by themselves: one mechanism for every job a worker runs for
minutes (lead lookups, asset syncs, usage syncs, and any job added later).

A job is a row of a model built on `TrackedJob`, in one of three live states:

- queued:  a task message is (or should be) on its way; `heartbeat_at` says since when, and
           is empty when the message could not be sent (the broker was down).
- running: a worker claimed it with a conditional UPDATE that wrote a new `claim` token, and
           touches `heartbeat_at` while it works (`keep_alive`, and each write of progress).
- paused:  it cannot go on now (Marketo failing, the governor unreachable, the quota spent);
           `resume_at` says when to try again. A short wait also gets a delayed task
           message; a long one, or one whose message could not be sent, does not need it.

The sweeper (`jobs_sweep`, a beat task every JOB_SWEEP_SECONDS) hands a job to a new task when
its worker is gone (running, heartbeat older than JOB_STALE_SECONDS), when its message was
lost (queued that long: the broker was down, or restarted empty), or when its time to resume
has passed (paused). Each hand-over is one conditional UPDATE, so two sweepers never hand
out the same job twice, and a task whose job is not claimable (running elsewhere, finished,
cancelled) does nothing. That makes every delivery of a job's message safe to run.
"""

import logging
import threading
import uuid
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, ClassVar

from django.apps import apps
from django.conf import settings
from django.db import connection, models
from django.db.models import Case, DateTimeField, ExpressionWrapper, F, Q, When
from django.db.models.functions import Now
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

QUEUED, RUNNING, PAUSED, FAILED = "queued", "running", "paused", "failed"
# A paused job gets a delayed task message only for waits up to this long. The Redis broker
# hands a message that is not acknowledged within its visibility_timeout to another worker,
# and a worker holding a delayed message has not acknowledged it, so longer waits are left to
# the sweeper, which resumes the job within JOB_SWEEP_SECONDS of its resume_at.
LONGEST_DELAYED_MESSAGE_SECONDS = 120
# A job that lost its worker this many times is failed rather than handed on again: it is
# more likely to be what kills its workers than their victim.
MAX_RECOVERIES = 20


class LostClaim(Exception):
    """Another worker holds this job now, or it was cancelled: stop writing."""


class TrackedJob(models.Model):
    """The columns of the recovery mechanism. A subclass has a `status` field whose choices
    include queued, running, paused and failed, a `finished_at` field, and says:

    - `job_task`: the dotted path of the Celery task that runs one job, given its id;
    - `job_message_field`: the text field that tells people what is happening;
    - `job_resume_action`, `job_target_type`: how the audit trail names a "Resume now" of it,
      and it (an `instance` field is expected too).
    """

    job_task: str = ""
    job_message_field: str = "message"
    # Its "Resume now" in the audit trail (apps.instances.jobs.job_resume).
    job_resume_action: str = ""
    job_target_type: str = ""
    # What every concrete job model has, declared for the type checker (no columns here).
    objects: ClassVar[models.Manager[Any]]  # Any: the lookups name the subclass's fields
    status: str
    instance: Any  # the MarketoInstance it works for

    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="When its worker last said it is alive (or it queued)."
    )
    # A new token per claim, so that a worker that lost the job cannot write on.
    claim = models.CharField(max_length=32, blank=True)
    resume_at = models.DateTimeField(
        null=True, blank=True, help_text="When a paused job goes on by itself."
    )
    failures_in_a_row = models.PositiveIntegerField(
        default=0, help_text="Pauses after a failure since the job last made progress."
    )
    recoveries = models.PositiveIntegerField(
        default=0, help_text="Times the sweeper handed it on because its worker was gone."
    )

    class Meta:
        abstract = True

    @property
    def is_paused(self) -> bool:
        return self.status == PAUSED


def tracked_job_models() -> list[type[TrackedJob]]:
    return [model for model in apps.get_models() if issubclass(model, TrackedJob)]


def _seconds_ago(seconds: float):
    # The database's clock, not this machine's: web, workers and beat may run on several.
    return ExpressionWrapper(Now() - timedelta(seconds=seconds), output_field=DateTimeField())


def _seconds_ahead(seconds: float):
    return ExpressionWrapper(Now() + timedelta(seconds=seconds), output_field=DateTimeField())


def queued_fields() -> dict:
    """What a job that is (re)queued now gets, whatever it was before."""
    return {"status": QUEUED, "claim": "", "heartbeat_at": Now(), "resume_at": None}


# --- the worker's side -----------------------------------------------------------------


def job_claim(model: type[TrackedJob], pk: int, **also) -> str | None:
    """Take the job for this task: the new claim token, or None when it is not ours to run
    (running elsewhere with a live heartbeat, finished, cancelled)."""
    token = uuid.uuid4().hex
    dead = Q(status=RUNNING) & (
        Q(heartbeat_at__lt=_seconds_ago(settings.JOB_STALE_SECONDS)) | Q(heartbeat_at=None)
    )
    claimed = (
        model.objects.filter(pk=pk)
        .filter(Q(status__in=[QUEUED, PAUSED]) | dead)
        .update(status=RUNNING, claim=token, heartbeat_at=Now(), resume_at=None, **also)
    )
    return token if claimed else None


def job_touch(model: type[TrackedJob], pk: int, claim: str, **changes) -> None:
    """Record progress (and that the worker is alive); LostClaim if the job is not ours."""
    updated = model.objects.filter(pk=pk, claim=claim, status=RUNNING).update(
        heartbeat_at=Now(), **changes
    )
    if not updated:
        raise LostClaim


def job_pause(
    model: type[TrackedJob],
    pk: int,
    claim: str,
    *,
    seconds: float,
    message: str,
    failure: bool,
    **changes,
) -> bool:
    """Stop for now and go on after `seconds`: by a delayed message for a short wait, and in
    any case by the sweeper once resume_at has passed (so a message that could not be sent,
    or was lost, strands nothing). `failure` counts the pause towards giving up."""
    seconds = max(1.0, float(seconds))
    if failure:
        changes["failures_in_a_row"] = F("failures_in_a_row") + 1
    paused = model.objects.filter(pk=pk, claim=claim, status=RUNNING).update(
        status=PAUSED,
        claim="",
        resume_at=_seconds_ahead(seconds),
        heartbeat_at=Now(),
        **{model.job_message_field: message},
        **changes,
    )
    if paused and seconds <= LONGEST_DELAYED_MESSAGE_SECONDS:
        job_publish(model, pk, countdown=seconds)
    return bool(paused)


def job_finish(model: type[TrackedJob], pk: int, claim: str, *, status: str, **changes) -> bool:
    """The job ended (done, failed ...): only its current holder may say so."""
    return bool(
        model.objects.filter(pk=pk, claim=claim, status=RUNNING).update(
            status=status, claim="", finished_at=Now(), heartbeat_at=Now(), **changes
        )
    )


@contextmanager
def keep_alive(model: type[TrackedJob], pk: int, claim: str):
    """While the block runs, touch the job's heartbeat every JOB_HEARTBEAT_SECONDS from a
    thread, so that a call that takes long (a slow answer, retries with back-off) is not taken
    for a dead worker. A killed process takes the thread with it: the heartbeat then ages."""
    stop = threading.Event()
    thread = threading.Thread(
        target=_beat, args=(model, pk, claim, stop), name=f"job-heartbeat-{pk}", daemon=True
    )
    # Inside a transaction (a caller's, a test's) the thread's own connection could not see
    # the claim, or would wait for its lock: the job's own writes are then its heartbeat.
    if not connection.in_atomic_block:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        if thread.is_alive():
            thread.join(timeout=5)


def _beat(model, pk, claim, stop) -> None:
    try:
        while not stop.wait(settings.JOB_HEARTBEAT_SECONDS):
            try:
                held = model.objects.filter(pk=pk, claim=claim, status=RUNNING).update(
                    heartbeat_at=Now()
                )
            except Exception:
                # The database is unreachable: the job's own next write will fail as well.
                logger.warning("could not touch the heartbeat of %s %s", model._meta.label, pk)
                continue
            if not held:
                return  # cancelled or handed on: the job finds out at its next write
    finally:
        connection.close()  # the thread's own connection


# --- publishing ------------------------------------------------------------------------


def job_publish(model: type[TrackedJob], pk: int, *, countdown: float | None = None) -> bool:
    """Send the job's task message. If the broker cannot take it (Redis down), say so in the
    log and leave the job to the sweeper: it stays queued, or paused with its resume_at, and
    is handed on once the broker is back. Never raises."""
    task = import_string(model.job_task)
    if countdown and task.app.conf.task_always_eager:
        return False  # run in-process, a delayed message would run at once, again and again
    try:
        task.apply_async(args=[pk], countdown=countdown)
    except Exception as exc:
        logger.warning(
            "could not queue %s %s (%s: %s); the job sweeper will queue it again",
            model._meta.label,
            pk,
            type(exc).__name__,
            exc,
        )
        _message_lost(model, pk)
        return False
    return True


def _message_lost(model, pk) -> None:
    """A queued job without a message: the next sweep sends one at once, instead of waiting
    for the job to look stale. (A paused one is due at its resume_at anyway.)"""
    try:
        model.objects.filter(pk=pk, status=QUEUED).update(heartbeat_at=None)
    except Exception:
        logger.warning("could not mark %s %s for the sweeper", model._meta.label, pk)


# --- the sweeper -----------------------------------------------------------------------


def _needs_hand_over() -> Q:
    """Jobs whose worker is gone, whose message is lost, or whose time to resume passed.
    The same condition is re-checked by the UPDATE that claims each of them."""
    stale = _seconds_ago(settings.JOB_STALE_SECONDS)
    quiet = Q(heartbeat_at__lt=stale) | Q(heartbeat_at=None)
    return (
        (Q(status__in=[RUNNING, QUEUED]) & quiet)
        | Q(status=PAUSED, resume_at__lte=Now())
        | Q(status=PAUSED, resume_at=None)
    )


def jobs_sweep() -> dict[str, int]:
    """Hand every job that needs it to a new task. Returns how many per model."""
    handed = {}
    for model in tracked_job_models():
        count = 0
        for pk in list(model.objects.filter(_needs_hand_over()).values_list("pk", flat=True)):
            if _hand_over(model, pk):
                count += 1
        if count:
            handed[model._meta.label] = count
    return handed


def _hand_over(model: type[TrackedJob], pk: int) -> bool:
    job = model.objects.filter(pk=pk)
    dead = Q(status=RUNNING)  # with _needs_hand_over(): its worker is gone
    if job.filter(_needs_hand_over(), dead, recoveries__gte=MAX_RECOVERIES).update(
        status=FAILED,
        claim="",
        finished_at=Now(),
        **{
            model.job_message_field: (
                f"Stopped: its worker was lost {MAX_RECOVERIES} times while running it. "
                "Check the workers' logs (memory, crashes), then start it again."
            )
        },
    ):
        logger.error("%s %s failed after %s recoveries", model._meta.label, pk, MAX_RECOVERIES)
        return False
    # The claim: of two sweepers that both saw the job, only the first UPDATE matches, because
    # it refreshes the heartbeat (or the state) that the second one's condition needs.
    taken = job.filter(_needs_hand_over()).update(
        recoveries=Case(
            When(dead, then=F("recoveries") + 1),
            default=F("recoveries"),
            output_field=models.PositiveIntegerField(),
        ),
        **queued_fields(),
    )
    if not taken:
        return False
    logger.info("handing %s %s to a new task", model._meta.label, pk)
    job_publish(model, pk)
    return True


def jobs_release_interrupted() -> dict[str, int]:
    """Queue again, at once, every job marked running. Only for a start when no worker runs
    (the embedded default's single worker, `run_embedded`): such a job was cut off when the
    last worker stopped, and its claim would turn away the message it handed back, until
    the sweeper found its heartbeat stale."""
    released = {}
    for model in tracked_job_models():
        count = 0
        for pk in list(model.objects.filter(status=RUNNING).values_list("pk", flat=True)):
            if model.objects.filter(pk=pk, status=RUNNING).update(**queued_fields()):
                job_publish(model, pk)
                count += 1
        if count:
            released[model._meta.label] = count
    return released


def job_resume_now(job: TrackedJob) -> bool:
    """A person's "Resume now": a paused job is queued at once. False if it was not paused."""
    model = type(job)
    resumed = model.objects.filter(pk=job.pk, status=PAUSED).update(**queued_fields())
    if resumed:
        job_publish(model, job.pk)
    return bool(resumed)

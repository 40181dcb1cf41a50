"""Long jobs recover by themselves (apps.core.jobs): the heartbeat, the claim, the sweeper."""

import json
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from kombu.exceptions import OperationalError

from apps.assets.models import AssetSync
from apps.core import jobs
from apps.core.permissions import Role
from apps.leads.models import LeadLookup
from apps.leads.tasks import lead_lookup_run_task
from apps.usage.models import UsageSync
from tests.core.test_settings import PRODUCTION_ENV, _manage
from tests.factories import UserFactory, make_instance


@pytest.fixture
def owner(db):
    return UserFactory(username="olga", role=Role.OPERATOR)


@pytest.fixture
def instance(db):
    return make_instance("Jobs")


def _lookup(instance, owner, *, status, heartbeat_ago=None, resume_in=None, **fields):
    now = timezone.now()
    return LeadLookup.objects.create(
        instance=instance,
        user=owner,
        field="email",
        status=status,
        heartbeat_at=None if heartbeat_ago is None else now - timedelta(seconds=heartbeat_ago),
        resume_at=None if resume_in is None else now + timedelta(seconds=resume_in),
        **fields,
    )


def test_every_long_job_is_one_of_the_tracked_models():
    models = set(jobs.tracked_job_models())
    assert {LeadLookup, AssetSync, UsageSync} <= models
    for model in models:
        states = set(model.Status.values)
        assert {jobs.QUEUED, jobs.RUNNING, jobs.PAUSED, jobs.FAILED} <= states, model
        assert callable(jobs.import_string(model.job_task).apply_async)
        model._meta.get_field(model.job_message_field)
        model._meta.get_field("finished_at")


def test_a_running_job_whose_worker_is_gone_is_handed_to_a_new_task(instance, owner, job_messages):
    dead = _lookup(instance, owner, status="running", heartbeat_ago=120, claim="old-worker")
    assert jobs.jobs_sweep() == {"leads.LeadLookup": 1}
    dead.refresh_from_db()
    assert (dead.status, dead.claim, dead.recoveries) == ("queued", "", 1)
    assert (timezone.now() - dead.heartbeat_at).total_seconds() < 5
    assert job_messages == [("leads.LeadLookup", dead.pk, None)]
    # The old worker, should it wake up, holds nothing any more.
    with pytest.raises(jobs.LostClaim):
        jobs.job_touch(LeadLookup, dead.pk, "old-worker", done_values=1)


def test_a_job_with_a_live_heartbeat_or_not_yet_due_is_left_alone(instance, owner, job_messages):
    _lookup(instance, owner, status="running", heartbeat_ago=10)
    _lookup(instance, owner, status="queued", heartbeat_ago=10)
    _lookup(instance, owner, status="paused", heartbeat_ago=600, resume_in=30)
    _lookup(instance, owner, status="done", heartbeat_ago=600)
    _lookup(instance, owner, status="draft")
    assert jobs.jobs_sweep() == {}
    assert job_messages == []


def test_a_queued_job_whose_message_was_lost_is_queued_again(instance, owner, job_messages):
    # Redis restarted empty, or the broker was down when the job was started.
    lost = _lookup(instance, owner, status="queued", heartbeat_ago=settings.JOB_STALE_SECONDS + 5)
    assert jobs.jobs_sweep() == {"leads.LeadLookup": 1}
    lost.refresh_from_db()
    assert (lost.status, lost.recoveries) == ("queued", 0)  # its worker was not lost
    assert job_messages == [("leads.LeadLookup", lost.pk, None)]


def test_a_paused_job_goes_on_by_itself_once_its_time_has_passed(instance, owner, job_messages):
    due = _lookup(instance, owner, status="paused", heartbeat_ago=60, resume_in=-1)
    # Paused before resume_at existed (an upgrade): treated as due.
    legacy = _lookup(instance, owner, status="paused", heartbeat_ago=60)
    assert jobs.jobs_sweep() == {"leads.LeadLookup": 2}
    assert {pk for _, pk, _ in job_messages} == {due.pk, legacy.pk}
    due.refresh_from_db()
    assert (due.status, due.resume_at) == ("queued", None)


def test_a_second_delivery_does_nothing_while_the_job_runs_and_takes_it_over_once_dead(
    instance, owner
):
    job = _lookup(instance, owner, status="queued", heartbeat_ago=0)
    first = jobs.job_claim(LeadLookup, job.pk)
    assert first
    assert jobs.job_claim(LeadLookup, job.pk) is None
    LeadLookup.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS + 5)
    )
    second = jobs.job_claim(LeadLookup, job.pk)
    assert second and second != first
    with pytest.raises(jobs.LostClaim):
        jobs.job_touch(LeadLookup, job.pk, first)


def test_a_retry_that_cannot_be_published_leaves_the_job_paused_for_the_sweeper(
    instance, owner, monkeypatch, caplog
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(lead_lookup_run_task, "apply_async", broker_down)
    job = _lookup(instance, owner, status="queued", heartbeat_ago=0)
    claim = jobs.job_claim(LeadLookup, job.pk)
    paused = jobs.job_pause(
        LeadLookup, job.pk, claim, seconds=30, message="Marketo is failing.", failure=True
    )
    assert paused
    job.refresh_from_db()
    assert (job.status, job.message, job.failures_in_a_row) == ("paused", "Marketo is failing.", 1)
    assert 25 < (job.resume_at - timezone.now()).total_seconds() <= 30
    assert "could not queue leads.LeadLookup" in caplog.text
    assert "the job sweeper will queue it again" in caplog.text

    # Its time passes; the broker is back; the sweeper resumes it.
    LeadLookup.objects.filter(pk=job.pk).update(resume_at=timezone.now() - timedelta(seconds=1))
    sent = []
    monkeypatch.setattr(lead_lookup_run_task, "apply_async", lambda **kw: sent.append(kw))
    assert jobs.jobs_sweep() == {"leads.LeadLookup": 1}
    assert sent == [{"args": [job.pk], "countdown": None}]


def test_a_job_queued_while_the_broker_was_down_is_sent_at_the_next_sweep(
    instance, owner, monkeypatch
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(lead_lookup_run_task, "apply_async", broker_down)
    job = _lookup(instance, owner, status="queued", heartbeat_ago=0)
    assert not jobs.job_publish(LeadLookup, job.pk)
    sent = []
    monkeypatch.setattr(lead_lookup_run_task, "apply_async", lambda **kw: sent.append(kw))
    # Not JOB_STALE_SECONDS later: the first sweep once the broker is back.
    assert jobs.jobs_sweep() == {"leads.LeadLookup": 1}
    assert sent == [{"args": [job.pk], "countdown": None}]


def test_a_long_pause_sends_no_delayed_message_and_is_left_to_the_sweeper(
    instance, owner, job_messages
):
    # A message held back for hours would outlive the broker's visibility_timeout.
    job = _lookup(instance, owner, status="queued", heartbeat_ago=0)
    claim = jobs.job_claim(LeadLookup, job.pk)
    jobs.job_pause(LeadLookup, job.pk, claim, seconds=6 * 3600, message="Quota.", failure=True)
    assert job_messages == []
    job.refresh_from_db()
    assert job.status == "paused" and job.resume_at > timezone.now() + timedelta(hours=5)


def test_a_job_that_keeps_losing_its_workers_fails_with_the_reason(instance, owner, job_messages):
    job = _lookup(
        instance, owner, status="running", heartbeat_ago=600, recoveries=jobs.MAX_RECOVERIES
    )
    assert jobs.jobs_sweep() == {}
    job.refresh_from_db()
    assert job.status == "failed" and job.finished_at is not None
    assert f"its worker was lost {jobs.MAX_RECOVERIES} times" in job.message
    assert job_messages == []


def test_resume_now_queues_a_paused_job_at_once_and_nothing_else(instance, owner, job_messages):
    paused = _lookup(instance, owner, status="paused", heartbeat_ago=5, resume_in=3600)
    running = _lookup(instance, owner, status="running", heartbeat_ago=5)
    assert jobs.job_resume_now(paused)
    assert not jobs.job_resume_now(running)
    paused.refresh_from_db()
    assert (paused.status, paused.resume_at) == ("queued", None)
    assert job_messages == [("leads.LeadLookup", paused.pk, None)]


@pytest.mark.django_db(transaction=True)
def test_two_sweepers_racing_hand_each_job_over_exactly_once(monkeypatch):
    owner = UserFactory(username="olga")
    instance = make_instance("Jobs")
    dead = [_lookup(instance, owner, status="running", heartbeat_ago=600).pk for _ in range(20)] + [
        _lookup(instance, owner, status="paused", resume_in=-5).pk for _ in range(10)
    ]
    sent, lock = [], threading.Lock()

    def record(model, pk, *, countdown=None):
        with lock:
            sent.append(pk)
        return True

    monkeypatch.setattr(jobs, "job_publish", record)
    # Both sweepers have read the same candidates before either claims one.
    both_looked = threading.Barrier(2, timeout=10)
    hand_over = jobs._hand_over
    looked = threading.local()

    def after_both_looked(model, pk):
        if not getattr(looked, "done", False):
            looked.done = True
            both_looked.wait()
        return hand_over(model, pk)

    monkeypatch.setattr(jobs, "_hand_over", after_both_looked)
    results, errors = [], []

    def sweeper():
        try:
            results.append(jobs.jobs_sweep())
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(sent) == sorted(dead)  # each job once, none twice
    assert sum(result.get("leads.LeadLookup", 0) for result in results) == len(dead)
    running = LeadLookup.objects.filter(pk__in=dead[:20])
    assert {job.recoveries for job in running} == {1}


@pytest.mark.django_db(transaction=True)
def test_a_slow_job_keeps_its_heartbeat_fresh_and_stops_when_it_loses_the_claim(settings):
    settings.JOB_HEARTBEAT_SECONDS = 0.2
    owner = UserFactory(username="olga")
    job = _lookup(make_instance("Jobs"), owner, status="queued", heartbeat_ago=0)
    claim = jobs.job_claim(LeadLookup, job.pk)
    LeadLookup.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    with jobs.keep_alive(LeadLookup, job.pk, claim):
        time.sleep(1)  # a slow call to Marketo
        job.refresh_from_db()
        assert (timezone.now() - job.heartbeat_at).total_seconds() < 1
        # Cancelled meanwhile: the thread stops touching it.
        LeadLookup.objects.filter(pk=job.pk).update(status="cancelled", claim="")
        cancelled_at = timezone.now() - timedelta(hours=1)
        LeadLookup.objects.filter(pk=job.pk).update(heartbeat_at=cancelled_at)
        time.sleep(0.6)
    job.refresh_from_db()
    assert job.heartbeat_at == cancelled_at


def test_the_brokers_visibility_timeout_is_what_the_sweeper_makes_safe():
    code = (
        "import json; from django.conf import settings as s; print(json.dumps(["
        "s.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'], s.JOB_HEARTBEAT_SECONDS,"
        "s.JOB_STALE_SECONDS, s.JOB_SWEEP_SECONDS, s.CELERY_BEAT_SCHEDULE['sweep-jobs']]))"
    )
    result = _manage("shell", "-c", code, env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    visibility, heartbeat, stale, sweep, schedule = json.loads(result.stdout.splitlines()[-1])
    assert schedule == {"task": "core.jobs_sweep", "schedule": sweep}
    assert 30 <= sweep <= 60 and 60 <= stale <= 120
    assert stale >= 3 * heartbeat  # a live job is never taken for dead
    assert stale + sweep <= 120  # a killed worker's job goes on within 2 minutes
    # Redelivery is only the backup now: minutes, not hours, yet longer than any delayed
    # message a paused job is given (a worker holds that one unacknowledged until it is due).
    assert jobs.LONGEST_DELAYED_MESSAGE_SECONDS < visibility <= 15 * 60

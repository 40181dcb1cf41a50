"""What people do to a job of an instance, whatever the job: the one "Resume now"."""

from typing import TypeVar

from apps.audit.context import AuditContext
from apps.audit.services import audit_record
from apps.core import jobs
from apps.core.jobs import TrackedJob

Job = TypeVar("Job", bound=TrackedJob)


def job_resume(job: Job, *, actor, audit: AuditContext) -> Job:
    """A person's "Resume now": a paused job is queued at once instead of at its retry time,
    and the audit trail says who (`job_resume_action` of the job's model). A job that was
    not paused is left as it is. Returns the job as it is now."""
    if jobs.job_resume_now(job):
        audit_record(
            action=job.job_resume_action,
            actor=actor,
            audit=audit,
            instance=job.instance,
            target_type=job.job_target_type,
            target_id=job.pk,
        )
    job.refresh_from_db()
    return job

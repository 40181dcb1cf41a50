from celery import Task, shared_task

from apps.instances.services import connection_test_run
from apps.marketo.errors import RetryLater

# A background task waits for the governor at most this many times before giving up.
MAX_GOVERNOR_RETRIES = 50


class GovernedTask(Task):
    """A task that calls Marketo: when the governor asks for a long wait, the task is
    retried after that wait instead of holding a worker thread (tasks are idempotent)."""

    abstract = True
    acks_late = True

    def __call__(self, *args, **kwargs):
        try:
            return super().__call__(*args, **kwargs)
        except RetryLater as exc:
            raise self.retry(
                exc=exc, countdown=exc.seconds, max_retries=MAX_GOVERNOR_RETRIES
            ) from exc


@shared_task(name="instances.connection_test_run", base=GovernedTask)
def connection_test_run_task(test_id: int) -> None:
    connection_test_run(test_id=test_id)

from celery import shared_task

from apps.instances.services import connection_test_run


@shared_task(name="instances.connection_test_run", acks_late=True)
def connection_test_run_task(test_id: int) -> None:
    connection_test_run(test_id=test_id)

from celery import shared_task

from apps.usage.ledger import ledger_prune, ledger_roll_up


@shared_task(name="usage.ledger_roll_up")
def ledger_roll_up_task() -> None:
    ledger_roll_up()
    ledger_prune()

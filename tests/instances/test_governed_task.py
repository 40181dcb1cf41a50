from celery import shared_task

from apps.instances.tasks import GovernedTask
from apps.marketo.client import RetryLater


@shared_task(name="tests.governed_probe", base=GovernedTask)
def governed_probe():
    raise RetryLater(12.5, "window")


def test_a_long_governor_wait_becomes_a_retry_with_that_countdown(monkeypatch):
    asked = {}

    def fake_retry(self, exc=None, countdown=None, max_retries=None, **kwargs):
        asked.update(countdown=countdown, reason=exc.reason)
        return RuntimeError("retry scheduled")

    monkeypatch.setattr(GovernedTask, "retry", fake_retry)
    result = governed_probe.apply()
    assert asked == {"countdown": 12.5, "reason": "window"}
    assert result.failed()  # (the fake retry raised instead of scheduling)

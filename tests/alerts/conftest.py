from datetime import timedelta

import pytest

from apps.alerts.models import Alert, AlertEvent
from apps.usage.days import day_start, today
from tests.alerts.receiver import Receiver
from tests.factories import make_instance


@pytest.fixture
def instance(db):
    return make_instance("Production")  # 50,000 calls a day


@pytest.fixture
def noon():
    """Noon of today's quota day, US Central: a pace to forecast from, whatever the hour."""
    return day_start(today()) + timedelta(hours=12)


def alerts_of(kind, instance=None):
    return list(Alert.objects.filter(kind=kind, instance=instance).order_by("pk"))


def events_of(alert):
    return list(AlertEvent.objects.filter(alert=alert).values_list("kind", flat=True))


@pytest.fixture
def receiver():
    started = Receiver().start()
    yield started
    started.stop()


@pytest.fixture
def queued(monkeypatch):
    """The delivery ids handed to workers, recorded instead of sent (with their arguments)."""
    from apps.alerts import tasks

    calls = []
    monkeypatch.setattr(
        tasks.deliver_task, "delay", lambda *args, **kwargs: calls.append((args, kwargs))
    )
    return calls

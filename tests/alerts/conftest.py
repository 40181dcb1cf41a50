from datetime import timedelta

import pytest

from apps.alerts.models import Alert, AlertEvent
from apps.usage.days import day_start, today
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

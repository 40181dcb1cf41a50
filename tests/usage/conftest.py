import pytest
import redis
from django.conf import settings

from apps.instances.models import MarketoInstance
from tests.factories import make_instance


@pytest.fixture(autouse=True)
def _fresh_governor():
    """The shared governor keeps daily counters in Redis: start every test at zero."""
    if settings.REDIS_URL:
        redis.Redis.from_url(settings.REDIS_URL).flushdb()
    else:
        from apps.instances.client import shared_governor

        shared_governor.cache_clear()
    yield


@pytest.fixture
def sandbox_instance(db, sandbox):
    instance = make_instance(
        "Sandbox",
        client_id=sandbox.client_id,
        secret=sandbox.client_secret,
        rest_url=sandbox.rest_url,
        identity_url=sandbox.identity_url,
    )
    MarketoInstance.objects.filter(pk=instance.pk).update(api_user="api@sandbox.example")
    instance.refresh_from_db()
    return instance

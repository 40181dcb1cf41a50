import pytest

from apps.instances.models import MarketoInstance
from tests.factories import make_instance


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

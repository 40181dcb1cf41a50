import pytest

from apps.instances.models import MarketoInstance
from tests.factories import make_sandbox_instance


@pytest.fixture
def sandbox_instance(db, sandbox):
    instance = make_sandbox_instance(sandbox)
    MarketoInstance.objects.filter(pk=instance.pk).update(api_user="api@sandbox.example")
    instance.refresh_from_db()
    return instance

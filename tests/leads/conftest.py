import pytest

from apps.audit.context import AuditContext
from apps.core.permissions import Role
from apps.instances.services import grant_set
from tests.factories import UserFactory, make_sandbox_instance


def sandbox_emails(sandbox, count, *, start=0):
    """Emails of seeded sandbox leads (the seed is random but fixed)."""
    store = sandbox.instance.leads
    return [store.render(position, ["email"])["email"] for position in range(start, start + count)]


def missing_emails(count):
    return [f"nobody.{n}@nowhere.example" for n in range(count)]


def sandbox_instance_for(sandbox, *users, name="Sandbox", **fields):
    instance = make_sandbox_instance(sandbox, name, **fields)
    for user in users:
        grant_set(
            instance=instance, user=user, role="operator", actor=None, audit=AuditContext.system()
        )
    return instance


@pytest.fixture
def otto(db):
    return UserFactory(username="otto", role=Role.OPERATOR)


@pytest.fixture
def instance(sandbox, otto):
    return sandbox_instance_for(sandbox, otto)


def leads_calls(sandbox) -> int:
    by_endpoint = sandbox.stats().get("by_endpoint", {})
    return sum(count for path, count in by_endpoint.items() if path.endswith("/v1/leads.json"))

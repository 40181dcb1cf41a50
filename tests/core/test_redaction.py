"""The redaction set keeps the secrets that can still turn up in a log line, and no more."""

import logging
from collections import OrderedDict

import pytest

from apps.core import redaction
from apps.core.redaction import REDACTED, RedactingFilter, remember_secret
from apps.instances import vault
from apps.marketo.config import InstanceConfig
from apps.marketo.identity import AccessToken
from apps.marketo.token_broker import MemoryTokenStore, TokenBroker

HOUR = 3600


@pytest.fixture(autouse=True)
def empty_set(monkeypatch):
    """The set is the process's: each test here starts from none, and the others keep theirs."""
    monkeypatch.setattr(redaction, "_owners", OrderedDict())
    monkeypatch.setattr(redaction, "_known", ())


def logged(text: str) -> str:
    record = logging.LogRecord("probe", logging.WARNING, __file__, 1, "%s", (text,), None)
    RedactingFilter().filter(record)
    return record.getMessage()


class HourlyIdentity:
    """A new token at each identity call, living one hour on the broker's clock."""

    def __init__(self, clock):
        self.clock, self.issued = clock, []

    def __call__(self, config):
        self.issued.append(f"{config.instance_id}-token-{len(self.issued):06d}:sj")
        return AccessToken(self.issued[-1], HOUR, "api@corp.com", self.clock())


def test_it_keeps_each_instances_current_and_previous_token_after_a_thousand_rotations():
    now = [0.0]
    identity = HourlyIdentity(lambda: now[0])
    broker = TokenBroker(
        MemoryTokenStore(),
        fetch=identity,
        clock=lambda: now[0],
        remember_secret=redaction.remember_secret,  # as apps.instances.client wires it
    )
    configs = [
        InstanceConfig(
            instance_id=n,
            name=f"Instance {n}",
            rest_url="https://x/rest",
            identity_url="https://x/identity",
            client_id=f"client-{n}",
            # As each task does: the vault opens the secret, which remembers it.
            client_secret=vault.decrypt(vault.encrypt(f"client-secret-{n}")),
        )
        for n in range(3)
    ]
    tokens = {config.instance_id: [] for config in configs}
    for _ in range(1000):
        now[0] += HOUR  # the last token has expired: the next call fetches its successor
        for config in configs:
            for _call in range(3):
                value = broker.token(config).value
            tokens[config.instance_id].append(value)

    assert len(identity.issued) == 3000
    assert len(redaction._known) == 3 * (1 + 2)  # a client secret, the current and previous token
    for config in configs:
        current, previous, older = tokens[config.instance_id][:-4:-1]
        assert logged(f"Bearer {current}") == f"Bearer {REDACTED}"
        assert logged(f"Bearer {previous}") == f"Bearer {REDACTED}"
        assert logged(f"Bearer {older}") == f"Bearer {older}"  # forgotten
        assert logged(f"secret={config.client_secret}") == f"secret={REDACTED}"


def test_past_max_owners_the_least_recently_used_leave_first():
    remember_secret("kept-because-in-use")
    for n in range(redaction.MAX_OWNERS + 100):
        remember_secret(f"secret-number-{n:06d}")
        remember_secret("kept-because-in-use")  # handed out again, at each use

    assert len(redaction._known) == redaction.MAX_OWNERS
    assert logged("kept-because-in-use") == REDACTED
    assert logged("secret-number-000000") == "secret-number-000000"
    last = f"secret-number-{redaction.MAX_OWNERS + 99:06d}"
    assert logged(last) == REDACTED


def test_a_secret_containing_another_is_redacted_whole():
    remember_secret("abcdefgh")
    remember_secret("abcdefgh-and-more")
    assert logged("x abcdefgh-and-more y abcdefgh") == f"x {REDACTED} y {REDACTED}"

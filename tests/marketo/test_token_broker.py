import threading
import time

import pytest

from apps.marketo.config import InstanceConfig
from apps.marketo.identity import AccessToken
from apps.marketo.token_broker import MemoryTokenStore, TokenBroker, token_key

CONFIG = InstanceConfig(
    instance_id=7,
    name="X",
    rest_url="https://x/rest",
    identity_url="https://x/identity",
    client_id="cid",
    client_secret="a-secret-value",
)


class FakeIdentity:
    """Answers like Marketo: the same token until it expires, then a new one."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.calls = 0

    def __call__(self, config):
        self.calls += 1
        value, expires_in = self.answers.pop(0)
        return AccessToken(
            value=value, expires_in=expires_in, scope="api@corp.com", obtained_at=time.time()
        )


def test_the_token_is_fetched_once_and_shared():
    identity = FakeIdentity([("tok-1:ab", 3599)])
    broker = TokenBroker(MemoryTokenStore(), fetch=identity)
    assert {broker.token(CONFIG).value for _ in range(10)} == {"tok-1:ab"}
    assert identity.calls == 1


def test_concurrent_callers_wait_for_one_refresh():
    def slow_identity(config):
        slow_identity.calls += 1
        time.sleep(0.2)
        return AccessToken("tok-1:ab", 3599, "api@corp.com", time.time())

    slow_identity.calls = 0
    broker = TokenBroker(MemoryTokenStore(), fetch=slow_identity)
    values = []
    threads = [
        threading.Thread(target=lambda: values.append(broker.token(CONFIG).value))
        for _ in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert values == ["tok-1:ab"] * 20
    assert slow_identity.calls == 1


@pytest.mark.parametrize("expires_in", [0, 1])
def test_an_expiring_answer_is_waited_out_then_fetched_once(expires_in):
    identity = FakeIdentity([("old:ab", expires_in), ("new:ab", 3600)])
    slept = []
    broker = TokenBroker(MemoryTokenStore(), fetch=identity, sleep=slept.append)
    assert broker.token(CONFIG).value == "new:ab"
    assert identity.calls == 2
    assert slept == [expires_in + 1]


def test_only_the_token_that_failed_is_discarded():
    store = MemoryTokenStore()
    identity = FakeIdentity([("tok-1:ab", 3599), ("tok-2:ab", 3599)])
    broker = TokenBroker(store, fetch=identity)
    broker.token(CONFIG)
    broker.invalidate(CONFIG, "tok-1:ab")  # a 602 on tok-1
    assert broker.token(CONFIG).value == "tok-2:ab"
    broker.invalidate(CONFIG, "tok-1:ab")  # a late 602 from a call that still used tok-1
    assert store.get(token_key(CONFIG)).value == "tok-2:ab"
    assert identity.calls == 2


def test_a_new_client_id_gets_its_own_token():
    other = InstanceConfig(**{**CONFIG.__dict__, "client_id": "another"})
    assert token_key(CONFIG) != token_key(other)
    assert "{i7}" in token_key(CONFIG)  # one Redis Cluster slot per instance

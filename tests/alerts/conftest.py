import pytest

from tests.alerts.receiver import Receiver


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

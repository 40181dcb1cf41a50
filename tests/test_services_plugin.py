"""REQUIRE_SERVICES fails a run in which a test skipped (tests/plugins/services.py), but
not one in which a test failed as expected (xfail): that test ran."""

from types import SimpleNamespace

import pytest

from tests.plugins import services


@pytest.fixture
def skipped(monkeypatch):
    found: list[str] = []
    monkeypatch.setattr(services, "REQUIRED", True)
    monkeypatch.setattr(services, "_skipped", found)
    return found


def test_a_skipped_test_fails_the_run(skipped):
    services.pytest_runtest_logreport(SimpleNamespace(skipped=True, nodeid="t::skip"))
    assert skipped == ["t::skip"]


def test_an_expected_failure_does_not(skipped):
    report = SimpleNamespace(skipped=True, nodeid="t::xfail", wasxfail="a known difference")
    services.pytest_runtest_logreport(report)
    assert skipped == []

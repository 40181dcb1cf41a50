import datetime as dt

import pytest
from django.utils import timezone

from apps.marketo.client import CallRecord, endpoint_template
from apps.usage.ledger import ledger_prune, ledger_record, ledger_roll_up
from apps.usage.models import LedgerEntry, LedgerHour
from tests.factories import make_instance

pytestmark = pytest.mark.django_db


def test_paths_are_grouped_by_template():
    assert endpoint_template("/v1/lead/1234.json") == "/v1/lead/{id}.json"
    assert (
        endpoint_template("/v1/leads/77/listMembership.json")
        == "/v1/leads/{id}/listMembership.json"
    )
    assert (
        endpoint_template("/asset/v1/folder/12/content.json?x=1")
        == "/asset/v1/folder/{id}/content.json"
    )


def _record(instance, code="", **extra):
    ledger_record(
        CallRecord(
            instance_id=instance.pk,
            method="GET",
            endpoint="/rest/v1/leads.json",
            priority="interactive",
            attempt=1,
            http_status=200,
            code=code,
            duration_ms=120,
            caused_by={"feature": "lead_lookup", "user_id": None, "job": "j1"},
            **extra,
        )
    )


def test_the_hourly_roll_up_is_idempotent_and_kept_after_pruning(settings):
    instance = make_instance()
    for code in ["", "", "606"]:
        _record(instance, code=code)
    LedgerEntry.objects.update(made_at=timezone.now() - dt.timedelta(hours=2))
    next_hour = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    ledger_roll_up(before=next_hour)
    ledger_roll_up(before=next_hour)
    summary = {(h.code, h.calls, h.total_ms) for h in LedgerHour.objects.all()}
    assert summary == {("", 2, 240), ("606", 1, 120)}
    settings.LEDGER_RAW_DAYS = 0
    assert ledger_prune(now=timezone.now() + dt.timedelta(seconds=1)) == 3
    assert LedgerHour.objects.count() == 2


def test_a_ledger_failure_never_fails_the_call(caplog, monkeypatch):
    def broken(**fields):
        raise RuntimeError("database is gone")

    monkeypatch.setattr(LedgerEntry.objects, "create", broken)
    ledger_record(
        CallRecord(instance_id=1, method="GET", endpoint="/x", priority="background", attempt=1)
    )
    assert "could not write the call ledger" in caplog.text

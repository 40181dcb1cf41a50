from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from apps.alerts.services import evaluate
from apps.audit.context import AuditContext
from apps.instances.models import MarketoInstance
from apps.instances.services import grant_set
from apps.usage import selectors
from apps.usage.days import today
from apps.usage.ledger import ledger_roll_up
from apps.usage.models import ErrorDay, LedgerEntry, UsageDay
from tests.factories import make_instance

CENTRAL = ZoneInfo("America/Chicago")


@pytest.fixture
def instance(db):
    instance = make_instance("Production")
    instance.api_user = "us@corp.example"
    instance.save()
    return instance


def _days(instance, user, counts, *, end=None):
    end = end or today()
    for ago, calls in enumerate(reversed(counts)):
        UsageDay.objects.create(
            instance=instance, date=end - timedelta(days=ago), api_user=user, calls=calls
        )


def _ledger(instance, moment, *, code="", feature="lead_lookup", endpoint="/rest/v1/leads.json"):
    LedgerEntry.objects.create(
        instance=instance,
        made_at=moment,
        method="GET",
        endpoint=endpoint,
        code=code,
        duration_ms=100,
        priority="interactive",
        feature=feature,
    )


@pytest.mark.django_db
def test_the_user_report_totals_averages_peaks_and_flags_an_unusual_day(instance):
    _days(instance, "crm@corp.example", [500, 520, 480, 510, 5000, 490, 500])
    _days(instance, "us@corp.example", [10, 10, 10, 10, 10, 10, 10])
    report = selectors.usage_report(
        instance=instance, start=today() - timedelta(days=6), end=today()
    )
    crm = report.users[0]
    assert (crm["api_user"], crm["total"], crm["peak"]) == ("crm@corp.example", 8000, 5000)
    assert crm["peak_date"] == today() - timedelta(days=2)
    assert crm["average"] == pytest.approx(8000 / 7, abs=0.1)
    assert crm["unusual"] == 1
    assert report.unusual == {("crm@corp.example", today() - timedelta(days=2))}
    assert report.users[1]["unusual"] == 0  # 10 calls a day is never "unusual"
    assert [s["label"] for s in report.series] == ["crm@corp.example", "us@corp.example"]
    assert report.total == 8070


@pytest.mark.django_db
def test_a_range_before_the_history_says_where_it_starts(instance):
    _days(instance, "crm@corp.example", [1, 2, 3])
    notice = selectors.range_notice(instance=instance, start=today() - timedelta(days=30))
    assert "begins on" in notice


@pytest.mark.django_db
def test_calls_at_2359_and_0001_central_fall_on_two_days_in_the_reconciliation(instance):
    day = date(2026, 3, 7)  # the day before spring forward
    _ledger(instance, datetime(2026, 3, 7, 23, 59, tzinfo=CENTRAL))
    _ledger(instance, datetime(2026, 3, 8, 0, 1, tzinfo=CENTRAL))
    _ledger(instance, datetime(2026, 3, 8, 0, 2, tzinfo=CENTRAL), code="601")  # not counted
    UsageDay.objects.create(instance=instance, date=day, api_user="us@corp.example", calls=1)
    UsageDay.objects.create(
        instance=instance, date=day + timedelta(days=1), api_user="us@corp.example", calls=4
    )
    rows = selectors.ledger_reconciliation(
        instance=instance, start=day, end=day + timedelta(days=1)
    )
    assert [(r["ledger"], r["marketo"], r["gap"]) for r in rows] == [(1, 1, 0), (1, 4, 3)]


@pytest.mark.django_db
def test_the_reconciliation_counts_the_calls_the_governor_counts(instance):
    # Counted: answers Marketo counts, and calls whose answer never came (to be safe, as the
    # governor holds them). Not counted: the page's starred codes, and calls never sent.
    now = datetime.now(UTC)
    for code in ["", "606", "614", "timeout", "connection", "413", "601", "611", "refused"]:
        _ledger(instance, now, code=code)
    (day,) = selectors.ledger_reconciliation(instance=instance, start=today(), end=today())
    assert day["ledger"] == 6


@pytest.mark.django_db
def test_the_calls_report_adds_rolled_up_hours_and_raw_rows_without_counting_twice(instance):
    now = datetime.now(UTC)
    earlier = now - timedelta(hours=3)
    for _ in range(3):
        _ledger(instance, earlier, feature="asset_sync", endpoint="/rest/asset/v1/folders.json")
    ledger_roll_up(before=now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1))
    _ledger(instance, now, feature="lead_lookup")
    _ledger(instance, now, feature="lead_lookup", code="1003")
    start, end = today() - timedelta(days=1), today()
    by_feature = selectors.calls_report(instance=instance, start=start, end=end, group_by="feature")
    assert {(r["key"], r["calls"], r["errors"]) for r in by_feature} == {
        ("asset_sync", 3, 0),
        ("lead_lookup", 2, 1),
    }
    by_hour = selectors.calls_report(instance=instance, start=start, end=end, group_by="hour")
    assert sum(r["calls"] for r in by_hour) == 5
    by_person = selectors.calls_report(instance=instance, start=start, end=end, group_by="user")
    assert by_person[0]["key"] == "(scheduled, no person)"


@pytest.mark.django_db
def test_errors_are_explained_from_the_catalogue(instance):
    ErrorDay.objects.create(instance=instance, date=today(), code="606", count=4)
    ErrorDay.objects.create(instance=instance, date=today(), code="999", count=1)
    report = selectors.errors_report(instance=instance, start=today(), end=today())
    by_code = {c["code"]: c for c in report["codes"]}
    assert "Rate limit" in by_code["606"]["meaning"]
    assert by_code["999"]["meaning"] == "Not in marketo-admin's list"
    assert report["total"] == 5


# --- pages --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_overview_shows_the_gauge_reset_and_forecast(client_for, admin_user, instance):
    UsageDay.objects.create(instance=instance, date=today(), api_user="crm@x", calls=45_000)
    page = client_for(admin_user).get(f"/usage/instances/{instance.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<meter" in html and "45,000" in html
    assert "Central" in html
    assert "usage-alert" in html  # 90% is above the 80% default


@pytest.mark.django_db
def test_a_viewer_sees_only_granted_instances_and_no_sync_button(client_for, viewer, instance):
    hidden = make_instance("Hidden", munchkin_id="999-ZZZ-999")
    grant_set(
        instance=instance, user=viewer, role="viewer", actor=None, audit=AuditContext.system()
    )
    client = client_for(viewer)
    assert client.get(f"/usage/instances/{hidden.pk}/").status_code == 404
    page = client.get(f"/usage/instances/{instance.pk}/")
    assert page.status_code == 200 and b"Sync now" not in page.content
    assert client.post(f"/usage/instances/{instance.pk}/sync/").status_code == 403
    home = client.get("/usage/").content.decode()
    assert "Production" in home and "Hidden" not in home


@pytest.mark.django_db
def test_an_end_before_the_start_gets_a_clear_message(client_for, admin_user, instance):
    page = client_for(admin_user).get(
        f"/usage/instances/{instance.pk}/users/?range=custom&start=2026-05-10&end=2026-05-01"
    )
    assert (
        "The end date (2026-05-01) is before the start date (2026-05-10)." in page.content.decode()
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "header"),
    [
        ("users/?range=7&table=users", "api_user,total,daily_average"),
        ("users/?range=7&table=days", "date,total,unusual"),
        ("users/crm@x/?range=7", "date,calls,unusual"),
        ("errors/?range=7", "code,count,peak_day_count"),
        ("calls/?range=7&group_by=endpoint", "endpoint,calls,errors"),
        ("calls/?range=7&table=reconciliation", "date,ledger,marketo,gap"),
    ],
)
def test_every_table_exports_to_csv(client_for, admin_user, instance, path, header):
    _days(instance, "crm@x", [5, 6, 7])
    response = client_for(admin_user).get(f"/usage/instances/{instance.pk}/{path}&format=csv")
    body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv")
    assert body.lstrip("\ufeff").startswith(header)


@pytest.mark.django_db
def test_the_all_instances_page_shows_each_instances_day(client_for, admin_user, instance):
    # A quota 1,234 calls cannot exhaust at any pace the forecast can see (it takes at least
    # a minute of the day): with 50,000, the first half hour after midnight Central forecast
    # a run-out, and the page rightly said so.
    MarketoInstance.objects.filter(pk=instance.pk).update(daily_quota=2_000_000)
    UsageDay.objects.create(instance=instance, date=today(), api_user="crm@x", calls=1234)
    ErrorDay.objects.create(instance=instance, date=today(), code="606", count=7)
    html = client_for(admin_user).get("/usage/").content.decode()
    assert "1,234" in html and "not today" in html and ">7<" in html


def test_admins_see_the_quota_alert_on_every_page_past_its_threshold(
    client_for, admin_user, operator
):
    from tests.factories import make_instance

    instance = make_instance("Busy")
    UsageDay.objects.create(
        instance=instance, date=today(), api_user="other@corp.com", calls=41_000
    )
    evaluate()
    page = client_for(admin_user).get("/audit/").content.decode()
    assert "Busy: 82% of today&#x27;s API quota used</a>" in page
    assert "API quota used" not in client_for(operator).get("/").content.decode()

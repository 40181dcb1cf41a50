"""/metrics (apps/site/metrics.py): only to a scraper with the token, in Prometheus's text
format, and the governor's figures after real calls to the sandbox match the call ledger,
on the Redis governor and the SQLite one of `make run`."""

import pytest
from django.urls import reverse
from prometheus_client.parser import text_string_to_metric_families

from apps.assets.models import AssetSync
from apps.instances.client import marketo_client, shared_governor
from apps.instances.models import MarketoInstance
from apps.leads.models import LeadLookup
from apps.marketo.errors import QuotaExhausted
from apps.marketo.governor import GovernorUnavailable, Priority
from apps.site.summaries import ledger_counted_today
from apps.usage.models import LedgerEntry, UsageSync
from tests.factories import UserFactory, make_instance, make_sandbox_instance

pytestmark = pytest.mark.django_db
TOKEN = "a-long-random-metrics-token"


@pytest.fixture
def metrics_on(settings):
    settings.METRICS_TOKEN = TOKEN


def scrape(client) -> dict:
    """{family name: family} of one authorised scrape (the parser checks the format)."""
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    text = response.content.decode()
    return {family.name: family for family in text_string_to_metric_families(text)}


def value(families, name, **labels) -> float:
    """The one sample of `name` (a sample's name: with _total, _bucket, ...) with `labels`."""
    matches = [
        sample.value
        for family in families.values()
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    ]
    assert len(matches) == 1, (name, labels, matches)
    return matches[0]


def test_without_a_metrics_token_there_is_no_metrics_page(client, settings):
    settings.METRICS_TOKEN = ""
    assert reverse("metrics") == "/metrics"
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer anything").status_code == 404


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer é"],
)
def test_the_metrics_refuse_a_scraper_without_the_right_token(client, metrics_on, authorization):
    headers = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}
    response = client.get("/metrics", **headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"marketo_admin" not in response.content


def test_a_signed_in_admin_without_the_token_is_refused_too(client, metrics_on):
    client.force_login(UserFactory(role="admin"))
    assert client.get("/metrics").status_code == 401


def test_only_reading_is_allowed(client, metrics_on):
    response = client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 405


@pytest.fixture
def sandbox_instance(sandbox):
    return MarketoInstance.objects.get(pk=make_sandbox_instance(sandbox).pk)


@pytest.mark.parametrize("backend", ["redis", "sqlite"])
def test_the_governors_figures_after_real_calls_match_the_ledger(
    client, metrics_on, settings, tmp_path, sandbox, sandbox_instance, backend
):
    settings.GOVERNOR_BACKEND = backend
    settings.GOVERNOR_SQLITE_PATH = tmp_path / "governor.sqlite3"
    shared_governor.cache_clear()
    api = marketo_client(sandbox_instance, priority=Priority.INTERACTIVE, feature="test")
    for _ in range(3):
        api.get("/v1/leads.json", {"filterType": "email", "filterValues": "a@example.com"})
    # A 606 cools the governor down: the client's retry waits for it, then succeeds.
    sandbox.script_fault(path="leads.json", times=1, error="606")
    api.get("/v1/leads.json", {"filterType": "email", "filterValues": "b@example.com"})
    # A 607 blocks the instance until midnight Central.
    sandbox.script_fault(path="leads.json", times=1, error="607")
    with pytest.raises(QuotaExhausted):
        api.get("/v1/leads.json", {"filterType": "email", "filterValues": "c@example.com"})

    families = scrape(client)
    ours = {"marketo_instance": "Sandbox", "marketo_instance_id": str(sandbox_instance.pk)}
    attempts = LedgerEntry.objects.filter(instance=sandbox_instance)
    assert attempts.count() == 6
    for code, calls in [("success", 4), ("606", 1), ("607", 1)]:
        assert value(families, "marketo_admin_ledger_calls_total", code=code, **ours) == calls
    counted = ledger_counted_today(instance_ids=[sandbox_instance.pk])[sandbox_instance.pk]
    assert value(families, "marketo_admin_calls_today", **ours) == counted
    assert value(families, "marketo_admin_calls_in_window", **ours) == counted
    assert value(families, "marketo_admin_daily_limit", **ours) == sandbox_instance.daily_budget
    assert value(families, "marketo_admin_daily_quota", **ours) == sandbox_instance.daily_quota
    assert value(families, "marketo_admin_calls_in_flight", **ours) == 0
    assert value(families, "marketo_admin_blocked", **ours) == 1
    assert value(families, "marketo_admin_governor_up", **ours) == 1
    # Every attempt was admitted once, none refused; each admission's wait is in the histogram.
    admitted = "marketo_admin_governor_admitted_total"
    assert value(families, admitted, priority="interactive", **ours) == attempts.count()
    assert value(families, admitted, priority="background", **ours) == 0
    refused = [
        sample.value
        for sample in families["marketo_admin_governor_refused"].samples
        if sample.name.endswith("_total")
    ]
    assert refused and set(refused) == {0}
    delayed = "marketo_admin_governor_delayed_total"
    assert value(families, delayed, priority="interactive", reason="cooldown", **ours) == 1
    assert value(families, delayed, priority="interactive", reason="window", **ours) == 0
    wait = "marketo_admin_governor_admission_wait_seconds"
    assert value(families, f"{wait}_count", priority="interactive", **ours) == 6
    # The retry after the 606 waited out the 5 s cool-down; the others did not wait for it.
    assert value(families, f"{wait}_bucket", priority="interactive", le="2.5", **ours) == 5
    assert value(families, f"{wait}_sum", priority="interactive", **ours) >= 4
    assert value(families, "marketo_admin_token_refreshes_total", **ours) == 1
    assert value(families, "marketo_admin_ledger_rows", table="raw", **ours) == 6


def test_job_counts_by_kind_and_state(client, metrics_on, admin_user):
    alpha, beta = make_instance("Alpha"), make_instance("Beta")
    AssetSync.objects.create(instance=alpha, status="running")
    AssetSync.objects.create(instance=alpha, status="failed")
    AssetSync.objects.create(instance=beta, status="failed")
    UsageSync.objects.create(instance=alpha, kind="today", status="paused")
    for status in ("queued", "queued", "done"):
        LeadLookup.objects.create(instance=alpha, user=admin_user, field="email", status=status)

    families = scrape(client)
    a = {"marketo_instance": "Alpha", "marketo_instance_id": str(alpha.pk)}
    b = {"marketo_instance": "Beta", "marketo_instance_id": str(beta.pk)}
    jobs = "marketo_admin_jobs"
    assert value(families, jobs, kind="asset_sync", state="running", **a) == 1
    assert value(families, jobs, kind="asset_sync", state="failed", **a) == 1
    assert value(families, jobs, kind="asset_sync", state="failed", **b) == 1
    assert value(families, jobs, kind="asset_sync", state="queued", **b) == 0
    assert value(families, jobs, kind="usage_sync", state="paused", **a) == 1
    assert value(families, jobs, kind="lead_lookup", state="queued", **a) == 2
    assert value(families, jobs, kind="lead_lookup", state="done", **a) == 1
    assert value(families, jobs, kind="lead_lookup", state="running", **b) == 0


def test_requests_are_counted_by_view_method_and_status(client, metrics_on):
    client.get("/healthz/live")
    client.get("/no-such-page/12345")
    families = scrape(client)
    requests = "marketo_admin_http_requests_total"
    assert value(families, requests, view="livez", method="GET", status="200") >= 1
    assert value(families, requests, view="<unresolved>", method="GET", status="404") >= 1
    histogram = "marketo_admin_http_request_duration_seconds_count"
    assert value(families, histogram, view="livez", method="GET") >= 1


def test_an_unreachable_governor_reads_as_down_and_the_rest_is_still_reported(
    client, metrics_on, monkeypatch
):
    alpha = make_instance("Alpha")

    def unreachable(*args, **kwargs):
        raise GovernorUnavailable("the rate governor (Redis at redis:6379) is unreachable")

    monkeypatch.setattr(type(shared_governor()), "state", unreachable)
    families = scrape(client)
    a = {"marketo_instance": "Alpha", "marketo_instance_id": str(alpha.pk)}
    assert value(families, "marketo_admin_governor_up", **a) == 0
    assert value(families, "marketo_admin_daily_quota", **a) == alpha.daily_quota
    assert value(families, "marketo_admin_jobs", kind="asset_sync", state="queued", **a) == 0
    assert not families["marketo_admin_calls_in_flight"].samples

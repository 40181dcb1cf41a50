"""Stop Redis under a running deployment and start it again, empty: the web answers every
request without a 500 meanwhile, the worker and beat stay up, and every job finishes after
Redis is back, exactly, without anyone clicking."""

import re
import time

import pytest
import requests
from django.db.models import Count
from django.test import Client

from apps.accounts.services import api_token_create
from apps.assets.models import AssetSync, MirroredAsset
from apps.audit.context import AuditContext
from apps.core.outages import GOVERNOR_DOWN
from apps.core.permissions import Role
from apps.leads.models import LeadLookup, LeadLookupResult
from tests.assets.conftest import sandbox_counts
from tests.factories import UserFactory
from tests.faults.conftest import report
from tests.leads.conftest import leads_calls, missing_emails, sandbox_emails, sandbox_instance_for
from tests.processes import wait_until

pytestmark = pytest.mark.fault

FOUND, MISSING = 1500, 300
GOVERNOR_MESSAGE = f"{GOVERNOR_DOWN} Try again in a minute."


def _signed_in(web_url: str, user) -> requests.Session:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    browser = requests.Session()
    browser.cookies.set("sessionid", client.cookies["sessionid"].value)
    return browser


def _csrf(browser: requests.Session, page_url: str) -> str:
    page = browser.get(page_url, timeout=30).text
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def test_a_redis_restart_costs_no_500_no_worker_and_no_job(deployment, sandbox):
    otto = UserFactory(username="otto", role=Role.OPERATOR)
    instance = sandbox_instance_for(sandbox, otto, calls_per_20s=100)
    MirroredAsset.objects.create(instance=instance, asset_type="email", marketo_id=9, name="Hi")
    _token, key = api_token_create(user=otto, name="fault suite", audit=AuditContext.system())
    api = requests.Session()
    api.headers["Authorization"] = f"Token {key}"
    sandbox.script_fault(path="leads.json", hang=1)  # a second a batch: Redis dies mid-lookup
    worker = deployment.worker()
    beat = deployment.beat()
    web = deployment.web()
    browser = _signed_in(web.url, otto)

    values = sandbox_emails(sandbox, FOUND) + missing_emails(MISSING)
    started = api.post(
        f"{web.url}/api/v1/instances/{instance.pk}/lead-lookups/",
        json={"field": "email", "values": values},
        timeout=60,
    )
    assert started.status_code == 202, started.text
    lookup_id = started.json()["id"]
    wait_until(
        lambda: LeadLookup.objects.get(pk=lookup_id).done_values >= 300,
        timeout=60,
        what="the first batch",
    )

    deployment.redis.stop()
    answers = {}

    def hit(method, path, session, **kwargs):
        response = session.request(method, f"{web.url}{path}", timeout=30, **kwargs)
        answers[f"{method} {path}"] = response
        return response

    pages = [
        "/",
        "/leads/",
        f"/leads/lookups/{lookup_id}/",
        f"/assets/{instance.pk}/",
        f"/assets/{instance.pk}/asset/email/9/",
        "/usage/",
        f"/usage/instances/{instance.pk}/",
        "/instances/",
        "/accounts/profile/",
    ]
    for page in pages:
        assert hit("GET", page, browser).status_code == 200, page
    search = hit(
        "POST",
        "/leads/search/",
        browser,
        data={"field": "email", "value": values[0]},
        headers={"X-CSRFToken": _csrf(browser, f"{web.url}/leads/")},
    )
    assert search.status_code == 200 and GOVERNOR_MESSAGE in search.text
    for endpoint in [
        "/api/v1/me/",
        "/api/v1/instances/",
        f"/api/v1/lead-lookups/{lookup_id}/",
        f"/api/v1/instances/{instance.pk}/assets/",
    ]:
        assert hit("GET", endpoint, api).status_code == 200, endpoint
    lead_api = f"/api/v1/instances/{instance.pk}/leads/?filterValues=x@y.z"
    needs_marketo = hit("GET", lead_api, api)
    assert needs_marketo.status_code == 503
    assert needs_marketo.json() == {"detail": GOVERNOR_MESSAGE, "code": "marketo_unavailable"}
    # A sync asked for now cannot be sent to the broker: it waits, queued, for Redis.
    sync = hit("POST", f"/api/v1/instances/{instance.pk}/asset-syncs/", api)
    assert sync.status_code == 202 and sync.json()["status"] == "queued"
    assert hit("GET", "/healthz", requests.Session()).status_code == 503
    wait_until(
        lambda: LeadLookup.objects.get(pk=lookup_id).status == "paused",
        timeout=30,
        what="the lookup to pause",
    )
    paused = LeadLookup.objects.get(pk=lookup_id)
    assert paused.message.startswith(GOVERNOR_DOWN)

    unavailable = {name for name, answer in answers.items() if answer.status_code >= 500}
    assert unavailable == {f"GET {lead_api}", "GET /healthz"}  # both 503 with the reason
    assert not [name for name, answer in answers.items() if answer.status_code == 500]
    assert worker.alive and beat.alive and web.process.alive

    deployment.redis.start()  # empty: every message in it is gone
    back_at = time.monotonic()

    def finished():
        return (
            LeadLookup.objects.get(pk=lookup_id).status == "done"
            and AssetSync.objects.get(pk=sync.json()["id"]).status == "succeeded"
        )

    wait_until(finished, timeout=120, what=f"the jobs to finish\n{deployment.logs()}")
    recovery = time.monotonic() - back_at
    assert worker.alive, worker.log()[-3000:]
    assert "Unrecoverable error" not in worker.log()

    done = LeadLookup.objects.get(pk=lookup_id)
    assert (done.done_values, done.found_count, done.not_found_count) == (1800, FOUND, MISSING)
    results = LeadLookupResult.objects.filter(lookup=done)
    assert results.count() == FOUND
    assert not results.values("lead_id").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert 6 <= leads_calls(sandbox) <= 7  # at most the batch in flight asked twice
    counts = sandbox_counts(sandbox)
    assert MirroredAsset.objects.filter(instance=instance).count() == sum(
        count for kind, count in counts.items() if kind != "folders"
    )
    report(
        "2. Redis stopped and restarted empty",
        recovery_seconds=recovery,
        data_lost="none",
        note=f"{len(answers)} requests in the outage, 0 of them 500; worker and beat stayed up",
    )

"""Issue 15, item 7: the Leads page with the current instance's Marketo unreachable. Target:
the page's first byte in under a second (it took 27 s, five field-list calls, before it
showed a warning). Also printed: how long the field list, read after the page with htmx,
takes to say that the instance did not answer.

Run: `make bench`, or
`.venv/bin/python -m pytest tests/benchmarks/test_leads_home_unreachable.py -o addopts="" -s`
(PostgreSQL and REDIS_URL set). Measured over real HTTP against the live server, as a
browser would: time to the first byte of the answer.
"""

import statistics
import time

import requests
from django.core.cache import cache
from django.test import Client

from apps.audit.context import AuditContext
from apps.core.permissions import Role
from apps.instances.services import grant_set
from tests.factories import UserFactory, make_instance
from tests.processes import free_port

RUNS = 10
TARGET_SECONDS = 1.0


def _first_byte(session, url, **headers) -> float:
    started = time.perf_counter()
    with session.get(url, stream=True, timeout=120, headers=headers) as response:
        response.raw.read(1)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200
    return elapsed


def test_leads_page_with_marketo_unreachable_time_to_first_byte(live_server, role_groups):
    port = free_port()  # nothing listens there: every connection is refused
    instance = make_instance(
        "Unreachable",
        rest_url=f"http://127.0.0.1:{port}/rest",
        identity_url=f"http://127.0.0.1:{port}/identity",
    )
    user = UserFactory(role=Role.OPERATOR)
    grant_set(
        instance=instance, user=user, role="operator", actor=None, audit=AuditContext.system()
    )
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = requests.Session()
    session.cookies.set("sessionid", client.cookies["sessionid"].value)
    cache.clear()
    url = f"{live_server.url}/leads/"
    cold = _first_byte(session, url)  # the process's first page: templates compiled
    pages = [_first_byte(session, url) for _ in range(RUNS)]
    field_list = _first_byte(session, f"{url}fields/searchable/", **{"HX-Request": "true"})
    print(
        f"\nLeads page with Marketo unreachable: time to first byte {cold * 1000:.0f} ms cold, "
        f"then median {statistics.median(pages) * 1000:.0f} ms, "
        f"max {max(pages) * 1000:.0f} ms over {RUNS} "
        f"(target < {TARGET_SECONDS:.0f} s); the field list (htmx, after the page) said "
        f'"did not answer" after {field_list:.1f} s'
    )
    assert statistics.median(pages) < TARGET_SECONDS

"""Django's requests on /metrics: counts by view, method and status, and latency by view.

A small middleware on prometheus-client rather than django-prometheus: two series families
named by the URL's name (`leads:lookup`, not the path with its ids) are what the dashboard
shows, where django-prometheus adds some twenty families per process, wants a middleware
at each end of MIDDLEWARE and its own exporter view (ours needs the token), and counts in
each process's memory just the same.

Each web process counts its own requests. gunicorn's workers share a directory when
PROMETHEUS_MULTIPROC_DIR is set (docker/entrypoint.sh sets and empties it at start), and
prometheus-client's multiprocess mode adds them up, so a scrape of one container answers
for all its workers; several web containers are several scrape targets
(docker/prometheus/prometheus.yml), summed in the dashboard.
"""

import os
import time
from collections.abc import Callable, Iterator

from django.http import HttpRequest, HttpResponse
from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess
from prometheus_client.core import Metric
from prometheus_client.registry import Collector

# Not the default registry: the scrape builds one of its own (apps/site/metrics.py).
REQUESTS = CollectorRegistry(auto_describe=True)
UNRESOLVED = "<unresolved>"  # a path no URL matched (a 404): one label for all of them

requests_total = Counter(
    "marketo_admin_http_requests",
    "HTTP requests answered, by view (the URL's name), method and status.",
    ["view", "method", "status"],
    registry=REQUESTS,
)
request_seconds = Histogram(
    "marketo_admin_http_request_duration_seconds",
    "Time to answer HTTP requests, by view (the URL's name) and method.",
    ["view", "method"],
    registry=REQUESTS,
    # A page answers in milliseconds; a lead search may wait for Marketo up to 50 s.
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
# Only methods a browser or client sends on purpose, so a scanner cannot add series.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def view_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNRESOLVED
    return match.view_name or match._func_path


class RequestMetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        view = view_name(request)
        method = request.method if request.method in METHODS else "other"
        request_seconds.labels(view, method).observe(time.perf_counter() - started)
        requests_total.labels(view, method, str(response.status_code)).inc()
        return response


class _Requests(Collector):
    """This process's request metrics, for the scrape's registry."""

    def collect(self) -> Iterator[Metric]:
        yield from REQUESTS.collect()


def register_into(registry: CollectorRegistry) -> None:
    """Adds the request metrics: gunicorn's workers together in multiprocess mode, this
    process's own otherwise (runserver, tests)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Requests())

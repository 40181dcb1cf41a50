"""The Grafana dashboard (docker/grafana/dashboards/) asks only for metrics that /metrics
exposes, and Prometheus's and Grafana's provisioning name the files they need."""

import json
import re
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.factories import make_instance

DOCKER = Path(__file__).resolve().parents[2] / "docker"
DASHBOARD = json.loads((DOCKER / "grafana" / "dashboards" / "marketo-admin.json").read_text())
TOKEN = "a-long-random-metrics-token"
# What a family of each type exposes as sample names (prometheus_client's text format).
SUFFIXES = {
    "counter": ["_total", "_created"],
    "histogram": ["_bucket", "_sum", "_count", "_created"],
    "gauge": [""],
}


def expressions(dashboard) -> list[str]:
    found = []
    for panel in dashboard["panels"]:
        for inner in [panel, *panel.get("panels", [])]:
            found += [target["expr"] for target in inner.get("targets", [])]
    for variable in dashboard["templating"]["list"]:
        found.append(variable["definition"])
    return found


def metric_names(expression: str) -> set[str]:
    """The metric names an expression selects: identifiers of ours, outside label matchers
    and strings."""
    without_strings = re.sub(r'"[^"]*"', '""', expression)
    without_matchers = re.sub(r"\{[^}]*\}", "{}", without_strings)
    return set(re.findall(r"\bmarketo_admin_[a-z_]+\b", without_matchers))


@pytest.mark.django_db
def test_every_query_of_the_dashboard_names_a_metric_that_metrics_exposes(client, settings):
    settings.METRICS_TOKEN = TOKEN
    make_instance("Alpha")
    client.get("/healthz/live")  # so that the request metrics have a sample
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    exposed = {
        family.name + suffix
        for family in text_string_to_metric_families(response.content.decode())
        for suffix in SUFFIXES.get(family.type, [""])
    }
    queries = expressions(DASHBOARD)
    assert len(queries) >= 20
    for query in queries:
        names = metric_names(query)
        assert names, f"names no metric of marketo-admin: {query}"
        assert names <= exposed, f"{sorted(names - exposed)} not on /metrics: {query}"


def test_every_panel_reads_the_provisioned_prometheus():
    datasources = yaml.safe_load(
        (DOCKER / "grafana" / "provisioning" / "datasources" / "prometheus.yaml").read_text()
    )
    uids = {source["uid"] for source in datasources["datasources"]}
    for panel in DASHBOARD["panels"]:
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] in uids, panel["title"]
            assert panel["targets"], panel["title"]


def test_the_dashboard_is_provisioned_from_where_compose_mounts_it():
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    mounts = dict(
        volume.split(":")[:2]
        for volume in compose["services"]["grafana"]["volumes"]
        if volume.startswith(".")
    )
    provider = yaml.safe_load(
        (DOCKER / "grafana" / "provisioning" / "dashboards" / "marketo-admin.yaml").read_text()
    )
    path = provider["providers"][0]["options"]["path"]
    assert mounts["./grafana/dashboards"] == path
    assert mounts["./grafana/provisioning"] == "/etc/grafana/provisioning"
    prometheus = yaml.safe_load((DOCKER / "prometheus" / "prometheus.yml").read_text())
    (job,) = prometheus["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    assert job["authorization"]["credentials_file"] == "/tmp/metrics_token"  # noqa: S108
    assert "/tmp/metrics_token" in str(compose["services"]["prometheus"]["command"])  # noqa: S108

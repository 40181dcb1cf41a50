"""The request metrics of several web processes add up in one scrape (prometheus-client's
multiprocess mode, which docker/entrypoint.sh turns on for gunicorn's workers)."""

import os
import subprocess
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]
COUNT_ONE = (
    "from apps.site import request_metrics as m; "
    "m.requests_total.labels('home', 'GET', '200').inc(); "
    "m.request_seconds.labels('home', 'GET').observe(0.2)"
)
SCRAPE = (
    "from prometheus_client import CollectorRegistry, generate_latest; "
    "from apps.site import request_metrics as m; "
    "r = CollectorRegistry(); m.register_into(r); "
    "print(generate_latest(r).decode())"
)


def run(code: str, directory: Path) -> str:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


def test_the_requests_of_every_web_process_add_up(tmp_path):
    for _ in range(3):  # three gunicorn workers, one request each
        run(COUNT_ONE, tmp_path)
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(run(SCRAPE, tmp_path))
        for sample in family.samples
    }
    key = (("method", "GET"), ("status", "200"), ("view", "home"))
    assert samples[("marketo_admin_http_requests_total", key)] == 3
    count = ("marketo_admin_http_request_duration_seconds_count", key[:1] + key[2:])
    assert samples[count] == 3

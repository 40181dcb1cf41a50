"""`make screenshots`: a full-page PNG of every page, at 1366 px and at 375 px, from the demo.

It runs what `make run` runs (migrate, seed_demo, run_embedded) in a folder of its own, so the
demo you may have in var/ is left alone, waits for the demo's first asset sync and usage
back-fill, makes a batch lookup so that its pages have something to show, then walks the
pages as the demo admin and writes `<page>-1366.png` and `<page>-375.png` into the folder
given (docs/screenshots/ by default). The gallery is for reviewing the pages side by side;
the README shows some of them.

Usage: python tools/screenshots.py [folder] [--only page,page]
"""

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
WIDTHS = {"1366": {"width": 1366, "height": 900}, "375": {"width": 375, "height": 740}}
READY_SECONDS = 120
ZONE = "Europe/Paris"
# The demo sandbox's first lead (apps/sandbox/seed/leads.py).
FIRST_LEAD_ID = 100_001
BATCH_VALUES = "\n".join(str(FIRST_LEAD_ID + n) for n in range(0, 40, 3)) + "\n999999999"
# Settings that would point the demo at this machine's shared services instead of its own
# embedded ones.
# Pages that look the same before the worker's first syncs have filled the demo.
PAGES_WITHOUT_DEMO_DATA = {
    "sign-in",
    "instances",
    "instance",
    "instance-edit",
    "users",
    "user-new",
    "alert-channels",
    "alert-channel-new",
    "profile",
    "api-docs",
    "alert-rules",
}
SHARED_SERVICE_SETTINGS = ("DATABASE_URL", "REDIS_URL", "GOVERNOR_REDIS_URL", "CELERY_BROKER_URL")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(var_dir: Path) -> dict[str, str]:
    environment = {
        key: value for key, value in os.environ.items() if key not in SHARED_SERVICE_SETTINGS
    }
    environment.update(
        MARKETO_ADMIN_VAR_DIR=str(var_dir),
        SANDBOX_PORT=str(_free_port()),
        PYTHONUNBUFFERED="1",
    )
    return environment


def _manage(environment, *arguments) -> str:
    done = subprocess.run(  # noqa: S603 - our own manage.py, with arguments of our own
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def _admin_password(seed_output: str) -> str:
    found = re.search(r"password:\s+(\S+)", seed_output)
    if found is None:
        raise SystemExit("seed_demo printed no password: is var/ not new?")
    return found.group(1)


def _wait_for(page: Page, url: str, text: str = "", selector: str = "") -> None:
    """Reloads `url` until the page shows `text` or has an element matching `selector` (the
    worker fills the demo in the background)."""
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        page.goto(url)
        page.wait_for_load_state("networkidle")
        if text and text in page.inner_text("body"):
            return
        if selector and page.locator(selector).count():
            return
        time.sleep(2)
    raise SystemExit(f"{url} did not show {text or selector!r} within {READY_SECONDS} s")


class Tour:
    """Takes each page at every width; `pages` lists the names, in the order walked."""

    def __init__(self, browser, base_url: str, folder: Path, only: set[str]):
        self.browser, self.base_url, self.folder, self.only = browser, base_url, folder, only
        self.pages: list[str] = []
        self.storage_state = None

    def sign_in(self, password: str) -> None:
        # The first sign-in takes the browser's zone: every page is then shown in Paris time.
        context = self.browser.new_context(base_url=self.base_url, timezone_id=ZONE)
        page = context.new_page()
        page.goto("/accounts/login/")
        self._capture(page, "sign-in", lambda page: None)
        page.get_by_label("User name").fill("admin")
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("networkidle")
        self.storage_state = context.storage_state()
        context.close()

    def take(self, name: str, path: str, then: Callable[[Page], None] | None = None) -> None:
        if self.only and name not in self.only:
            return
        for width, viewport in WIDTHS.items():
            context = self.browser.new_context(
                base_url=self.base_url,
                viewport=viewport,
                storage_state=self.storage_state,
                timezone_id=ZONE,
            )
            page = context.new_page()
            page.goto(path)
            page.wait_for_load_state("networkidle")
            if then is not None:
                then(page)
                page.wait_for_load_state("networkidle")
            self._write(page, f"{name}-{width}")
            context.close()
        self.pages.append(name)

    def _capture(self, page: Page, name: str, then) -> None:
        if self.only and name not in self.only:
            return
        for width, viewport in WIDTHS.items():
            page.set_viewport_size(viewport)
            then(page)
            self._write(page, f"{name}-{width}")
        self.pages.append(name)

    def _write(self, page: Page, stem: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(self.folder / f"{stem}.png"), full_page=True)
        print(f"  {stem}.png")


def _open_first_asset(page: Page) -> None:
    page.locator("table a[href*='/asset/']").first.click()


def _open_budgeted_integration(page: Page) -> None:
    # The demo's integration with a budget (apps/site/demo.py: DEMO_INTEGRATIONS).
    page.get_by_test_id("integrations").get_by_role("link", name="Salesforce sync").click()


def _open_first_alert(page: Page) -> None:
    """The newest alert of the demo (the list shows firing ones first)."""
    page.get_by_test_id("alerts").locator("a[href*='/alerts/']").first.click()


def _pages(instance: int, lookup_path: str) -> list[tuple[str, str, Callable | None]]:
    """(name, address, what to do there first) of every page, in the order walked."""
    return [
        ("home", "/", None),
        ("instances", "/instances/", None),
        ("instance", f"/instances/{instance}/", None),
        ("instance-edit", f"/instances/{instance}/edit/", None),
        ("leads", "/leads/", None),
        ("lead", f"/leads/{instance}/lead/{FIRST_LEAD_ID}/", None),
        ("lead-not-found", f"/leads/{instance}/lead/999999999/", None),
        ("lookup", lookup_path, None),
        ("assets", f"/assets/{instance}/", None),
        ("asset", f"/assets/{instance}/", _open_first_asset),
        ("usage", "/usage/", None),
        ("usage-overview", f"/usage/instances/{instance}/", None),
        ("usage-users", f"/usage/instances/{instance}/users/", None),
        ("usage-errors", f"/usage/instances/{instance}/errors/", None),
        ("usage-calls", f"/usage/instances/{instance}/calls/", None),
        ("marketo-users", f"/integrations/instances/{instance}/api-users/", None),
        ("usage-integrations", f"/integrations/instances/{instance}/usage/", None),
        ("integrations", "/integrations/", None),
        ("integration", "/integrations/", _open_budgeted_integration),
        ("alerts", "/alerts/", None),
        ("alert", "/alerts/", _open_first_alert),
        ("alert-rules", f"/alerts/instances/{instance}/rules/", None),
        ("alert-channels", "/alerts/channels/", None),
        ("alert-channel-new", "/alerts/channels/new/", None),
        ("audit", "/audit/", None),
        ("users", "/users/", None),
        ("user-new", "/users/new/", None),
        ("profile", "/accounts/profile/", None),
        ("api-docs", "/api/docs/", None),
    ]


PAGE_NAMES = {"sign-in"} | {name for name, _, _ in _pages(0, "")}


def _demo_instance(browser, base_url: str, storage_state) -> int:
    """The demo instance's id, from the instance list's link to it."""
    context = browser.new_context(base_url=base_url, storage_state=storage_state)
    page = context.new_page()
    page.goto("/instances/")
    href = page.get_by_role("link", name="Sandbox (demo)").first.get_attribute("href") or ""
    context.close()
    return int(re.search(r"/instances/(\d+)/", href).group(1))  # type: ignore[union-attr]


def _wait_for_demo_data(browser, base_url: str, storage_state, instance: int) -> None:
    """The worker's first asset sync and usage back-fill, which run when the demo starts."""
    context = browser.new_context(base_url=base_url, storage_state=storage_state)
    page = context.new_page()
    _wait_for(page, f"/assets/{instance}/", selector="[data-staleness=fresh]")
    _wait_for(page, f"/usage/instances/{instance}/users/", text="demo-api@sandbox.example")
    context.close()


def _error_spike_alert(browser, base_url: str, storage_state, instance: int, sandbox: str):
    """Another integration's 606 spike in the demo sandbox, read by a usage sync now, so
    that the alerts pages show an alert (the sync evaluates the rules)."""
    spike = json.dumps({"user": "webinar@sandbox.example", "code": "606", "count": 240})
    request = urllib.request.Request(
        f"http://127.0.0.1:{sandbox}/_sandbox/error-spike",
        data=spike.encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5):  # noqa: S310
        pass
    context = browser.new_context(base_url=base_url, storage_state=storage_state)
    page = context.new_page()
    page.goto(f"/usage/instances/{instance}/")
    page.locator("#sync-kind").select_option("today")
    page.get_by_role("button", name="Sync now").click()
    _wait_for(page, "/alerts/", text="errors 606")
    context.close()


def _batch_lookup(browser, base_url: str, storage_state) -> str:
    """Starts a batch lookup of a few ids from the Leads page; returns its page once done."""
    context = browser.new_context(base_url=base_url, storage_state=storage_state)
    page = context.new_page()
    page.goto("/leads/")
    page.wait_for_load_state("networkidle")
    form = page.locator("form.batch-form")
    form.locator("select[name=field]").select_option("id")
    form.locator("textarea[name=values]").fill(BATCH_VALUES)
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/leads/lookups/\d+/"))
    path = page.url.removeprefix(base_url)
    if page.get_by_role("button", name=re.compile("Start")).count():
        page.get_by_role("button", name=re.compile("Start")).first.click()
    _wait_for(page, path, text="Download")
    context.close()
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--only", default="", help="comma-separated page names")
    options = parser.parse_args()
    folder = Path(options.folder).resolve()
    only = {name for name in options.only.split(",") if name}
    if only - PAGE_NAMES:
        unknown, known = ", ".join(sorted(only - PAGE_NAMES)), ", ".join(sorted(PAGE_NAMES))
        parser.error(f"no page {unknown}; pages: {known}")

    with tempfile.TemporaryDirectory(prefix="marketo-admin-screenshots-") as var_dir:
        environment = _environment(Path(var_dir))
        print("Setting up the demo in", var_dir)
        _manage(environment, "migrate", "--no-input")
        password = _admin_password(_manage(environment, "seed_demo"))
        port = _free_port()
        server = subprocess.Popen(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", "run_embedded", "--port", str(port)],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
                )
                _wait_until_served(base_url, server)
                tour = Tour(browser, base_url, folder, only)
                tour.sign_in(password)
                instance = _demo_instance(browser, base_url, tour.storage_state)
                if not only or only - PAGES_WITHOUT_DEMO_DATA:
                    _wait_for_demo_data(browser, base_url, tour.storage_state, instance)
                if not only or only & {"alerts", "alert"}:
                    _error_spike_alert(
                        browser,
                        base_url,
                        tour.storage_state,
                        instance,
                        environment["SANDBOX_PORT"],
                    )
                lookup_path = ""
                if not only or "lookup" in only:
                    lookup_path = _batch_lookup(browser, base_url, tour.storage_state)
                print(f"Writing into {folder}:")
                for name, path, then in _pages(instance, lookup_path):
                    tour.take(name, path, then)
                browser.close()
        finally:
            os.killpg(server.pid, signal.SIGINT)
            server.wait(timeout=30)
    print(f"{len(tour.pages)} pages at {len(WIDTHS)} widths.")


def _wait_until_served(base_url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("run_embedded stopped; run `make run` to see why")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz/live", timeout=2):  # noqa: S310
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the demo did not answer within {READY_SECONDS} s")


if __name__ == "__main__":
    main()

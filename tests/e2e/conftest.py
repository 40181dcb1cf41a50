"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server."""

import os
import shutil

import pytest
from playwright.sync_api import sync_playwright

from tests.factories import PASSWORD

# Playwright's sync API runs an event loop in the test's thread; the ORM calls the tests
# make there (factories) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NARROW = {"width": 375, "height": 740}


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Runs in every page before its own scripts: each Content-Security-Policy violation (a
# blocked inline script or style, a script from elsewhere, eval) becomes a console error,
# which fails the test, whether or not Chromium itself logs the violation.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`Content Security Policy violation: ${event.violatedDirective} blocked `
    + `${event.blockedURI || "inline code"} at ${event.sourceFile || event.documentURI}`
    + `:${event.lineNumber}`);
});
"""


@pytest.fixture
def open_page(browser, live_server, role_groups):
    """open_page(viewport=None, **context_options): a fresh browser page that records
    JavaScript errors; the options go to Playwright's new_context (timezone_id="Europe/Paris",
    permissions=["clipboard-read"], ...).

    Every test that uses it fails if the console reported an error (Content Security Policy
    violations included), or if a script, stylesheet, image or fetch failed. A page itself
    may answer 403 or 404 on purpose: Chromium logs that as a console error too, so those
    lines are left to the tests.
    """
    contexts, errors = [], []

    def _open(viewport=None, **context_options):
        context = browser.new_context(
            base_url=live_server.url, viewport=viewport, **context_options
        )
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: _console_error(m, errors))
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("response", lambda r: _failed_resource(r, errors))
        return page

    yield _open
    for context in contexts:
        context.close()
    assert errors == [], f"JavaScript errors: {errors}"


def _console_error(message, errors):
    if message.type == "error" and not message.text.startswith("Failed to load resource"):
        errors.append(message.text)


def _failed_resource(response, errors):
    if response.status >= 400 and response.request.resource_type != "document":
        errors.append(f"{response.status} {response.url}")


@pytest.fixture
def page(open_page):
    return open_page()


def sign_in(page, username, password=PASSWORD):
    page.goto("/accounts/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


# Elements that stick out to the right, to name the culprit when a page is too wide.
_WIDE_ELEMENTS = """() => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth
        || (e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'visible'))
    .map(e => `${e.tagName}.${e.className}#${e.id}`).slice(0, 5)"""


def assert_no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport, f"{page.url} is {width}px wide: {page.evaluate(_WIDE_ELEMENTS)}"

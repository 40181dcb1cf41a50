"""Content-Security-Policy and Permissions-Policy on every page, and pages that need no
exception from them: no inline script, event handler or style anywhere in our templates.

The browser tests (tests/e2e) fail on any violation the browser reports while they run.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))

pytestmark = pytest.mark.django_db


def _directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/api/docs/", "/nowhere/"])
def test_every_page_has_a_policy_that_allows_no_inline_script(client_for, admin_user, path):
    response = client_for(admin_user).get(path)
    policy = _directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]


def test_the_api_answers_with_the_policy_too(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    assert "script-src 'self'" in api_client.get("/api/v1/me/")["Content-Security-Policy"]


def test_every_page_turns_off_the_browser_features_it_does_not_use(client):
    policy = client.get("/accounts/login/")["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in policy


def test_the_api_docs_load_their_script_from_a_url_not_inline(client):
    page = client.get("/api/docs/").content.decode()
    assert not _inline_scripts(page)
    assert "<style" not in page
    script = client.get("/api/docs/", {"script": ""})
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


# --- the templates themselves -----------------------------------------------------------

_SCRIPT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
_EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
_HTMX_ON = re.compile(r"\shx-on[:-]", re.IGNORECASE)
_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)


def _inline_scripts(html):
    # json_script's data blocks are not run, so a policy does not block them.
    return [
        attrs
        for attrs in _SCRIPT.findall(html)
        if "src=" not in attrs and 'type="application/json"' not in attrs
    ]


_COMMENTS = re.compile(r"{#.*?#}|{% comment %}.*?{% endcomment %}", re.DOTALL)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_has_inline_script_event_handlers_or_styles(template):
    text = _COMMENTS.sub("", template.read_text())  # never rendered
    assert not _inline_scripts(text)
    assert not _EVENT_HANDLER.search(text)
    assert not _HTMX_ON.search(text)
    assert not _STYLE.search(text)

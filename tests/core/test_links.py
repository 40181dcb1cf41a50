import pytest
from django.template import Context, Template

from apps.core.links import web_url


@pytest.mark.parametrize(
    "value",
    [
        "https://app-ab12.marketo.com/#EM1234A1",
        "http://pages.example.com/lp.html?x=1",
        "HTTPS://APP.MARKETO.COM/",
    ],
)
def test_http_and_https_addresses_with_a_host_may_be_links(value):
    assert web_url(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "https://ok.example.com/\njavascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example.com/",
        "/relative/path",
        "https://",
        "https://[::1",
        "",
        None,
        42,
    ],
)
def test_anything_else_is_not_a_link(value):
    assert web_url(value) is None


def _render(url):
    template = Template('{% load links %}{% external_link url "Open in Marketo" %}')
    return template.render(Context({"url": url}))


def test_the_tag_links_a_web_address_in_a_new_tab():
    html = _render("https://app.marketo.com/#PG1A1")
    assert html == (
        '<a href="https://app.marketo.com/#PG1A1" target="_blank" '
        'rel="noopener noreferrer">Open in Marketo</a>'
    )


def test_the_tag_shows_any_other_value_as_escaped_text():
    html = _render('javascript:alert("x")')
    assert "<a " not in html
    assert "javascript:alert(&quot;x&quot;)" in html


def test_the_tag_renders_nothing_for_no_address():
    assert _render("") == ""

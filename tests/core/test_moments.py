from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.template import Context, Template
from django.utils import timezone

MOMENT = datetime(2026, 7, 1, 12, 5, tzinfo=UTC)


def render(source: str, **values) -> str:
    return Template("{% load moments %}" + source).render(Context(values))


def test_moment_is_in_the_viewers_zone_with_the_zone_shown():
    with timezone.override(ZoneInfo("Europe/Paris")):
        html = render("{% moment when %}", when=MOMENT)
    assert "1 Jul 2026, 14:05 CEST" in html
    assert 'datetime="2026-07-01T12:05:00+00:00"' in html
    assert 'title="Europe/Paris"' in html


def test_ago_says_just_now_then_one_unit_with_the_exact_time_on_hover():
    now = timezone.now()
    with timezone.override(ZoneInfo("America/Chicago")):
        assert ">just now<" in render("{% ago when %}", when=now - timedelta(seconds=5))
        html = render("{% ago when %}", when=now - timedelta(hours=2, minutes=5))
    assert ">2\xa0hours ago<" in html
    assert "title=" in html and ("CST" in html or "CDT" in html)


def test_ago_of_the_future_and_of_nothing():
    assert ">in 2\xa0days<" in render(
        "{% ago when %}", when=timezone.now() + timedelta(days=2, minutes=1)
    )
    assert render("{% ago when %}", when=None) == "never"
    assert render("{% moment when %}", when=None) == "—"

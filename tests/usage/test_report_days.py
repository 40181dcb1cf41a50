"""Reports over the days with figures: a short history, averages, unusual days, labels."""

from datetime import timedelta

import pytest

from apps.usage import selectors
from apps.usage.days import today
from apps.usage.features import feature_label
from apps.usage.forms import RangeForm
from apps.usage.models import UsageDay
from tests.factories import make_instance

pytestmark = pytest.mark.django_db


def _day(instance, ago, user, calls):
    UsageDay.objects.create(
        instance=instance, date=today() - timedelta(days=ago), api_user=user, calls=calls
    )


def test_the_average_divides_by_the_days_with_figures_and_unusual_uses_the_same_average():
    instance = make_instance()
    for ago in range(6):
        _day(instance, ago, "crm@corp.example", 4000)
    for ago, calls in enumerate([450, 100, 100, 100, 100]):
        _day(instance, ago, "webinar@corp.example", calls)
    report = selectors.usage_report(
        instance=instance, start=today() - timedelta(days=29), end=today()
    )
    users = {u["api_user"]: u for u in report.users}
    assert users["crm@corp.example"]["average"] == 4000.0
    assert users["webinar@corp.example"]["average"] == round(850 / 6, 1)
    assert report.unusual == {("webinar@corp.example", today())}
    assert len(report.data_days) == 6


def test_fewer_than_5_days_with_figures_mark_no_day_unusual():
    instance = make_instance()
    for ago, calls in enumerate([9000, 100, 100, 100]):
        _day(instance, ago, "crm@corp.example", calls)
    report = selectors.usage_report(
        instance=instance, start=today() - timedelta(days=6), end=today()
    )
    assert report.unusual == set()


def test_a_preset_range_starts_where_the_history_does():
    instance = make_instance()
    _day(instance, 5, "crm@corp.example", 10)
    first = selectors.history_start(instance=instance)
    assert first == today() - timedelta(days=5)
    form = RangeForm({}, history_start=first)
    assert form.is_valid()
    assert (form.cleaned_data["start"], form.cleaned_data["end"]) == (first, today())
    assert form.cut_to_history
    long = RangeForm({"range": "7"}, history_start=today() - timedelta(days=40))
    assert long.is_valid() and long.cleaned_data["start"] == today() - timedelta(days=6)
    assert not long.cut_to_history
    custom = RangeForm(
        {"start": str(first - timedelta(days=3)), "end": str(today())}, history_start=first
    )
    assert custom.is_valid() and custom.cleaned_data["start"] == first - timedelta(days=3)


def test_an_instance_without_history_keeps_the_whole_range():
    instance = make_instance()
    assert selectors.history_start(instance=instance) is None
    form = RangeForm({}, history_start=None)
    assert form.is_valid() and form.cleaned_data["start"] == today() - timedelta(days=29)


def test_features_read_in_words():
    assert feature_label("asset_sync") == "Asset sync"
    assert feature_label("usage_sync") == "Usage sync"
    assert feature_label("") == "(none)"
    assert feature_label("brand_new_feature") == "Brand new feature"

"""Every date a person or client gives is within the years this product can mean: from 2006
(Marketo's first year) to ten years ahead. Outside that is a 400 with the range in words,
before any date arithmetic (which overflowed at year 1 and 9999)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.core.dates import EARLIEST, latest, validate_plausible_date
from tests.factories import make_instance

pytestmark = pytest.mark.django_db


@pytest.fixture
def instance(db):
    return make_instance("Production")


def test_the_range_runs_from_2006_to_ten_years_ahead():
    validate_plausible_date(EARLIEST)
    validate_plausible_date(latest())
    assert latest() - timezone.now().date() >= timedelta(days=3650)
    with pytest.raises(ValidationError, match=r"from 2006-01-01 \(Marketo's first year\)"):
        validate_plausible_date(date(2005, 12, 31))
    with pytest.raises(ValidationError):
        validate_plausible_date(latest() + timedelta(days=1))


@pytest.mark.parametrize("report", ["usage", "errors", "calls"])
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("end=0001-01-01", "end"),
        ("start=0001-01-01", "start"),
        ("start=9999-12-31", "start"),
        ("end=9999-12-31", "end"),
    ],
)
def test_usage_api_dates_outside_the_range_are_a_400(
    client_for, admin_user, instance, report, query, field
):
    response = client_for(admin_user).get(f"/api/v1/instances/{instance.pk}/{report}/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "Marketo's first year" in body["errors"][field][0]


def test_a_usage_page_with_a_date_outside_the_range_is_a_400_that_says_so(
    client_for, admin_user, instance
):
    client = client_for(admin_user)
    for path in ("users/", "errors/", "calls/", "users/crm@x/"):
        page = client.get(
            f"/usage/instances/{instance.pk}/{path}",
            {"range": "custom", "start": "0001-01-01", "end": "9999-12-31"},
        )
        assert page.status_code == 400, path
        assert "Marketo&#x27;s first year" in page.content.decode(), path


def test_a_usage_page_asked_by_htmx_still_gets_the_message_to_swap_in(
    client_for, admin_user, instance
):
    page = client_for(admin_user).get(
        f"/usage/instances/{instance.pk}/users/?range=custom&start=0001-01-01&end=2020-01-01",
        headers={"HX-Request": "true"},
    )
    assert page.status_code == 200
    assert "Marketo&#x27;s first year" in page.content.decode()


def test_the_asset_and_audit_filters_take_only_dates_in_the_range(client_for, admin_user, instance):
    client = client_for(admin_user)
    assets = client.get(f"/api/v1/instances/{instance.pk}/assets/?updated_since=0001-01-01")
    assert assets.status_code == 400
    assert "updated_since" in assets.json()["errors"]
    audit = client.get("/api/v1/audit-events/?until=9999-12-31")
    assert audit.status_code == 400
    assert "until" in audit.json()["errors"]
    page = client.get(f"/assets/{instance.pk}/", {"updated_since": "1999-01-01"})
    assert "Marketo&#x27;s first year" in page.content.decode()

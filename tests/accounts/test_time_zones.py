import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from apps.accounts.models import Profile
from apps.accounts.zones import COMMON_ZONES, zone_choices, zone_label
from apps.audit.models import AuditEvent
from apps.audit.services import audit_record
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

WINTER = dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC)
SUMMER = dt.datetime(2026, 7, 15, 12, tzinfo=dt.UTC)


def test_a_zone_is_labelled_with_its_offset_on_that_day():
    assert zone_label("Europe/Paris", WINTER) == "(UTC+01:00) Europe/Paris"
    assert zone_label("Europe/Paris", SUMMER) == "(UTC+02:00) Europe/Paris"
    assert zone_label("America/Los_Angeles", WINTER) == "(UTC-08:00) America/Los_Angeles"
    assert zone_label("Asia/Kolkata", WINTER) == "(UTC+05:30) Asia/Kolkata"
    assert zone_label("UTC", WINTER) == "(UTC+00:00) UTC"


def test_the_common_zones_come_first_then_every_zone():
    (common, common_zones), (every, all_zones) = zone_choices(WINTER)
    assert (common, every) == ("Common", "All zones")
    assert [name for name, _ in common_zones] == list(COMMON_ZONES)
    assert len(all_zones) > 400
    assert ("Europe/Paris", "(UTC+01:00) Europe/Paris") in all_zones


def test_the_profile_page_offers_the_common_zones_first_with_offsets(client_for, operator):
    html = client_for(operator).get(reverse("profile")).content.decode()
    assert html.index('<optgroup label="Common">') < html.index('<optgroup label="All zones">')
    assert ") Europe/Paris</option>" in html
    assert 'data-zone-search="id_time_zone"' in html


def _sign_in(client, zone, username="otto"):
    data = {"username": username, "password": PASSWORD, "browser_time_zone": zone}
    response = client.post(reverse("login"), data)
    assert response.status_code == 302
    client.logout()


def _profile(user) -> Profile:
    return Profile.objects.get(user=user)


def test_the_first_sign_in_takes_the_browsers_zone_once(client, operator):
    assert _profile(operator).time_zone_source == Profile.TimeZoneSource.DEFAULT
    _sign_in(client, "Europe/Paris")
    profile = _profile(operator)
    assert (profile.time_zone, profile.time_zone_source) == ("Europe/Paris", "browser")
    event = AuditEvent.objects.get(action="profile.time_zone_from_browser")
    assert event.details == {"time_zone": ["UTC", "Europe/Paris"]}

    _sign_in(client, "Asia/Tokyo")  # travelling: the zone taken once stays until chosen
    assert _profile(operator).time_zone == "Europe/Paris"


def test_an_unknown_or_missing_browser_zone_is_ignored(client, operator):
    _sign_in(client, "Mars/Olympus")
    _sign_in(client, "")
    profile = _profile(operator)
    assert (profile.time_zone, profile.time_zone_source) == ("UTC", "default")
    _sign_in(client, "Asia/Kolkata")  # a later sign-in with a real zone still takes it
    assert _profile(operator).time_zone == "Asia/Kolkata"


def test_a_chosen_zone_is_never_replaced_by_the_browsers(client, client_for, operator):
    client_for(operator).post(reverse("profile"), {"time_zone": "America/Chicago"})
    client.logout()
    _sign_in(client, "Europe/Paris")
    profile = _profile(operator)
    assert (profile.time_zone, profile.time_zone_source) == ("America/Chicago", "chosen")


def test_saving_the_zone_one_has_counts_as_choosing_it(client, client_for, operator):
    client_for(operator).post(reverse("profile"), {"time_zone": "UTC"})
    assert _profile(operator).time_zone_source == "chosen"
    assert not AuditEvent.objects.filter(action="profile.update").exists()  # nothing changed
    client.logout()
    _sign_in(client, "Europe/Paris")
    assert _profile(operator).time_zone == "UTC"


def test_the_api_choice_counts_as_choosing(api_client, operator):
    api_client.force_authenticate(operator)
    response = api_client.patch("/api/v1/me/", {"time_zone": "Asia/Tokyo"}, format="json")
    assert response.status_code == 200
    assert _profile(operator).time_zone_source == "chosen"


def test_the_migration_counts_a_zone_set_before_as_chosen(operator, viewer, admin_user):
    Profile.objects.filter(user=operator).update(time_zone="Asia/Tokyo")
    audit_record(action="profile.update", actor=admin_user)  # admin saved UTC once
    migration = importlib.import_module("apps.accounts.migrations.0003_profile_time_zone_source")
    migration.mark_chosen(apps, None)
    sources = dict(Profile.objects.values_list("user__username", "time_zone_source"))
    assert sources == {"otto": "chosen", "ada": "chosen", "vera": "default"}

"""Pages with code we did not write, under the Content-Security-Policy: the conftest fails
each test on any violation, so these only need to open the pages and use them."""

from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask
from playwright.sync_api import expect

from apps.core.permissions import Role
from tests.e2e.conftest import sign_in
from tests.factories import UserFactory


def test_the_api_docs_show_every_section_of_the_api(page):
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .information-container")).to_contain_text("marketo-admin API")
    for tag in ("accounts", "instances", "leads", "assets", "usage"):
        expect(page.locator(f"#operations-tag-{tag}")).to_be_visible()


def test_an_admin_edits_a_periodic_task_in_the_admin_site(page):
    UserFactory(username="ada", role=Role.ADMIN, is_staff=True, is_superuser=True)
    every_hour = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.HOURS)
    nightly = CrontabSchedule.objects.create(minute="30", hour="2")
    task = PeriodicTask.objects.create(name="Probe", task="core.probe", interval=every_hour)
    sign_in(page, "ada")
    page.goto("/admin/")
    expect(page.locator("#site-name")).to_be_visible()
    page.goto(f"/admin/django_celery_beat/periodictask/{task.pk}/change/")
    page.locator("#id_crontab").select_option(str(nightly.pk))
    expect(page.locator(".field-crontab .help")).to_contain_text("Translation: At 02:30")

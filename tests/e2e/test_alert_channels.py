"""The alert channels' pages in a browser (issue 16): an admin adds a signed JSON webhook,
copies its secret (shown once), sends a test that a real worker delivers to a local
receiver, which verifies the signature; a failing receiver's answer is shown."""

import pytest
from playwright.sync_api import expect

from apps.alerts.models import Channel
from apps.core.permissions import Role
from tests.alerts.receiver import Receiver
from tests.conftest import needs_shared_services
from tests.e2e.conftest import NARROW, assert_no_sideways_scroll, sign_in
from tests.factories import UserFactory, make_instance

pytestmark = needs_shared_services


@pytest.fixture
def receiver():
    started = Receiver().start()
    yield started
    started.stop()


def _add_json_webhook(page, receiver) -> str:
    page.goto("/alerts/channels/")
    page.get_by_role("button", name="Add a channel").click()
    page.get_by_label("Name").fill("Ops receiver")
    page.get_by_label("Webhook", exact=True).check()
    page.get_by_label("Format").select_option(label="JSON, signed (HMAC-SHA256)")
    page.get_by_label("Webhook address").fill(receiver.url)
    page.get_by_role("button", name="Add channel").click()
    expect(page.locator("#secret")).to_contain_text("will not be shown again")
    return page.get_by_test_id("channel-secret").inner_text().strip()


def test_an_admin_adds_a_signed_webhook_and_sends_it_a_test(
    open_page, receiver, celery_worker_process
):
    UserFactory(username="ada", role=Role.ADMIN)
    make_instance("Production")
    page = open_page()
    sign_in(page, "ada")
    receiver.secret = _add_json_webhook(page, receiver)
    assert receiver.secret.startswith("mas_")
    expect(page.locator(".facts")).to_contain_text(receiver.url.split("/services")[0])
    assert "Zx9SecretPathToken77" not in page.content()

    page.get_by_role("button", name="Send a test").click()
    expect(page.locator("#channel-test")).to_contain_text(
        "The test reached the channel", timeout=45_000
    )
    (message,) = receiver.received
    assert message.signature_ok is True
    assert message.json()["test"] is True

    page.goto(f"/alerts/channels/{Channel.objects.get(name='Ops receiver').pk}/")
    assert receiver.secret not in page.content()  # shown once
    expect(page.locator("#deliveries")).to_contain_text("Sent")
    page.goto("/alerts/channels/")
    row = page.locator("tr[data-channel='Ops receiver']")
    expect(row).to_contain_text("JSON, signed")
    expect(row).to_contain_text("All instances")
    expect(row.locator("td").nth(4)).to_contain_text("Sent")
    assert receiver.secret not in page.content() and "Zx9SecretPathToken77" not in page.content()


def test_a_failing_receiver_s_answer_is_shown(open_page, receiver, celery_worker_process):
    UserFactory(username="ada", role=Role.ADMIN)
    receiver.answers = [500]
    page = open_page()
    sign_in(page, "ada")
    _add_json_webhook(page, receiver)
    page.get_by_role("button", name="Send a test").click()
    test = page.locator("#channel-test")
    expect(test).to_contain_text("did not get through", timeout=45_000)
    expect(test).to_contain_text("answered 500")
    page.goto("/alerts/channels/")
    expect(page.locator("tr[data-channel='Ops receiver']")).to_contain_text("Failed")


def test_the_channel_pages_fit_a_phone(open_page, receiver):
    UserFactory(username="ada", role=Role.ADMIN)
    page = open_page(viewport=NARROW)
    sign_in(page, "ada")
    _add_json_webhook(page, receiver)
    assert_no_sideways_scroll(page)
    channel = Channel.objects.get(name="Ops receiver")
    for path in (
        "/alerts/channels/",
        "/alerts/channels/new/",
        f"/alerts/channels/{channel.pk}/",
        f"/alerts/channels/{channel.pk}/edit/",
        f"/alerts/channels/{channel.pk}/delete/",
    ):
        page.goto(path)
        assert_no_sideways_scroll(page)

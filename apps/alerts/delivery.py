"""Sending one delivery to its channel, with retries and backoff.

A delivery is claimed with a conditional UPDATE that pushes its next attempt out by
CLAIM_SECONDS, so that of two workers handed the same id (a message delivered twice, the
sweep racing the first task) one sends; a worker that dies mid-send leaves it due again once
the claim runs out. A failure (no answer, a refused connection, an answer other than 2xx, a
mail server's refusal) is tried again after each step of BACKOFF, then the delivery is
failed. The sweep (beat, every minute) hands the due ones to workers again: the retries, and
the deliveries whose first message was lost.

The webhook's URL and the HMAC secret are secrets: they are decrypted here only, never
logged, and the errors recorded name the channel's url_hint (scheme and host) instead.
"""

import json
import logging
import smtplib
import time
from datetime import datetime, timedelta
from functools import reduce
from operator import or_
from urllib.parse import urlsplit

import requests
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db.models import F, Q
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from apps.accounts.services import email_configured
from apps.alerts.channels import formats
from apps.alerts.channels.signing import signature_headers
from apps.alerts.models import Channel, Delivery
from apps.alerts.notify import send_soon
from apps.core.middleware import user_zone
from apps.core.redaction import redact, remember_secret
from apps.instances import vault

logger = logging.getLogger(__name__)

# After the first attempt fails, the next ones come this long after each failure; when the
# last one fails too, the delivery is failed (six attempts over about 8.5 hours).
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
# Longer than one attempt can take (the webhook's timeouts, a slow mail server).
CLAIM_SECONDS = 5 * 60
# A new delivery is queued at once; one still unsent this long after is taken as lost.
LOST_AFTER = timedelta(minutes=1)
# (connect, read) seconds: a receiver that needs longer to answer is counted as failing.
WEBHOOK_TIMEOUT = (5, 15)
SWEEP_BATCH = 500
OPEN = (Delivery.Status.PENDING, Delivery.Status.RETRYING)


class SendFailed(Exception):
    """Why a delivery was not sent, in words with no secret in them. `final`: trying again
    cannot help (no mail server configured, a URL no key decrypts)."""

    def __init__(self, reason: str, *, response_status: int | None = None, final=False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.response_status = response_status
        self.final = final


def deliver(*, delivery_id: int, now: datetime | None = None) -> str | None:
    """Send the delivery if it is due and nobody else is sending it. Returns its status
    afterwards, or None when there was nothing to do."""
    now = now or timezone.now()
    claimed = Delivery.objects.filter(
        pk=delivery_id, status__in=OPEN, next_attempt_at__lte=now
    ).update(attempts=F("attempts") + 1, next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS))
    if not claimed:
        return None
    delivery = Delivery.objects.select_related("channel", "alert", "alert__instance").get(
        pk=delivery_id
    )
    try:
        response_status = _send(delivery, now)
    except SendFailed as failure:
        _record_failure(delivery, failure, now)
    except Exception as exc:
        # A fault of ours: counted like a failure, so that it ends instead of coming back
        # after every claim. The log's filter redacts the decrypted secrets in its traceback.
        logger.exception("alert delivery %s could not be sent", delivery.pk)
        reason = f"marketo-admin failed to send it ({type(exc).__name__}); see the worker's log."
        _record_failure(delivery, SendFailed(reason), now)
    else:
        delivery.status = Delivery.Status.SENT
        delivery.sent_at = timezone.now()
        delivery.next_attempt_at = None
        delivery.last_error = ""
        delivery.response_status = response_status
        delivery.save(
            update_fields=["status", "sent_at", "next_attempt_at", "last_error", "response_status"]
        )
        logger.info(
            "alert delivery %s (%s) sent to channel %s",
            delivery.pk,
            delivery.event,
            _where(delivery),
        )
    return delivery.status


def _record_failure(delivery: Delivery, failure: SendFailed, now: datetime) -> None:
    # A test is for the person waiting on the channel's page: they want its outcome now.
    last = failure.final or delivery.event == formats.TEST or delivery.attempts > len(BACKOFF)
    if last:
        delivery.status = Delivery.Status.FAILED
        delivery.next_attempt_at = None
    else:
        delivery.status = Delivery.Status.RETRYING
        delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]
    delivery.last_error = failure.reason
    delivery.response_status = failure.response_status
    delivery.save(update_fields=["status", "next_attempt_at", "last_error", "response_status"])
    logger.warning(
        "alert delivery %s (%s) to channel %s failed on attempt %s%s: %s",
        delivery.pk,
        delivery.event,
        _where(delivery),
        delivery.attempts,
        "" if last else f", trying again at {delivery.next_attempt_at:%H:%M:%S} UTC",
        failure.reason,
    )


def _where(delivery: Delivery) -> str:
    channel = delivery.channel
    return f"“{channel.name}” ({channel.url_hint or channel.get_kind_display()})"


def _send(delivery: Delivery, now: datetime) -> int | None:
    message = formats.message_for(delivery, now)
    channel = delivery.channel
    if delivery.alert is not None and not channel.enabled:
        raise SendFailed("The channel was disabled before this could be sent.", final=True)
    if channel.kind == Channel.Kind.EMAIL:
        _send_email(channel, message)
        return None
    return _post(channel, message)


def _send_email(channel: Channel, message: formats.Message) -> None:
    if not email_configured():
        raise SendFailed("No e-mail can be sent: EMAIL_URL is not set.", final=True)
    addresses = recipient_list(channel.recipients)
    if not addresses:
        raise SendFailed("The channel has no recipients.", final=True)
    users = _users_by_address(addresses)
    subject = formats.email_subject(message)
    # One message each, so that each user reads the times in their own zone.
    mails = [
        EmailMessage(
            subject,
            formats.email_text(message, _zone_of(users.get(address.lower()))),
            None,
            [address],
        )
        for address in addresses
    ]
    try:
        get_connection(fail_silently=False).send_messages(mails)
    except smtplib.SMTPRecipientsRefused as exc:
        # The messages before it went out: sending them all again would repeat them, and
        # an address the server refuses stays refused.
        refused = ", ".join(sorted(exc.recipients))
        raise SendFailed(f"The mail server refused {refused}.", final=True) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise SendFailed(f"The mail server did not take the message: {exc}") from None


def recipient_list(recipients: str) -> list[str]:
    """The channel's addresses: one a line (commas and semicolons also separate them)."""
    seen: dict[str, str] = {}
    for part in recipients.replace(";", "\n").replace(",", "\n").splitlines():
        address = part.strip()
        if address and address.lower() not in seen:
            seen[address.lower()] = address
    return list(seen.values())


def _users_by_address(addresses: list[str]) -> dict:
    match = reduce(or_, (Q(email__iexact=address) for address in addresses))
    users = get_user_model().objects.filter(match, is_active=True).select_related("profile")
    return {user.email.lower(): user for user in users}


def _zone_of(user):
    return user_zone(user) if user is not None else None


@sensitive_variables("url", "secret", "headers")
def _post(channel: Channel, message: formats.Message) -> int:
    hint = channel.url_hint or "the webhook"
    try:
        url = vault.decrypt(channel.url_encrypted)
        secret = (
            vault.decrypt(channel.secret_encrypted) if channel.format == Channel.Format.JSON else ""
        )
        # Whatever logs the path alone (without the host) names the secret too.
        remember_secret(urlsplit(url).path, owner=f"alert-channel-{channel.pk}")
    except vault.UndecryptableSecret as exc:
        raise SendFailed(
            f"The stored webhook address or secret cannot be decrypted ({exc.reason}): "
            "enter the address again on the channel's page.",
            final=True,
        ) from None
    body = formats.WEBHOOK_BODIES[Channel.Format(channel.format)](message)
    payload = _json_bytes(body)
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "marketo-admin"}
    if secret:
        # The time of sending, not `now`: the receiver compares it with its clock.
        headers.update(signature_headers(secret, int(time.time()), payload))
    try:
        response = requests.post(
            url, data=payload, headers=headers, timeout=WEBHOOK_TIMEOUT, allow_redirects=False
        )
    # requests' own messages carry the URL, whose path is the secret of a Slack or Teams
    # webhook: each failure is told in our words, and nothing is chained to the traceback.
    except requests.Timeout:
        raise SendFailed(f"{hint} did not answer within {WEBHOOK_TIMEOUT[1]} seconds.") from None
    except requests.ConnectionError:
        raise SendFailed(f"Could not connect to {hint}.") from None
    except requests.RequestException as exc:
        raise SendFailed(f"The request to {hint} failed ({type(exc).__name__}).") from None
    if not 200 <= response.status_code < 300:
        answer = redact(" ".join(response.text.split()))[:200]
        raise SendFailed(
            f"{hint} answered {response.status_code} {response.reason or ''}".rstrip()
            + (f": {answer}" if answer else "."),
            response_status=response.status_code,
        )
    return response.status_code


def _json_bytes(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def due_deliveries(now: datetime) -> list[int]:
    """The deliveries to hand to workers now: retries whose time has come, and new ones
    still unsent LOST_AFTER after they were queued (their message was lost)."""
    due = Q(status=Delivery.Status.RETRYING, next_attempt_at__lte=now) | Q(
        status=Delivery.Status.PENDING, next_attempt_at__lte=now - LOST_AFTER
    )
    return list(
        Delivery.objects.filter(due)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )


def sweep(*, now: datetime | None = None) -> int:
    """Queue every due delivery (beat's every-minute task). Returns how many."""
    ids = due_deliveries(now or timezone.now())
    send_soon(ids)
    return len(ids)

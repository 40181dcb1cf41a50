"""When a service marketo-admin depends on is down (Redis: the governor, the broker, the
cache), a request gets a clear answer, never a 500: pages that need no Marketo call keep
working, and whatever needs one says why it cannot be done now (503).

Views that call Marketo catch these themselves and show the message in place; the middleware
is the net under everything else.
"""

import logging

import redis
from django.http import JsonResponse
from django.shortcuts import render
from kombu.exceptions import OperationalError as BrokerUnavailable

from apps.marketo.governor import GovernorUnavailable

logger = logging.getLogger(__name__)

GOVERNOR_DOWN = "The call governor (Redis) cannot be reached, so no call to Marketo was made."
TRY_AGAIN = "Try again in a minute."
QUEUE_DOWN = (
    "The task queue (Redis) cannot be reached, so nothing was queued. Try again in a minute."
)
REDIS_DOWN = "Redis cannot be reached right now. Try again in a minute."

OUTAGES = (
    GovernorUnavailable,
    BrokerUnavailable,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)


def outage_answer(exc: BaseException) -> tuple[str, str]:
    """(code, message) for people, without addresses or tracebacks (those go to the log)."""
    if isinstance(exc, GovernorUnavailable):
        return "governor_unavailable", f"{GOVERNOR_DOWN} {TRY_AGAIN}"
    if isinstance(exc, BrokerUnavailable):
        return "queue_unavailable", QUEUE_DOWN
    return "redis_unavailable", REDIS_DOWN


class OutageMiddleware:
    """Answers 503 with the reason when a request fails because Redis is unreachable:
    `{"detail", "code"}` under /api/, a readable page elsewhere."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OUTAGES):
            return None
        code, message = outage_answer(exception)
        logger.warning("%s %s: %s (%s)", request.method, request.path, code, exception)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message, "code": code}, status=503)
        context = {"title": "Not available right now", "message": message, "status": 503}
        return render(request, "503.html", context, status=503)


def queue_or_explain(send, *, explain) -> bool:
    """Send a task message for something a person waits for (`send()`); when the broker
    cannot take it, `explain(message)` records why on the row the page polls, so it says so
    instead of waiting for ever. Never raises."""
    try:
        send()
    except Exception as exc:
        logger.warning("could not queue a task (%s: %s)", type(exc).__name__, exc)
        explain(QUEUE_DOWN)
        return False
    return True

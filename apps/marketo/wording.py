"""A call problem in words for a person: the one function the pages, the API and the jobs
use, so that each problem reads the same wherever it shows (the words are in codes.py)."""

from apps.marketo.codes import Level, code_info
from apps.marketo.errors import AccessDenied, CallNotMade, CallProblem, MarketoError, RetryLater

TRY_AGAIN = "Try again in a minute."


def call_problem_message(
    exc: CallProblem, *, needs: tuple[str, ...] | None = (), job: bool = False
) -> str:
    """What to tell a person about a call to Marketo that could not be made or failed.

    `needs`: the role permissions the call needs in Marketo, the least first, which a refusal
    of access names; None when the endpoint needs none; () when not known.
    `job`: the words are a job's status. A job retries what passes by itself, so the advice
    to try again is left out; the job says what it does next.
    """
    if exc.person_message:
        if job or not _passes(exc):
            return exc.person_message
        return f"{exc.person_message} {TRY_AGAIN}"
    if not isinstance(exc, MarketoError):  # a CallNotMade: its str() is written for people
        return str(exc)
    row = code_info(exc.code)
    if isinstance(exc, RetryLater):
        return f"{row.meaning}." if job else f"{row.meaning}: try again in {exc.seconds:.0f} s."
    if row.level is Level.CLIENT:
        said = f"{row.meaning} ({exc.message.rstrip('.')})."
    else:
        said = _sentence(f"Marketo answered {exc}")
    if job and row.passes_by_itself:
        return said
    if isinstance(exc, AccessDenied) and needs != ():
        return f"{said} {_permission_advice(needs)}"
    return f"{said} {row.action}"


def _passes(exc: CallProblem) -> bool:
    return isinstance(exc, CallNotMade) and exc.passes


def _permission_advice(needs: tuple[str, ...] | None) -> str:
    if needs is None:
        return (
            "This endpoint needs no role permission, so check that the IP allow-list (Admin >"
            " Web Services) lets this server in and that the API user is active and API-only."
        )
    first, *others = needs
    also = f" (or {', '.join(f'“{name}”' for name in others)})" if others else ""
    return (
        f"The API user's role lacks the “{first}” permission{also}, or an IP allow-list blocks"
        " marketo-admin: add the permission under Admin > Users & Roles, or allow this server"
        " under Admin > Web Services."
    )


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?")) else f"{text}."

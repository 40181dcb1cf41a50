"""One wording of every call problem, for pages, the API and jobs alike."""

import pytest

from apps.instances.client import InstanceDisabled
from apps.marketo.codes import error_for
from apps.marketo.errors import AccessDenied, RetryLater, TransientError
from apps.marketo.governor import GovernorUnavailable
from apps.marketo.leads import TooManyMatches
from apps.marketo.wording import call_problem_message

GOVERNOR_DOWN = "The call governor (Redis) cannot be reached, so no call to Marketo was made."


def test_a_call_not_made_says_why_and_a_person_is_told_to_try_again_if_it_passes():
    down = GovernorUnavailable("redis 10.0.0.5:6379: Connection refused")
    assert call_problem_message(down) == f"{GOVERNOR_DOWN} Try again in a minute."
    assert call_problem_message(down, job=True) == GOVERNOR_DOWN  # the job says what it does
    disabled = InstanceDisabled("Production is disabled: marketo-admin makes no calls to it.")
    assert call_problem_message(disabled) == str(disabled)


def test_a_wait_for_the_budget_names_the_wait_to_a_person():
    wait = RetryLater(12.4, "window")
    assert call_problem_message(wait) == "Waiting for the instance's API budget: try again in 12 s."
    assert call_problem_message(wait, job=True) == "Waiting for the instance's API budget."


def test_a_temporary_failure_asks_a_person_to_try_again_and_lets_a_job_say_what_it_does():
    failed = error_for("611", "System error")
    person = call_problem_message(failed)
    assert person.startswith("Marketo answered 611 System error. Temporary on Marketo's side")
    assert "try again in a minute" in person
    assert call_problem_message(failed, job=True) == "Marketo answered 611 System error."


def test_an_outcome_of_the_client_is_worded_from_its_row():
    timeout = TransientError("no answer within 30 s", code="timeout")
    assert call_problem_message(timeout).startswith(
        "Marketo did not answer in time (no answer within 30 s). Temporary"
    )


@pytest.mark.parametrize(
    ("needs", "words"),
    [
        (
            ("Read-Only Lead", "Read-Write Lead"),
            "The API user's role lacks the “Read-Only Lead” permission (or “Read-Write Lead”),"
            " or an IP allow-list blocks marketo-admin",
        ),
        (None, "This endpoint needs no role permission, so check that the IP allow-list"),
        ((), "Give the API user's role the permission the endpoint needs"),
    ],
    ids=["named", "none-needed", "not-known"],
)
def test_a_refusal_of_access_names_the_permission_the_call_needs(needs, words):
    denied = AccessDenied("Access denied", code="603")
    message = call_problem_message(denied, needs=needs)
    assert message.startswith("Marketo answered 603 Access denied. ")
    assert words in message
    assert call_problem_message(denied, needs=needs, job=True) == message  # it does not pass


def test_too_many_matches_asks_to_narrow_the_search():
    assert call_problem_message(TooManyMatches()) == (
        "Too many leads match (more than 1,000): narrow the search."
    )

"""One value looked up in one instance, or in every instance a person may look leads up in,
as the Leads page and the home page show it: the leads found, or why not, in words."""

from concurrent.futures import ThreadPoolExecutor

from django.db import connections

from apps.audit.context import AuditContext
from apps.core.permissions import Action, may
from apps.instances.models import MarketoInstance
from apps.leads import metadata, services
from apps.leads.parsing import BadInput
from apps.marketo import leads as marketo_leads
from apps.marketo.errors import CallProblem, RetryLater, TransientError
from apps.marketo.leads import TooManyMatches
from apps.marketo.moments import marketo_time
from apps.marketo.wording import call_problem_message

# A person waits for every instance's answer: no attempt starts after this (an instance that
# does not answer is named after it, as for the Leads page's field list).
DEADLINE_SECONDS = 8.0
# Instances asked at once when a page is answered without JavaScript (with it, the browser
# asks each instance on its own).
PARALLEL_INSTANCES = 5


def lookup_instances(*, user) -> list[MarketoInstance]:
    """The enabled instances `user` may look leads up in, by name."""
    visible = MarketoInstance.objects.visible_to(user).filter(enabled=True).order_by("name")
    return [instance for instance in visible if may(user, Action.LOOKUP_LEADS, instance)]


def search_answer(*, instance, user, field: str, value: str, audit: AuditContext) -> dict:
    """The context of leads/partials/search_result.html: `leads` (each with `updated` as a
    moment, for the viewer's zone) or `error` (and `too_many`), and the field's name."""
    answer: dict = {"instance": instance, "field": field, "value": value.strip()}
    try:
        leads = services.lead_search(
            instance=instance,
            user=user,
            field=field,
            value=value,
            audit=audit,
            deadline_seconds=DEADLINE_SECONDS,
        )
        for lead in leads:
            lead["updated"] = marketo_time(lead.get("updatedAt"))
        answer["leads"] = leads
    except BadInput as exc:
        answer["error"] = str(exc)
    except TransientError:
        answer["error"] = f"{instance.name} did not answer; try again in a moment."
    except RetryLater:
        # Calls that got no answer keep their slots a while (timeouts.DROPPED_HOLD_SECONDS),
        # so an instance that does not answer soon reads as busy.
        answer["error"] = (
            f"{instance.name} did not answer in time: its calls are waiting for its API limits "
            "or for calls that got no answer. Try again in a moment."
        )
    except CallProblem as exc:
        answer["error"] = call_problem_message(exc, needs=marketo_leads.ROLE_PERMISSIONS)
        answer["too_many"] = isinstance(exc, TooManyMatches)
    # The field's display name, from the field list the lookup itself read.
    answer["field_label"] = metadata.cached_labels(instance=instance).get(field, field)
    return answer


def in_parallel(instances, answer_for) -> list:
    """`answer_for(instance)` for each instance, at most PARALLEL_INSTANCES at once, in the
    instances' order. Each thread closes the database connections it opened."""

    def one(instance):
        try:
            return answer_for(instance)
        finally:
            connections.close_all()

    if len(instances) < 2:
        return [answer_for(instance) for instance in instances]  # nothing to wait for at once
    with ThreadPoolExecutor(max_workers=min(PARALLEL_INSTANCES, len(instances))) as pool:
        return list(pool.map(one, instances))

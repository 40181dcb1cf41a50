"""A lead's activities on its detail page: the types the viewer chose (at most 20: two calls
per page of Marketo's, activities.md "Query": ten activityTypeIds per call), read newest
first one week at a time, each week from its own date-based paging token (oldest first
inside it, as Marketo answers), and "load older" for the week before."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from apps.leads import detail
from apps.leads.models import LeadActivityPreference
from apps.marketo.activities import MAX_ACTIVITY_TYPES, activity_moment

MAX_CHOSEN_TYPES = 2 * MAX_ACTIVITY_TYPES
SLICE = timedelta(days=7)
MAX_SLICES = 52  # a year back; "Most activities will be purged after some period of time"
# When the viewer has not chosen: what a marketer looks at first, by the names Marketo
# gives the standard types (both spellings of the web page visit are in use).
DEFAULT_TYPE_NAMES = [
    "Visit Webpage",
    "Visit Web Page",
    "Fill Out Form",
    "Click Link",
    "Send Email",
    "Email Delivered",
    "Open Email",
    "Click Email",
    "Email Bounced",
    "Unsubscribe Email",
    "New Lead",
    "Change Data Value",
    "Change Score",
    "Add to List",
    "Remove from List",
    "Change Status in Progression",
    "Add to Nurture",
    "Interesting Moment",
    "Merge Leads",
    "Convert Lead",
    "Change Owner",
]


class TooManyTypes(ValueError):
    pass


def activity_types_chosen(*, instance, user, types: dict[int, str]) -> list[int]:
    """The viewer's types for this instance (those the instance still has), else the
    defaults that the instance has, by name."""
    preference = LeadActivityPreference.objects.filter(user=user, instance=instance).first()
    if preference is not None:
        chosen = [type_id for type_id in preference.type_ids if type_id in types]
        if chosen:
            return chosen[:MAX_CHOSEN_TYPES]
    by_name = {name.lower(): type_id for type_id, name in types.items()}
    defaults = [by_name[name.lower()] for name in DEFAULT_TYPE_NAMES if name.lower() in by_name]
    return list(dict.fromkeys(defaults))[:MAX_CHOSEN_TYPES]


def activity_types_choose(*, instance, user, type_ids: list[int], types: dict[int, str]):
    """Remember the viewer's types for this instance; only types the instance has."""
    chosen = list(dict.fromkeys(type_id for type_id in type_ids if type_id in types))
    if len(chosen) > MAX_CHOSEN_TYPES:
        raise TooManyTypes(
            f"Choose at most {MAX_CHOSEN_TYPES} activity types: Marketo reads ten per call."
        )
    if not chosen:
        raise TooManyTypes("Choose at least one activity type.")
    LeadActivityPreference.objects.update_or_create(
        user=user, instance=instance, defaults={"type_ids": chosen}
    )
    return chosen


def newest_since(now: datetime | None = None) -> datetime:
    """Where the newest week starts: a week before the hour, so that views within the hour
    share their cached reads."""
    hour = (now or timezone.now()).replace(minute=0, second=0, microsecond=0)
    return hour - SLICE


@dataclass
class ActivityWeek:
    since: datetime
    until: datetime | None  # None: up to now
    older: int  # 0 for the newest week
    rows: list[dict[str, Any]]
    complete: bool

    @property
    def can_load_older(self) -> bool:
        return self.older + 1 < MAX_SLICES


def activity_week(
    *, instance, user, lead_id: int, types: dict[int, str], type_ids, start: datetime, older: int
):
    """Week `older` (0: the newest, from `start` to now; 1: the week before `start`, ...) of
    the `type_ids` activities; `types` names the instance's activity types."""
    older = max(0, min(int(older), MAX_SLICES - 1))
    since = start - SLICE * older
    until = None if older == 0 else since + SLICE
    if not type_ids:  # the types could not be read: nothing to ask Marketo for
        return ActivityWeek(since, until, older, [], True)
    read = detail.activities_read_cached(
        instance=instance, user=user, lead_id=lead_id, type_ids=type_ids, since=since, until=until
    )
    rows = [
        {
            **row,
            "type_name": types.get(row.get("activityTypeId"), f"Type {row.get('activityTypeId')}"),
            "when": activity_moment(row),
        }
        for row in read["rows"]
    ]
    return ActivityWeek(since, until, older, rows, read["complete"])

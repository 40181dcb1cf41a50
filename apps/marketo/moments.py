"""Marketo's timestamps as aware datetimes."""

from datetime import UTC, datetime


def marketo_time(value: object) -> datetime | None:
    """ "2011-03-04T17:01:32Z+0000" (the asset API, folders.md), "2016-05-17T19:32:44Z" (the
    lead database, leads.md) or any ISO 8601; None for anything else."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip().replace("Z+0000", "+00:00")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

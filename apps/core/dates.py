"""Dates that people and clients type: each one is checked against the years this product
can mean before anything computes with it, so that `end=0001-01-01` is a clear 400 rather
than an OverflowError from `end - timedelta(days=29)` (or from `+ 1 day` at 9999-12-31).

Every form field, query serializer and filter that takes a date uses one of these fields.
"""

from datetime import date, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework import serializers

# Marketo was founded in 2006: no instance has anything dated before.
EARLIEST = date(2006, 1, 1)
# Reports may ask a little ahead ("until the end of next year"); nothing goes further.
YEARS_AHEAD = 10


def latest() -> date:
    return timezone.now().date() + timedelta(days=round(365.25 * YEARS_AHEAD))


def validate_plausible_date(value: date) -> None:
    last = latest()
    if not EARLIEST <= value <= last:
        raise ValidationError(
            f"Give a date from {EARLIEST:%Y-%m-%d} (Marketo's first year) "
            f"to {last:%Y-%m-%d}; {value:%Y-%m-%d} is outside it.",
            code="date_out_of_range",
        )


class BoundedDateField(forms.DateField):
    """A form's date, between EARLIEST and latest()."""

    default_validators = [validate_plausible_date]


class BoundedDateSerializerField(serializers.DateField):
    """An API date (query parameter or body field), between EARLIEST and latest()."""

    default_validators = [validate_plausible_date]


def check_order(start: date | None, end: date | None) -> None:
    """The one rule every start/end pair follows; raises ValidationError naming `end`."""
    if start and end and end < start:
        raise ValidationError(
            {"end": f"The end date ({end:%Y-%m-%d}) is before the start date ({start:%Y-%m-%d})."}
        )

"""CSV downloads that are safe to open in a spreadsheet."""

import csv
from datetime import datetime

from django.http import StreamingHttpResponse
from django.utils import timezone

# A cell starting with one of these is run as a formula by Excel and its kin
# (OWASP, "CSV Injection"); a leading apostrophe makes it plain text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def local_moment(value: datetime | None, zone=None) -> str:
    """An instant as ISO 8601 in the viewer's zone (or `zone`), offset included
    ("2026-12-01T07:00:00+01:00"): what the page shows, and still exact for a program."""
    if value is None:
        return ""
    return timezone.localtime(value, zone or timezone.get_current_timezone()).isoformat(
        timespec="seconds"
    )


class _Echo:
    def write(self, value):
        return value


def csv_response(filename: str, header: list[str], rows) -> StreamingHttpResponse:
    """Stream `rows` (an iterable of sequences) as a CSV download, one row at a time."""
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # a BOM, so Excel reads UTF-8 names correctly
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([safe_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

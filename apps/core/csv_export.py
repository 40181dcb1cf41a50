"""CSV downloads that are safe to open in a spreadsheet."""

import csv

from django.http import StreamingHttpResponse

# A cell starting with one of these is run as a formula by Excel and its kin
# (OWASP, "CSV Injection"); a leading apostrophe makes it plain text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


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

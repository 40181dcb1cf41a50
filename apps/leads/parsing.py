"""Turning what people paste or upload into a clean list of values to look up."""

import csv
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from apps.core.inputs import InputRefused, refuse_control_characters

MAX_VALUES = 100_000
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# The longest value worth sending: Marketo's describe gives email (and its other string
# fields) a length of 255.
MAX_VALUE_CHARS = 255
# The request body a lookup of MAX_VALUES values of MAX_VALUE_CHARS needs, pasted (a separator
# each) or as a JSON list (quotes and a comma each), with room for the other fields. A CSV
# upload (MAX_UPLOAD_BYTES) fits too. 100,000 realistic emails are about 3.5 MB.
MAX_BODY_BYTES = MAX_VALUES * (MAX_VALUE_CHARS + 4) + 64 * 1024
# How a refusal of a too large lookup names what has the larger limit.
LOOKUP_BODIES = f"lead lookups of up to {MAX_VALUES:,} values"
_SEPARATORS = re.compile(r"[\n\r,;\t]+")
# Field types whose values are checked before they are sent (describe's dataType).
EMAIL_TYPES = {"email"}
INTEGER_TYPES = {"integer"}


class BadInput(ValueError):
    """The input cannot be looked up; the message says why, in words."""


@dataclass
class ParsedValues:
    values: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    duplicates: int = 0


def split_pasted(text: str) -> list[str]:
    """One value per line, or separated by commas or semicolons (or tabs, from a sheet)."""
    return [part for part in _SEPARATORS.split(text or "")]


def clean_values(raw: list[str], *, data_type: str = "string") -> ParsedValues:
    """Trimmed, de-duplicated (ignoring case, as Marketo matches), checked by type; blank
    entries are dropped. Raises BadInput for no values or too many."""
    parsed, seen = ParsedValues(), set()
    for position, item in enumerate(raw, start=1):
        value = item.strip().strip('"').strip()
        if not value:
            continue
        try:
            # A CSV file can carry them past the request checks; PostgreSQL stores no NUL.
            refuse_control_characters(value, where=f"Value {position:,}")
        except InputRefused as exc:
            raise BadInput(f"{exc} Remove it and try again.") from exc
        key = value.lower()
        if key in seen:
            parsed.duplicates += 1
            continue
        seen.add(key)
        if not _valid(value, data_type):
            parsed.invalid.append(value)
            continue
        parsed.values.append(value)
    if len(parsed.values) > MAX_VALUES:
        raise BadInput(
            f"That is {len(parsed.values):,} values; a lookup takes at most {MAX_VALUES:,}. "
            "Split the list and look it up in parts."
        )
    if not parsed.values:
        if parsed.invalid:
            raise BadInput(
                f"None of the {len(parsed.invalid):,} values is a valid {data_type} "
                f"(for example “{parsed.invalid[0]}”)."
            )
        raise BadInput("Enter at least one value to look up.")
    return parsed


def _valid(value: str, data_type: str) -> bool:
    if data_type in EMAIL_TYPES:
        try:
            validate_email(value)
        except ValidationError:
            return False
        return True
    if data_type in INTEGER_TYPES:
        return value.lstrip("-").isdigit()
    return True


def decode_upload(data: bytes) -> str:
    """UTF-8 with or without a BOM; otherwise Windows-1252, which is what Excel writes as
    "CSV" on Windows."""
    if not data.strip():
        raise BadInput("The file is empty.")
    if b"\x00" in data[:4096]:
        raise BadInput("The file is not a CSV text file (is it an .xlsx? Save it as CSV).")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_csv(data: bytes) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of an uploaded CSV; the delimiter (comma, semicolon, tab) is guessed."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise BadInput(f"The file is over {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
    text = decode_upload(data)
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample.splitlines() else ""
        delimiter = max(",;\t", key=first.count)
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as exc:
        raise BadInput(f"The file could not be read as CSV: {exc}.") from exc
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise BadInput("The file is empty.")
    header = [cell.strip() for cell in rows[0]]
    return header, rows[1:]


def csv_column_values(data: bytes, *, column: str, field: str) -> tuple[list[str], str]:
    """The values of `column` (by header name; when blank, the column named like `field`,
    or the only column). Returns (values, the column used)."""
    header, rows = read_csv(data)
    lowered = [name.lower() for name in header]
    wanted = (column or "").strip()
    if not wanted:
        if field.lower() in lowered:
            wanted = header[lowered.index(field.lower())]
        elif len(header) == 1:
            wanted = header[0]
        else:
            raise BadInput(f"Choose the column to look up; the file has: {', '.join(header)}.")
    if wanted.lower() not in lowered:
        raise BadInput(f"The file has no column “{wanted}”; its columns are: {', '.join(header)}.")
    index = lowered.index(wanted.lower())
    values = [row[index] for row in rows if index < len(row)]
    if not any(value.strip() for value in values):
        raise BadInput(f"The column “{wanted}” has no values.")
    return values, header[index]

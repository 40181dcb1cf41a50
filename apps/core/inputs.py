"""What any input must be before a view sees it: text without control characters, and JSON
that is an object of bounded depth. Used by the request middleware (paths, query strings,
forms) and by the API's parsers (bodies), so that no view has to check for itself.

Why: PostgreSQL cannot store NUL in text (the insert fails), Python's JSON decoder recurses
once per level (5,000 levels is a RecursionError), and a list where an object was expected
breaks every serializer that calls `.get()` on it. Each was a 500; each is now a 400 that
says what is wrong.
"""

import json
import math
import re

# Tab, newline and carriage return are legitimate in bodies (pasted lists, CSV, text areas);
# every other C0 control character and DEL is refused there, and all of them in paths and
# query strings. Lone surrogates (from JSON's \ud800 escapes) cannot be encoded as UTF-8.
_CONTROL_IN_BODY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_CONTROL_IN_URL = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")

# Deeper than any body this API takes (its deepest is 2), far below Python's recursion limit.
MAX_JSON_DEPTH = 32

# A JSON string, with its escapes; used to ignore brackets inside strings when counting depth.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")


class InputRefused(ValueError):
    """The input cannot be taken. `code` is the API's error code; the message says why."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def _describe(char: str) -> str:
    if char == "\x00":
        return "a NUL character"
    if "\ud800" <= char <= "\udfff":
        return "an unpaired surrogate (not valid text)"
    return f"a control character (U+{ord(char):04X})"


def refuse_control_characters(text: str, *, where: str, in_url: bool = False) -> None:
    """Raise InputRefused when `text` holds a character no field of this product takes."""
    found = (_CONTROL_IN_URL if in_url else _CONTROL_IN_BODY).search(text)
    if found:
        raise InputRefused(f"{where} contains {_describe(found.group())}.", "invalid_characters")


def _too_deep(text: str, limit: int) -> bool:
    """Whether the JSON text nests arrays and objects deeper than `limit`, counted on the
    text itself, before decoding: the decoder is what must not see it."""
    brackets = _NOT_A_BRACKET.sub("", _JSON_STRING.sub("", text))
    depth = 0
    for char in brackets:
        if char in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def parse_json_object(raw: bytes | str, *, max_depth: int = MAX_JSON_DEPTH) -> dict:
    """The JSON object in `raw`, checked: an object at the top, at most `max_depth` levels,
    finite numbers, and text without control characters. Raises InputRefused."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise InputRefused("The body is not UTF-8 text.", "parse_error") from exc
    if _too_deep(text, max_depth):
        raise InputRefused(f"The JSON body nests deeper than {max_depth} levels.", "json_too_deep")
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except ValueError as exc:  # JSONDecodeError, NaN/Infinity, an integer of 4,300+ digits
        raise InputRefused(f"The body is not valid JSON: {exc}.", "parse_error") from exc
    if not isinstance(data, dict):
        raise InputRefused(
            f"The body must be a JSON object ({{...}}), not {_json_type(data)}.",
            "json_not_an_object",
        )
    check_json_values(data)
    return data


def _json_type(value) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"


def check_json_values(data) -> None:
    """Every string (keys too) without control characters, every number finite."""
    stack = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                refuse_control_characters(key, where=f"A key in {path or 'the body'}")
                stack.append((f"{path}.{key}" if path else key, item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{index}]", item) for index, item in enumerate(value))
        elif isinstance(value, str):
            refuse_control_characters(value, where=f"“{path}”" if path else "The body")
        elif isinstance(value, float) and not math.isfinite(value):
            # 1e999 decodes to infinity without passing parse_constant.
            raise InputRefused(f"“{path}” is not a finite number.", "parse_error")


def check_form_values(data, *, where: str, in_url: bool = False) -> None:
    """Every key and value of a QueryDict: a form, or a query string (`in_url`)."""
    for key, values in data.lists():
        refuse_control_characters(key, where=f"A name in {where}", in_url=in_url)
        for value in values:
            if isinstance(value, str):
                refuse_control_characters(value, where=f"“{key[:40]}” in {where}", in_url=in_url)

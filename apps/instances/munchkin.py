"""Munchkin ids: what one looks like, and what is wrong with one that does not.

Marketo names a subscription by its Munchkin id (the "account ID"), the first part of the
REST base URL: `https://284-RPR-133.mktorest.com/rest` (help/rest-api/base-url.md). Every
id in Marketo's pages has that shape: three digits, three letters, three digits. People
paste ids with a digit too many or the whole URL; they get told which part is wrong
instead of having the field cut the input short.
"""

import re

MUNCHKIN_ID = re.compile(r"^\d{3}-[A-Z]{3}-\d{3}$")
_IN_URL = re.compile(r"(\d{3}-[A-Z]{3}-\d{3})\.mktorest\.com", re.IGNORECASE)
_PARTS = [("first", r"\d", "digits"), ("middle", r"[A-Z]", "letters"), ("last", r"\d", "digits")]

EXAMPLE = "123-ABC-456"


def normalise_munchkin_id(value: str) -> str:
    """People type ids in lower case; Marketo shows them in upper case."""
    return value.strip().upper()


def munchkin_id_problem(value: str) -> str | None:
    """Why `value` (already normalised) is not a Munchkin id, in words; None if it is one."""
    if MUNCHKIN_ID.match(value):
        return None
    intro = (
        f"“{value[:40]}” is not a Munchkin id: Marketo's look like {EXAMPLE}, three digits, "
        "three letters and three digits (Admin > Munchkin in Marketo)."
    )
    in_url = _IN_URL.search(value)
    if in_url:
        return f"{intro} This looks like a URL; its Munchkin id is {in_url.group(1).upper()}."
    parts = value.split("-")
    if len(parts) != 3:
        return f"{intro} It has {len(parts)} part(s) separated by hyphens, not 3."
    for part, (where, char, kind) in zip(parts, _PARTS, strict=True):
        if not re.fullmatch(f"{char}{{3}}", part):
            if re.fullmatch(f"{char}+", part):
                return f"{intro} Its {where} part has {len(part)} {kind}, not 3."
            return f"{intro} Its {where} part, “{part[:20]}”, should be 3 {kind}."
    return intro

"""Marketo's documented example responses (tests/contract/marketo-examples/) and the one way
both contract suites compare an answer with them: by keys and JSON types, never by values.

Each fixture file holds one example as its page shows it: `request` (the request line the
page shows above it, or null where it shows none), `body` (a form body, where shown) and
`response`. Where each comes from is in marketo-examples/SOURCE.md.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent / "marketo-examples"


def example_names() -> list[str]:
    return sorted(path.stem for path in EXAMPLES.glob("*.json"))


def example(name: str) -> dict:
    return json.loads((EXAMPLES / f"{name}.json").read_text())


def response(name: str) -> dict:
    return example(name)["response"]


# --- shapes -----------------------------------------------------------------------------


def json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


@dataclass
class Shape:
    """What one place of a documented example allows: its JSON types, an object's members
    (each with whether every documented occurrence has it) and an array's item shape."""

    types: set = field(default_factory=set)
    members: dict = field(default_factory=dict)  # name -> (Shape, required)
    items: "Shape | None" = None
    seen_object: bool = False


def shape_of(value) -> Shape:
    shape = Shape(types={json_type(value)})
    if isinstance(value, dict):
        shape.seen_object = True
        shape.members = {name: (shape_of(item), True) for name, item in value.items()}
    elif isinstance(value, list) and value:
        # A list is one shape: its items merged, so a member some items lack is optional
        # there, and a member that is null in one item and a string in another may be either.
        shape.items = _merged([shape_of(item) for item in value])
    return shape


def _merged(shapes: list[Shape]) -> Shape:
    result = shapes[0]
    for other in shapes[1:]:
        result = _merge(result, other)
    return result


def _merge(a: Shape, b: Shape) -> Shape:
    merged = Shape(types=a.types | b.types, seen_object=a.seen_object or b.seen_object)
    if a.seen_object and b.seen_object:
        for name in dict.fromkeys([*a.members, *b.members]):  # in the documented order
            if name in a.members and name in b.members:
                (sa, ra), (sb, rb) = a.members[name], b.members[name]
                merged.members[name] = (_merge(sa, sb), ra and rb)
            else:
                only, _ = a.members.get(name) or b.members[name]
                merged.members[name] = (only, False)
    else:
        merged.members = a.members or b.members
    if a.items and b.items:
        merged.items = _merge(a.items, b.items)
    else:
        merged.items = a.items or b.items
    return merged


@dataclass(frozen=True)
class Allow:
    """One documented reason for an answer to differ from an example's shape at `path`
    ("result[].folder.folderName"): `absent` (a documented member may be missing),
    `extra` (an undocumented member may be present), `type` (another JSON type, `types`),
    `empty` (a documented non-empty list may be empty)."""

    path: str
    kind: str
    reason: str
    types: tuple = ()


def shape_differences(documented, answered, allow=()) -> tuple[list[str], set]:
    """(differences, allowances used). An allowance that is never used is a difference too,
    so that none outlives the difference it was written for."""
    allowed = {(a.path, a.kind): a for a in allow}
    used: set = set()
    differences: list[str] = []
    _compare(shape_of(documented), answered, "", allowed, used, differences)
    for key, allowance in allowed.items():
        if key not in used:
            differences.append(f"{allowance.path}: allowance {allowance.kind!r} is not needed")
    return list(dict.fromkeys(differences)), used  # one line per place, not per item


def _allowed(allowed, used, path, kind, answered_type=None) -> bool:
    allowance = allowed.get((path, kind))
    if allowance is None or (kind == "type" and answered_type not in allowance.types):
        return False
    used.add((path, kind))
    return True


def _compare(shape: Shape, value, path: str, allowed, used, differences) -> None:
    kind = json_type(value)
    if kind not in shape.types and not _allowed(allowed, used, path or "$", "type", kind):
        differences.append(f"{path or '$'}: documented {sorted(shape.types)}, answered {kind}")
        return
    if kind == "object" and shape.seen_object:
        for name, (member, required) in shape.members.items():
            where = f"{path}.{name}" if path else name
            if name in value:
                _compare(member, value[name], where, allowed, used, differences)
            elif required and not _allowed(allowed, used, where, "absent"):
                differences.append(f"{where}: documented, absent")
        for name in [name for name in value if name not in shape.members]:
            where = f"{path}.{name}" if path else name
            if not _allowed(allowed, used, where, "extra"):
                differences.append(f"{where}: answered, not documented")
    elif kind == "array" and shape.items is not None:
        if not value:
            if not _allowed(allowed, used, path, "empty"):
                differences.append(f"{path}: documented with items, answered empty")
            return
        for item in value:
            _compare(shape.items, item, f"{path}[]", allowed, used, differences)

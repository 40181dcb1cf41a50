"""Names for the Marketo ids one app shows and another app knows.

A page speaks the marketer's language: a program is "Spring Webinar 2026", linked to the
product's own page for it, not "Program 1007". The ids come from one app (a lead's
memberships, read from Marketo by apps.leads) and the names from another (the asset mirror,
apps.assets). Those two apps are siblings in the layers of docs/architecture.md (checked by
import-linter), so neither may import the other: apps.leads cannot query the mirror's
models, and apps.assets should not know what a lead is.

This registry, in the lowest Django layer, is where they meet. The app that knows a kind of
thing registers a resolver for it when Django starts (apps.assets, in its AppConfig.ready());
the app that shows ids asks `names_for(instance=..., kind=..., ids=...)` and gets back the
names it can have, with no import of the other. A resolver answers for all the ids of its
kind at once (one query per kind, not one per row of a table). A kind nobody registered
answers nothing: the page then shows its own wording for an id it cannot name.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Named:
    name: str  # what the marketer calls it
    url: str  # the product's own page for it ("" when there is none)
    secondary: str  # quieter text beside the name: the Marketo id


# resolver(instance=..., ids=[...]) -> {id: Named} for the ids it knows.
Resolver = Callable[..., dict[int, Named]]

_resolvers: dict[str, Resolver] = {}
_labels: dict[str, str] = {}


def register(kind: str, resolver: Resolver, *, label: str = "") -> None:
    """Name the ids of `kind` ("program", "static_list", "folder"...) with `resolver`;
    `label` is the kind in words ("Program"), for the ids it cannot name."""
    _resolvers[kind] = resolver
    _labels[kind] = label or kind.replace("_", " ").capitalize()


def registered(kind: str) -> bool:
    return kind in _resolvers


def kind_label(kind: str) -> str:
    """The kind in words: "Program", "Static list"."""
    return _labels.get(kind) or kind.replace("_", " ").capitalize()


def _as_ids(ids: Iterable[Any]) -> list[int]:
    clean = set()
    for value in ids:
        try:
            clean.add(int(value))
        except (TypeError, ValueError):
            continue  # Marketo gave something that is not an id: nothing to name
    return sorted(clean)


def names_for(*, instance, kind: str, ids: Iterable[Any]) -> dict[int, Named]:
    """{id: Named} for the ids of `kind` in `instance` that can be named; one resolver call
    (one query) for all of them; {} for a kind nobody registered."""
    resolver = _resolvers.get(kind)
    wanted = _as_ids(ids)
    if resolver is None or not wanted:
        return {}
    return resolver(instance=instance, ids=wanted)

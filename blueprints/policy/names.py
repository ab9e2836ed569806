"""How a reference (a name, an id, the name an ARN carries) names a resource of the plan: its
explicit name input, its logical name, or Pulumi's auto-name (`<logical name>-<7 hex>`); and
an index that finds every resource a reference names in one lookup, not one scan per reference.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

from blueprints.policy.model import Resource, StackView

T = TypeVar("T")

_AUTO_SUFFIX = re.compile(r"-[0-9a-f]{7}")
_AUTO_SUFFIX_LENGTH = 8


def auto_name_of(reference: str) -> str | None:
    """The logical name an auto-name (`<name>-<7 hex>`) was made from; None if it is not one."""
    start = len(reference) - _AUTO_SUFFIX_LENGTH
    if start >= 0 and _AUTO_SUFFIX.fullmatch(reference, start):
        return reference[:start]
    return None


def auto_named(reference: str, resource: Resource, key: str) -> bool:
    """Whether `reference` names `resource`: its explicit `key` input, its logical name, or
    Pulumi's auto-name (`<name>-<7 hex>`)."""
    if reference == resource.get(key) or reference == resource.name:
        return True
    return auto_name_of(reference) == resource.name


class NameIndex:
    """`resources` by every reference that names them (`auto_named` with `key`)."""

    def __init__(self, view: StackView, resources: Iterable[Resource], key: str) -> None:
        self._view = view
        self._exact: dict[str, list[Resource]] = {}
        self._logical: dict[str, list[Resource]] = {}
        for resource in resources:
            value = resource.get(key)
            for name in {value, resource.name} if isinstance(value, str) else {resource.name}:
                self._exact.setdefault(name, []).append(resource)
            self._logical.setdefault(resource.name, []).append(resource)

    def named(self, reference: str) -> list[Resource]:
        """The resources `reference` names, in plan order."""
        found = list(self._exact.get(reference, ()))
        logical = auto_name_of(reference)
        if logical is not None:
            found.extend(self._logical.get(logical, ()))
        return self._view.ordered(found) if found else []


class ReferenceIndex:
    """Resources that refer to others (`holders`: alarms notifying topics, instances of a
    cluster) by the names their references carry, to find every holder naming a target
    (`auto_named`) in one lookup.

    `names_of` gives the names a holder's references carry, or None when they are not known
    yet (a real preview): such a holder refers to the targets sharing its parent component."""

    def __init__(
        self,
        view: StackView,
        holders: Iterable[Resource],
        names_of: Callable[[Resource], list[str] | None],
    ) -> None:
        self._view = view
        self._exact: dict[str, list[Resource]] = {}
        self._auto: dict[str, list[Resource]] = {}
        self._by_parent: dict[str | None, list[Resource]] = {}
        for holder in holders:
            names = names_of(holder)
            if names is None:
                self._by_parent.setdefault(holder.parent, []).append(holder)
                continue
            for name in names:
                self._exact.setdefault(name, []).append(holder)
                logical = auto_name_of(name)
                if logical is not None:
                    self._auto.setdefault(logical, []).append(holder)

    def naming(self, target: Resource, key: str) -> list[Resource]:
        """The holders naming `target` (by its `key` input, logical name or auto-name), or
        sharing its parent without a known reference; in plan order."""
        value = target.get(key)
        found = [
            *(self._exact.get(value, ()) if isinstance(value, str) else ()),
            *self._exact.get(target.name, ()),
            *self._auto.get(target.name, ()),
            *self._by_parent.get(target.parent, ()),
        ]
        return self._view.ordered(found) if found else []


class EndsWith(Generic[T]):
    """Items by a text of theirs (a resource id, an ARN), to find those whose text ends with
    `/<name>` in one lookup: a text can end so only if its last `/` segment is the name's."""

    def __init__(self, items: Iterable[tuple[str, T]]) -> None:
        self._by_last: dict[str, list[tuple[str, T]]] = {}
        for text, item in items:
            _, slash, last = text.rpartition("/")
            if slash:
                self._by_last.setdefault(last, []).append((text, item))

    def ending_with(self, name: str) -> list[T]:
        suffix = f"/{name}"
        candidates = self._by_last.get(name.rpartition("/")[2], ())
        return [item for text, item in candidates if text.endswith(suffix)]

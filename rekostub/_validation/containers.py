"""The compiled nodes for container shapes: structures (members in model order, required ones
reported as null), lists and maps (their own length first, then their contents; a list's or map's
scalars reported once, at the container, with all of the item shape's constraints).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Optional

from rekostub._validation.messages import (
    _NOT_NULL,
    _bound_texts,
    _item,
    _Mismatch,
    _mismatch,
    _null_item,
    _quoted,
    _render_any,
)
from rekostub._validation.nodes import _Any, _Node, _Scalar


def _not_a(value: Any, kind: str, path: str, problems: list[str], wire: bool) -> Any:
    """``value`` is not a ``kind``: raised on the wire (SerializationException), else noted."""
    exc = _mismatch(value, kind)
    if wire:
        raise exc
    problems.append(exc.item(value, path))
    return value


class _Structure(_Node):
    __slots__ = ("members",)

    def __init__(self, name: str) -> None:
        super().__init__(name)
        # (wire key, path segment, node, required), in model order.
        self.members: list[tuple[str, str, _Node, bool]] = []

    def walk(self, value: Any, path: str, problems: list[str], wire: bool) -> Any:
        if not isinstance(value, Mapping):
            return _not_a(value, "structure", path, problems, wire)
        out: Any = value
        prefix = path + "." if path else ""
        get = value.get
        for key, segment, node, required in self.members:
            item = get(key)
            if item is None:
                if required:
                    problems.append(_null_item(prefix + segment))
                elif wire and key in value:
                    # JSON null is an absent member: the operation never sees the key.
                    if out is value:
                        out = dict(value)
                    del out[key]
                continue
            new = node.walk(item, prefix + segment, problems, wire)
            if new is not item:
                if out is value:
                    out = dict(value)
                out[key] = new
        return out

    def render(self, value: Any) -> str:
        if not isinstance(value, Mapping):
            return _render_any(value)
        parts = []
        for key, segment, node, _ in self.members:
            item = value.get(key)
            if item is not None:
                parts.append(f"{segment}={node.render(item)}")
        return f"{self.name}({', '.join(parts)})"


def _aggregate(label: str, node: _Scalar, null_seen: bool) -> str:
    texts = list(node.texts)
    if null_seen:
        texts.append(_NOT_NULL)
    return f"{label} must satisfy constraint: [{', '.join(texts)}]"


def _size_problem(container: _Sized, value: Any, path: str, problems: list[str]) -> None:
    n = len(value)
    if container.max is not None and n > container.max:
        problems.append(_item(container.render(value), path, container.t_max))
    elif container.min is not None and n < container.min:
        problems.append(_item(container.render(value), path, container.t_min))


def _walk_items(
    container: _Sized,
    value: Any,
    items: Iterable[tuple[Any, Any, Any]],
    label: str,
    node: _Node,
    path: str,
    problems: list[str],
    wire: bool,
    copy: Callable[[Any], Any],
) -> Any:
    """Walk a list's or map's items: ``(slot, segment, item)`` with the item's path
    ``<path>.<segment>.member``. Items of a scalar shape are reported once for the whole
    container, as AWS does (``Member must satisfy constraint: [...]``); structured items each at
    their own path. Returns ``value``, or a ``copy`` of it holding the converted items.
    """
    out: Any = value
    if isinstance(node, _Scalar):
        bad = null_seen = False
        for slot, segment, item in items:
            if item is None:
                null_seen = True
                continue
            try:
                new = node.coerce(item, wire)
            except _Mismatch as exc:
                if wire:
                    raise
                problems.append(exc.item(item, f"{path}.{segment}.member"))
                continue
            if node.texts and not bad and node.failing(new):
                bad = True
            if new is not item:
                if out is value:
                    out = copy(value)
                out[slot] = new
        if bad or null_seen:
            problems.append(
                f"Value '{_quoted(container.render(out))}' at '{path}' "
                "failed to satisfy constraint: " + _aggregate(label, node, null_seen)
            )
        return out
    for slot, segment, item in items:
        item_path = f"{path}.{segment}.member"
        if item is None:
            problems.append(_null_item(item_path))
            continue
        new = node.walk(item, item_path, problems, wire)
        if new is not item:
            if out is value:
                out = copy(value)
            out[slot] = new
    return out


class _Sized(_Node):
    """A list or map: a node with length bounds (a minimum of 0 is no bound)."""

    __slots__ = ("max", "min", "t_max", "t_min")

    def __init__(self, name: str, metadata: Mapping[str, Any]) -> None:
        super().__init__(name)
        self.max: Optional[int] = metadata.get("max")
        self.min: Optional[int] = metadata.get("min")
        if self.min is not None and self.min <= 0:
            self.min = None
        self.t_max, self.t_min, _ = _bound_texts("length", self.min, self.max)


class _List(_Sized):
    __slots__ = ("member",)

    def __init__(self, name: str, metadata: Mapping[str, Any]) -> None:
        super().__init__(name, metadata)
        self.member: _Node = _Any(name)

    def walk(self, value: Any, path: str, problems: list[str], wire: bool) -> Any:
        if not (isinstance(value, list) or (not wire and isinstance(value, tuple))):
            return _not_a(value, "list", path, problems, wire)
        if self.max is not None or self.min is not None:
            _size_problem(self, value, path, problems)
        items = ((index, index + 1, item) for index, item in enumerate(value))
        return _walk_items(self, value, items, "Member", self.member, path, problems, wire, list)

    def render(self, value: Any) -> str:
        if not isinstance(value, (list, tuple)):
            return _render_any(value)
        member = self.member
        return "[" + ", ".join("null" if v is None else member.render(v) for v in value) + "]"


class _Map(_Sized):
    __slots__ = ("key", "value")

    def __init__(self, name: str, metadata: Mapping[str, Any]) -> None:
        super().__init__(name, metadata)
        self.key: _Node = _Any(name)
        self.value: _Node = _Any(name)

    def walk(self, value: Any, path: str, problems: list[str], wire: bool) -> Any:
        if not isinstance(value, Mapping):
            return _not_a(value, "map", path, problems, wire)
        if self.max is not None or self.min is not None:
            _size_problem(self, value, path, problems)
        key_node = self.key
        if isinstance(key_node, _Scalar):
            keys_bad = False
            for key in value:
                try:
                    key_node.coerce(key, False)
                except _Mismatch as exc:
                    if wire:  # pragma: no cover - JSON keys are always strings
                        raise
                    problems.append(exc.item(key, path))
                    continue
                if key_node.texts and key_node.failing(key):
                    keys_bad = True
            if keys_bad:
                problems.append(
                    f"Value '{_quoted(self.render(value))}' at '{path}' "
                    "failed to satisfy constraint: " + _aggregate("Map keys", key_node, False)
                )
        items = ((key, key, item) for key, item in value.items())
        return _walk_items(self, value, items, "Map value", self.value, path, problems, wire, dict)

    def render(self, value: Any) -> str:
        if not isinstance(value, Mapping):
            return _render_any(value)
        node = self.value
        return (
            "{"
            + ", ".join(f"{k}={'null' if v is None else node.render(v)}" for k, v in value.items())
            + "}"
        )

"""Compiling a botocore shape into a tree of nodes, once per shape of a model: one memo per loaded
service model (a few kept, oldest dropped), keyed by shape name, or by name and constraints for a
member that overrides them; recursive shapes compile to a cycle of nodes.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Mapping
from typing import Any, Optional

from rekostub._validation.containers import _List, _Map, _Structure
from rekostub._validation.messages import _lower_first
from rekostub._validation.nodes import (
    _Any,
    _Blob,
    _Boolean,
    _Node,
    _Number,
    _String,
    _Timestamp,
)

# --------------------------------------------------------------------------- compiling

_COMPILE_LOCK = threading.RLock()
_MAX_MODELS = 16
# id(shape map) -> (the shape map, kept alive so the id stays its own; compiled nodes by key)
_CACHES: dict[int, tuple[object, dict[Hashable, _Node]]] = {}
_CONSTRAINT_KEYS = ("min", "max", "pattern", "enum", "document")


def _shape_key(shape: Any, shape_map: Optional[Mapping[str, Any]]) -> Hashable:
    """Shapes of one model are compiled once per name; a member reference that overrides a
    constraint (botocore merges member traits into the shape) gets its own entry."""
    name: str = shape.name
    if shape_map is not None and getattr(shape, "_shape_model", None) is shape_map.get(name):
        return name
    metadata = shape.metadata
    return (name, tuple((k, repr(metadata.get(k))) for k in _CONSTRAINT_KEYS))


def _node_for(shape: Any) -> _Node:
    resolver = getattr(shape, "_shape_resolver", None)
    shape_map = getattr(resolver, "_shape_map", None)
    if not isinstance(shape_map, Mapping):
        with _COMPILE_LOCK:
            return _compile(shape, {}, None)
    entry = _CACHES.get(id(shape_map))
    if entry is None or entry[0] is not shape_map:
        with _COMPILE_LOCK:
            entry = _CACHES.get(id(shape_map))
            if entry is None or entry[0] is not shape_map:
                while len(_CACHES) >= _MAX_MODELS:
                    del _CACHES[next(iter(_CACHES))]
                entry = (shape_map, {})
                _CACHES[id(shape_map)] = entry
    memo = entry[1]
    node = memo.get(_shape_key(shape, shape_map))
    if node is None:
        with _COMPILE_LOCK:
            node = _compile(shape, memo, shape_map)
    return node


def _compile(shape: Any, memo: dict[Hashable, _Node], shape_map: Any) -> _Node:
    key = _shape_key(shape, shape_map)
    node = memo.get(key)
    if node is not None:
        return node
    name: str = shape.name
    type_name: str = shape.type_name
    metadata: Mapping[str, Any] = shape.metadata
    if metadata.get("document"):
        node = _Any(name)
    elif type_name == "structure":
        struct_node = _Structure(name)
        memo[key] = struct_node  # before the members: shapes may be recursive
        required = set(metadata.get("required", ()))
        for member_name, member_shape in shape.members.items():
            wire_key: str = member_shape.serialization.get("name", member_name)
            struct_node.members.append(
                (
                    wire_key,
                    _lower_first(member_name),
                    _compile(member_shape, memo, shape_map),
                    member_name in required,
                )
            )
        return struct_node
    elif type_name == "list":
        list_node = _List(name, metadata)
        memo[key] = list_node
        list_node.member = _compile(shape.member, memo, shape_map)
        return list_node
    elif type_name == "map":
        map_node = _Map(name, metadata)
        memo[key] = map_node
        map_node.key = _compile(shape.key, memo, shape_map)
        map_node.value = _compile(shape.value, memo, shape_map)
        return map_node
    elif type_name == "string":
        node = _String(name, metadata)
    elif type_name in ("integer", "long", "float", "double"):
        node = _Number(name, type_name, metadata)
    elif type_name == "boolean":
        node = _Boolean(name)
    elif type_name == "blob":
        node = _Blob(name, metadata)
    elif type_name == "timestamp":
        node = _Timestamp(name)
    else:
        node = _Any(name)
    memo[key] = node
    return node

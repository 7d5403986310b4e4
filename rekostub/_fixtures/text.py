"""How fixture paths and values read in FixtureError messages.

:func:`_render` writes a path inside the document (``collections.staff.faces[0].face_id``),
:func:`_show` and :func:`_kind` a value the fixture got wrong, and :func:`_is_number` tells a
number from a boolean. Shared by the fixture checker (:mod:`rekostub._fixtures.parser`,
:mod:`rekostub._fixtures.faces`) and the images section's (:mod:`rekostub._images.registry`).
"""

from __future__ import annotations

import json
import math
import re
import reprlib
from collections.abc import Mapping

_PLAIN_KEY = re.compile(r"[A-Za-z0-9_\-:]+").fullmatch

PathPart = object  # a key (str) or a list index (int)


def _render(parts: tuple[PathPart, ...]) -> str:
    """``("collections", "staff", "faces", 0, "id")`` -> ``collections.staff.faces[0].id``."""
    out: list[str] = []
    for part in parts:
        if type(part) is int:
            out.append(f"[{part}]")
        elif isinstance(part, str) and _PLAIN_KEY(part):
            out.append(f".{part}" if out else part)
        else:
            shown = json.dumps(part) if isinstance(part, str) else repr(part)
            out.append(f"[{shown}]")
    return "".join(out)


class _BoundedRepr(reprlib.Repr):
    """``repr`` that looks at a bounded part of a value: a YAML alias bomb (a list of lists of
    lists sharing one object) or a 5,000-digit integer costs no more than a small value."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 3
        self.maxlist = self.maxtuple = self.maxdict = self.maxset = 6
        self.maxstring = self.maxother = 80
        self.maxlong = 40

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 256:  # repr() of a huge int is slow, or refused (4,300 digits)
            return f"<an integer of {x.bit_length()} bits>"
        return super().repr_int(x, level)


_BOUNDED = _BoundedRepr()


def _show(value: object) -> str:
    """A value as a message quotes it: at most 80 characters, whatever the value's size."""
    text = _BOUNDED.repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _kind(value: object) -> str:
    """How a value reads in a fixture: 'a string', 'a number', 'null', ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    return f"a {type(value).__name__}"


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_finite_number(value: object) -> bool:
    """A number that is not NaN or infinite and fits a float (a 400-digit integer does not)."""
    if not _is_number(value):
        return False
    try:
        return math.isfinite(value)  # type: ignore[arg-type]
    except OverflowError:
        return False

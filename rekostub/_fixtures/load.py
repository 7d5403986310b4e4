"""Fixtures: a dict or a .json/.toml/.yaml file describing collections, parsed once and checked.

A fixture looks like this (JSON; TOML and YAML hold the same structure)::

    {"collections": {"staff": {
        "face_model_version": "7.0",
        "users": {"alice": {"faces": [{"identity": "alice"}, {"face_id": "<uuid>"}]},
                  "dave": {}},
        "faces": [{"face_id": "<uuid>", "identity": "alice", "similarity": 85},
                  {"face_id": "<uuid>", "embedding": [0.12, -0.03]}]}},
     "options": {"updating_seconds": 0, "account_id": "123456789012"},
     "images": {}}

:func:`load_fixture` checks everything and returns an immutable :class:`Fixture`, or raises
:class:`~rekostub._common.errors.FixtureError` naming the source, the path inside it
(``collections.staff.users.bob.faces[0].face_id``) and what is wrong. Nothing is ever half
loaded: specs are built locally and returned only when the whole fixture is valid.

A file is parsed once per process: the result is cached by (resolved path, mtime, size), so an
edited file is read again. A ``null`` optional value means "absent" (YAML's empty value).

This module loads (sources, files, the per-process cache) and re-exports the rest, split by
job: the specs and defaults (:mod:`._fixture_specs`), the checker (:mod:`._fixture_parser` on
:mod:`._fixture_faces`), message rendering (:mod:`._fixture_text`) and file formats
(:mod:`._fixture_formats`).
"""

from __future__ import annotations

import contextlib
import gc
import os
import stat
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

from rekostub._common.errors import FixtureError
from rekostub._fixtures.formats import _EXTENSIONS
from rekostub._fixtures.formats import _parse_text as _parse_text
from rekostub._fixtures.parser import _Parser
from rekostub._fixtures.specs import DEFAULT_ACCOUNT_ID as DEFAULT_ACCOUNT_ID
from rekostub._fixtures.specs import DEFAULT_FACE_MODEL_VERSION as DEFAULT_FACE_MODEL_VERSION
from rekostub._fixtures.specs import MAX_FACES_PER_USER as MAX_FACES_PER_USER
from rekostub._fixtures.specs import SEED_LIMIT as SEED_LIMIT
from rekostub._fixtures.specs import CollectionSpec as CollectionSpec
from rekostub._fixtures.specs import FaceSpec as FaceSpec
from rekostub._fixtures.specs import Fixture as Fixture
from rekostub._fixtures.specs import FixtureSource as FixtureSource
from rekostub._fixtures.specs import default_face_id as default_face_id
from rekostub._fixtures.specs import default_image_id as default_image_id
from rekostub._fixtures.text import _is_number as _is_number
from rekostub._fixtures.text import _kind as _kind
from rekostub._fixtures.text import _render as _render
from rekostub._fixtures.text import _show as _show

__all__ = ["CollectionSpec", "FaceSpec", "Fixture", "FixtureSource", "load_fixture"]

# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------

_CACHE: dict[Path, tuple[tuple[int, int], Fixture]] = {}
_CACHE_LOCK = threading.Lock()


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic GC while a fixture is parsed and built.

    Parsing allocates hundreds of thousands of acyclic objects, which would trigger repeated
    full collections over the caller's whole heap (~30% of the load time for 100,000 faces).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def clear_cache() -> None:
    """Forget every parsed fixture file (tests and benchmarks)."""
    with _CACHE_LOCK:
        _CACHE.clear()


def _load_file(name: str) -> Fixture:
    path = Path(name)
    ext = path.suffix.lower()
    if ext not in _EXTENSIONS:
        raise FixtureError(
            f"unsupported file extension {path.suffix or '(none)'!r}: a fixture file is "
            f"{', '.join(_EXTENSIONS[:-1])} or {_EXTENSIONS[-1]}",
            source=name,
        )
    try:
        resolved = path.resolve()
        st = resolved.stat()
    except FileNotFoundError:
        raise FixtureError(f"no such file (looked for {path.absolute()})", source=name) from None
    except OSError as exc:
        raise FixtureError(f"cannot read it: {exc.strerror or exc}", source=name) from None
    if not stat.S_ISREG(st.st_mode):
        raise FixtureError("not a regular file", source=name)

    key = (st.st_mtime_ns, st.st_size)
    with _CACHE_LOCK:
        hit = _CACHE.get(resolved)
    if hit is not None and hit[0] == key:
        return hit[1]

    try:
        text = resolved.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FixtureError(
            f"not UTF-8 text (byte {exc.start}): save the file as UTF-8", source=name
        ) from None
    except OSError as exc:
        raise FixtureError(f"cannot read it: {exc.strerror or exc}", source=name) from None
    with gc_paused():
        data = _parse_text(text, ext, name)
        fixture = _Parser(name).document(data, resolved.parent)
    with _CACHE_LOCK:
        _CACHE[resolved] = (key, fixture)
    return fixture


def load_fixture(source: FixtureSource) -> Fixture:
    """A checked, immutable :class:`Fixture` from a file path, a mapping, a Fixture or None.

    - ``None``: an empty fixture (no collections, default options).
    - a :class:`Fixture`: returned as is.
    - a mapping: checked each time (not cached); ``source`` reads ``<dict>``.
    - a path (``str`` / ``os.PathLike``) to a .json, .toml, .yaml or .yml file: parsed once per
      process; a file changed since (mtime or size) is read again.

    Raises :class:`~rekostub._common.errors.FixtureError` for any problem.
    """
    if source is None:
        return _Parser("<none>").document(None, None)
    if isinstance(source, Fixture):
        return source
    if isinstance(source, Mapping):
        with gc_paused():
            return _Parser("<dict>").document(source, None)
    if isinstance(source, (str, os.PathLike)):
        return _load_file(os.fsdecode(source))
    raise FixtureError(
        f"a fixture is a file path, a dict, a Fixture or None, not {_show(source)}",
        source=f"<{type(source).__name__}>",
    )

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

Parsed fixtures are cached by content: a file by (resolved path, mtime, size), so an edited file
is read again; a dict by a digest of its whole content (and the working directory, which its
relative image paths are read from), so a mutated dict is a new fixture. The cache keeps the
:data:`KEEP_RECENT` most recently loaded fixtures, and any other only while something (a fake)
still uses it: nothing outlives its last user and the cache stays small. A ``null`` optional
value means "absent" (YAML's empty value).

This module loads (sources, files, the cache) and re-exports the rest, split by
job: the specs and defaults (:mod:`._fixture_specs`), the checker (:mod:`._fixture_parser` on
:mod:`._fixture_faces`), message rendering (:mod:`._fixture_text`) and file formats
(:mod:`._fixture_formats`).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import io
import os
import pickle
import stat
import threading
import weakref
from collections import OrderedDict
from collections.abc import Hashable, Iterator, Mapping
from pathlib import Path
from typing import Any, Callable, Optional, TypeVar

from rekostub._common.errors import FixtureError
from rekostub._common.memory import release_free_memory
from rekostub._fixtures.formats import _EXTENSIONS
from rekostub._fixtures.formats import _parse_text as _parse_text
from rekostub._fixtures.packed import is_packed, read_packed
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

__all__ = [
    "CollectionSpec",
    "FaceSpec",
    "Fixture",
    "FixtureSource",
    "derived",
    "load_fixture",
]

T = TypeVar("T")

# --------------------------------------------------------------------------------------------
# The cache
# --------------------------------------------------------------------------------------------

_TRIM_FACES = 20_000  # fixtures this big give their parse's freed memory back

#: How many of the most recently loaded fixtures the cache keeps when nothing else uses them
#: (tests marked with the same few fixtures, one after the other, reuse them).
KEEP_RECENT = 4


class _FixtureCache:
    """Fixtures by content key: the last :data:`KEEP_RECENT` held, the others weakly.

    A fixture leaves the weak side when it dies (its last fake, and the recent list, let go),
    so the cache holds at most ``KEEP_RECENT`` fixtures nobody else uses.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._recent: OrderedDict[Hashable, Fixture] = OrderedDict()
        self._weak: dict[Hashable, weakref.ref[Fixture]] = {}

    def get(self, key: Hashable) -> Optional[Fixture]:
        with self._lock:
            fixture = self._recent.get(key)
            if fixture is not None:
                self._recent.move_to_end(key)
                return fixture
            ref = self._weak.get(key)
            fixture = ref() if ref is not None else None
            if fixture is not None:
                self._hold(key, fixture)
            return fixture

    def put(self, key: Hashable, fixture: Fixture) -> None:
        def forget(dead: weakref.ref[Fixture], key: Hashable = key) -> None:
            # No lock: a weakref callback may run inside any allocation, this thread's too.
            if self._weak.get(key) is dead:
                self._weak.pop(key, None)

        with self._lock:
            self._weak[key] = weakref.ref(fixture, forget)
            self._hold(key, fixture)

    def _hold(self, key: Hashable, fixture: Fixture) -> None:
        self._recent[key] = fixture
        self._recent.move_to_end(key)
        while len(self._recent) > max(KEEP_RECENT, 0):
            self._recent.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._recent.clear()
            self._weak.clear()

    def __len__(self) -> int:
        """Entries (held or weak) whose fixture is alive (tests)."""
        with self._lock:
            return sum(1 for ref in self._weak.values() if ref() is not None)


_CACHE = _FixtureCache()
_EMPTY: list[Fixture] = []  # the fixture of ``None``, built on first use and shared


def clear_cache() -> None:
    """Forget every cached fixture (tests and benchmarks); fakes keep theirs."""
    _CACHE.clear()
    _DERIVED.clear()


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


# What is built from a fixture (a fake's template, ...), kept exactly as long as the fixture.
_DERIVED: dict[int, tuple[weakref.ref[Fixture], dict[str, Any]]] = {}
_DERIVED_LOCK = threading.Lock()


def derived(fixture: Fixture, name: str, build: Callable[[Fixture], T]) -> T:
    """``build(fixture)``, built once per Fixture object and forgotten when the fixture dies.

    ``name`` tells apart what different callers derive. Two threads may both build on a first
    call; the first result stored wins, so every caller sees the same object.
    """
    key = id(fixture)
    with _DERIVED_LOCK:
        entry = _DERIVED.get(key)
        if entry is not None and entry[0]() is fixture and name in entry[1]:
            return entry[1][name]  # type: ignore[no-any-return]
    built = build(fixture)
    with _DERIVED_LOCK:
        entry = _DERIVED.get(key)
        if entry is None or entry[0]() is not fixture:

            def forget(dead: weakref.ref[Fixture], key: int = key) -> None:
                found = _DERIVED.get(key)
                if found is not None and found[0] is dead:
                    _DERIVED.pop(key, None)

            entry = (weakref.ref(fixture, forget), {})
            _DERIVED[key] = entry
        return entry[1].setdefault(name, built)  # type: ignore[no-any-return]


# --------------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------------


def _load_file(name: str) -> Fixture:
    path = Path(name)
    ext = path.suffix.lower()
    packed = is_packed(path)  # by its magic bytes, whatever the extension
    if ext not in _EXTENSIONS and not packed:
        raise FixtureError(
            f"unsupported file extension {path.suffix or '(none)'!r}: a fixture file is "
            f"{', '.join(_EXTENSIONS[:-1])} or {_EXTENSIONS[-1]}, or a packed fixture "
            f"(python -m rekostub pack SRC DEST)",
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

    key = ("file", resolved, st.st_mtime_ns, st.st_size)
    hit = _CACHE.get(key)
    if hit is not None:
        return hit

    if packed:
        fixture = read_packed(resolved, name)
        _CACHE.put(key, fixture)
        return fixture
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
    del data, text
    if sum(len(c.table) for c in fixture.collections) >= _TRIM_FACES:
        release_free_memory()  # the parse's temporaries: back to the OS, not kept in RSS
    _CACHE.put(key, fixture)
    return fixture


def _frozen(source: Mapping[str, Any]) -> Optional[bytes]:
    """The whole content of a dict fixture as bytes (pickle without its memo, so equal content
    gives equal bytes whatever objects it shares), or None when it cannot be pickled."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True  # no memo: ~35% faster; a cycle raises ValueError
    try:
        pickler.dump(source)
    except Exception:  # unpicklable content (a lock, a lambda...): not cached
        return None
    return buffer.getvalue()


def _load_mapping(source: Mapping[str, Any]) -> Fixture:
    frozen = _frozen(source)
    if frozen is None:
        with gc_paused():
            return _Parser("<dict>").document(source, None)
    # Relative image paths in a dict fixture are read from the working directory.
    key = ("dict", hashlib.blake2b(frozen, digest_size=20).digest(), os.getcwd())
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    with gc_paused():
        # Parsed from a private copy: the cached fixture shares nothing the caller may mutate.
        fixture = _Parser("<dict>").document(pickle.loads(frozen), None)
    _CACHE.put(key, fixture)
    return fixture


def load_fixture(source: FixtureSource) -> Fixture:
    """A checked, immutable :class:`Fixture` from a file path, a mapping, a Fixture or None.

    - ``None``: the empty fixture (no collections, default options), one shared object.
    - a :class:`Fixture`: returned as is.
    - a mapping: checked once per content (a mutated dict is checked again, as a new
      fixture); ``source`` reads ``<dict>``.
    - a path (``str`` / ``os.PathLike``) to a .json, .toml, .yaml or .yml file: parsed once per
      content; a file changed since (mtime or size) is read again. A packed fixture (any
      extension, recognised by its first bytes) is opened memory-mapped.

    Repeated loads return the same object while it is cached (see the module docstring).
    Raises :class:`~rekostub._common.errors.FixtureError` for any problem.
    """
    if source is None:
        if not _EMPTY:
            _EMPTY.append(_Parser("<none>").document(None, None))
        return _EMPTY[0]
    if isinstance(source, Fixture):
        return source
    if isinstance(source, Mapping):
        return _load_mapping(source)
    if isinstance(source, (str, os.PathLike)):
        return _load_file(os.fsdecode(source))
    raise FixtureError(
        f"a fixture is a file path, a dict, a Fixture or None, not {_show(source)}",
        source=f"<{type(source).__name__}>",
    )

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
:class:`~rekostub._errors.FixtureError` naming the source, the path inside it
(``collections.staff.users.bob.faces[0].face_id``) and what is wrong. Nothing is ever half
loaded: specs are built locally and returned only when the whole fixture is valid.

A file is parsed once per process: the result is cached by (resolved path, mtime, size), so an
edited file is read again. A ``null`` optional value means "absent" (YAML's empty value).
"""

from __future__ import annotations

import contextlib
import difflib
import gc
import hashlib
import importlib
import json
import math
import os
import re
import stat
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn, Optional, Union, cast

import numpy as np
import numpy.typing as npt

from ._embedding import DIM, explicit_vector, face_vectors, identity_seed
from ._errors import FixtureError

__all__ = ["CollectionSpec", "FaceSpec", "Fixture", "FixtureSource", "load_fixture"]


@dataclass(frozen=True)
class FaceSpec:
    face_id: str
    image_id: str
    user_id: Optional[str] = None
    seed: Optional[int] = None
    identity: Optional[str] = None
    similarity: Optional[float] = None
    embedding: Optional[tuple[float, ...]] = None
    external_image_id: Optional[str] = None


@dataclass(frozen=True)
class CollectionSpec:
    collection_id: str
    face_model_version: str
    users: tuple[str, ...]
    faces: tuple[FaceSpec, ...]
    vectors: npt.NDArray[np.float32]


@dataclass(frozen=True)
class Fixture:
    source: str
    collections: tuple[CollectionSpec, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)
    images: Mapping[str, Any] = field(default_factory=dict)
    base_dir: Optional[Path] = None


FixtureSource = Union[Fixture, Mapping[str, Any], str, "os.PathLike[str]", None]

# --------------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------------

DEFAULT_FACE_MODEL_VERSION = "7.0"
DEFAULT_ACCOUNT_ID = "123456789012"
MAX_FACES_PER_USER = 100
SEED_LIMIT = 2**48

_TOP_KEYS = frozenset({"collections", "options", "images"})
_COLLECTION_KEYS = frozenset({"face_model_version", "users", "faces"})
_USER_KEYS = frozenset({"faces"})
_FACE_KEYS = frozenset(
    {
        "face_id",
        "identity",
        "similarity",
        "embedding",
        "external_image_id",
        "image_id",
        "identity_seed",
    }
)
_OPTION_KEYS = frozenset({"updating_seconds", "account_id", "undescribed_images"})
_UNDESCRIBED_IMAGES = ("no_faces", "error", "derive")  # rekostub._images policies

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").fullmatch
_UUID_ANY_CASE = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
).fullmatch
_COLLECTION_ID = re.compile(r"[a-zA-Z0-9_.\-]{1,255}").fullmatch
_USER_ID = re.compile(r"[a-zA-Z0-9_.\-:]{1,128}").fullmatch
# Every user id of a collection at once, joined by newlines (which no valid id contains).
_USER_IDS = re.compile(r"(?:[a-zA-Z0-9_.\-:]{1,128}\n)*[a-zA-Z0-9_.\-:]{1,128}").fullmatch
_EXTERNAL_IMAGE_ID = re.compile(r"[a-zA-Z0-9_.\-:]{1,255}").fullmatch
_ACCOUNT_ID = re.compile(r"[0-9]{12}").fullmatch
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_\-:]+").fullmatch

_EXAMPLE_UUID = "3f1c2b9e-8a4d-4c6f-9b2e-5d7a1c0e4f88"
_EXTENSIONS = (".json", ".toml", ".yaml", ".yml")

PathPart = object  # a key (str) or a list index (int)

_sha256 = hashlib.sha256
_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}  # RFC 4122 variant digit
_new = object.__new__

# --------------------------------------------------------------------------------------------
# Small helpers (only the deterministic ids run on the happy path)
# --------------------------------------------------------------------------------------------


def _det_uuid(text: str) -> str:
    """A lower-case version-4 UUID string derived from sha256(text)."""
    b = bytearray(hashlib.sha256(text.encode()).digest()[:16])
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def default_face_id(collection_id: str, user_id: Optional[str], index: int) -> str:
    """The FaceId given to face ``index`` of ``user_id`` (None: the loose faces) when absent."""
    return _det_uuid(f"{collection_id}/{user_id or ''}/{index}")


def default_image_id(collection_id: str, user_id: Optional[str], index: int) -> str:
    """The ImageId given to a fixture face that names none."""
    return _det_uuid(f"image:{collection_id}/{user_id or ''}/{index}")


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


def _show(value: object) -> str:
    text = repr(value)
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


# --------------------------------------------------------------------------------------------
# The checker
# --------------------------------------------------------------------------------------------


class _Parser:
    """Checks one fixture document and builds its specs. One instance per load."""

    __slots__ = ("_embedded", "_seeds", "source")

    def __init__(self, source: str) -> None:
        self.source = source
        self._seeds: dict[str, int] = {}  # identity -> identity_seed(identity)
        self._embedded = 0  # faces with an embedding in the current collection

    # -- errors ------------------------------------------------------------------------------
    def fail(self, problem: str, *parts: PathPart) -> NoReturn:
        raise FixtureError(problem, source=self.source, path=_render(parts))

    def unknown_key(
        self, obj: Mapping[Any, Any], allowed: frozenset[str], *parts: PathPart
    ) -> NoReturn:
        key = next(k for k in obj if k not in allowed)
        names = sorted(allowed)
        hint = ""
        if isinstance(key, str):
            close = difflib.get_close_matches(key, names, n=1)
            if close:
                hint = f" (did you mean {close[0]!r}?)"
        self.fail(f"unknown key {key!r}{hint}; allowed: {', '.join(names)}", *parts)

    def need_mapping(self, value: object, what: str, *parts: PathPart) -> NoReturn:
        self.fail(
            f"{what} must be an object (a mapping), not {_kind(value)} ({_show(value)})", *parts
        )

    # -- document ----------------------------------------------------------------------------
    def document(self, data: object, base_dir: Optional[Path]) -> Fixture:
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            self.fail(
                f"the top level must be an object with 'collections', 'options' and/or "
                f"'images', not {_kind(data)} ({_show(data)})"
            )
        if not data.keys() <= _TOP_KEYS:
            self.unknown_key(data, _TOP_KEYS)

        options = self.options(data.get("options"))

        images = data.get("images")
        if images is None:
            images = {}
        elif not isinstance(images, Mapping):
            self.need_mapping(images, "images", "images")

        raw_collections = data.get("collections")
        if raw_collections is None:
            raw_collections = {}
        elif not isinstance(raw_collections, Mapping):
            self.need_mapping(
                raw_collections, "collections (collection id -> collection)", "collections"
            )
        collections = tuple(self.collection(cid, raw) for cid, raw in raw_collections.items())
        return Fixture(
            source=self.source,
            collections=collections,
            options=options,
            images=images,
            base_dir=base_dir,
        )

    def options(self, raw: object) -> dict[str, Any]:
        if raw is None:
            raw = {}
        elif not isinstance(raw, Mapping):
            self.need_mapping(raw, "options", "options")
        if not raw.keys() <= _OPTION_KEYS:
            self.unknown_key(raw, _OPTION_KEYS, "options")

        seconds = raw.get("updating_seconds")
        if seconds is None:
            seconds = 0.0
        elif not _is_number(seconds) or not math.isfinite(seconds) or seconds < 0:
            self.fail(
                f"{_show(seconds)} is not a number of seconds >= 0 (how long a user reads "
                f"UPDATING after AssociateFaces/DisassociateFaces; 0 = ACTIVE at once)",
                "options",
                "updating_seconds",
            )
        account = raw.get("account_id")
        if account is None:
            account = DEFAULT_ACCOUNT_ID
        elif not isinstance(account, str):
            self.fail(
                f"{_show(account)} is {_kind(account)}: write the account id as a string of "
                f'12 digits in quotes, like "{DEFAULT_ACCOUNT_ID}"',
                "options",
                "account_id",
            )
        elif not _ACCOUNT_ID(account):
            self.fail(
                f"{_show(account)} is not an AWS account id: use exactly 12 digits, "
                f'like "{DEFAULT_ACCOUNT_ID}"',
                "options",
                "account_id",
            )
        undescribed = raw.get("undescribed_images")
        if undescribed is None:
            undescribed = "no_faces"
        elif undescribed not in _UNDESCRIBED_IMAGES:
            self.fail(
                f"{_show(undescribed)} is not one of {', '.join(map(repr, _UNDESCRIBED_IMAGES))} "
                f"(what an image shows that neither the images section nor face codes describe)",
                "options",
                "undescribed_images",
            )
        return {
            "updating_seconds": float(seconds),
            "account_id": account,
            "undescribed_images": undescribed,
        }

    # -- one collection ----------------------------------------------------------------------
    def collection(self, cid: object, raw: object) -> CollectionSpec:
        if not isinstance(cid, str):
            self.fail(
                f"collection id {_show(cid)} is {_kind(cid)}: write it as a string in quotes",
                "collections",
                cid,
            )
        if not _COLLECTION_ID(cid):
            self.fail(
                f"{cid!r} is not a valid collection id: use 1-255 characters from a-z, A-Z, "
                f"0-9, '_', '.' and '-'",
                "collections",
                cid,
            )
        if raw is None:
            raw = {}
        elif not isinstance(raw, Mapping):
            self.need_mapping(raw, "a collection", "collections", cid)
        if not raw.keys() <= _COLLECTION_KEYS:
            self.unknown_key(raw, _COLLECTION_KEYS, "collections", cid)

        version = raw.get("face_model_version")
        if version is None:
            version = DEFAULT_FACE_MODEL_VERSION
        elif not isinstance(version, str) or not version:
            hint = f': write it in quotes, "{version}"' if _is_number(version) else ""
            self.fail(
                f'{_show(version)} is not a non-empty string{hint} (like "7.0" or "6.0")',
                "collections",
                cid,
                "face_model_version",
            )

        users_raw = raw.get("users")
        if users_raw is None:
            users_raw = {}
        elif not isinstance(users_raw, Mapping):
            self.need_mapping(users_raw, "users (user id -> user)", "collections", cid, "users")
        loose_raw = raw.get("faces")
        if loose_raw is None:
            loose_raw = ()
        elif not isinstance(loose_raw, (list, tuple)):
            self.fail(
                f"faces must be a list of faces, not {_kind(loose_raw)} ({_show(loose_raw)})",
                "collections",
                cid,
                "faces",
            )

        users = tuple(users_raw)
        self.check_user_ids(cid, users)
        self._embedded = 0
        faces: list[FaceSpec] = []
        add = faces.append
        face = self.face
        for uid, user in users_raw.items():
            if user is None:
                continue
            if type(user) is not dict and not isinstance(user, Mapping):
                self.fail(
                    f'a user must be an object like {{"faces": [...]}} (or {{}} / null for a '
                    f"user without faces), not {_kind(user)} ({_show(user)})",
                    "collections",
                    cid,
                    "users",
                    uid,
                )
            if not user.keys() <= _USER_KEYS:
                self.unknown_key(user, _USER_KEYS, "collections", cid, "users", uid)
            user_faces = user.get("faces")
            if user_faces is None:
                continue
            if type(user_faces) is not list and not isinstance(user_faces, tuple):
                self.fail(
                    f"faces must be a list of faces, not {_kind(user_faces)} ({_show(user_faces)})",
                    "collections",
                    cid,
                    "users",
                    uid,
                    "faces",
                )
            if len(user_faces) > MAX_FACES_PER_USER:
                self.fail(
                    f"a user holds at most {MAX_FACES_PER_USER} faces (Rekognition's quota); "
                    f"this one lists {len(user_faces)}: move the rest to the collection's "
                    f"'faces' or to another user",
                    "collections",
                    cid,
                    "users",
                    uid,
                    "faces",
                )
            for index, raw_face in enumerate(user_faces):
                add(face(raw_face, cid, uid, index))
        for index, raw_face in enumerate(loose_raw):
            add(face(raw_face, cid, None, index))

        if len({f.face_id for f in faces}) != len(faces):
            self.duplicate(cid, faces)
        return CollectionSpec(
            collection_id=cid,
            face_model_version=version,
            users=users,
            faces=tuple(faces),
            vectors=self.vectors(cid, faces),
        )

    def check_user_ids(self, cid: str, users: tuple[Any, ...]) -> None:
        """All user ids at once: one regex over the joined ids; the culprit found if it fails."""
        if not users:
            return
        try:
            joined = "\n".join(users)
        except TypeError:  # a key that is not a string
            pass
        else:
            # The count rules out an id that itself contains a newline.
            if joined.count("\n") == len(users) - 1 and _USER_IDS(joined):
                return
        for uid in users:
            if type(uid) is not str:
                self.fail(
                    f"user id {_show(uid)} is {_kind(uid)}: write it as a string in quotes",
                    "collections",
                    cid,
                    "users",
                    uid,
                )
            if not _USER_ID(uid):
                self.fail(
                    f"{uid!r} is not a valid UserId: use 1-128 characters from a-z, A-Z, 0-9, "
                    f"'_', '.', '-' and ':'",
                    "collections",
                    cid,
                    "users",
                    uid,
                )

    def duplicate(self, cid: str, faces: list[FaceSpec]) -> NoReturn:
        """Report the first face id used twice (found only once we know there is one)."""
        seen: dict[str, tuple[PathPart, ...]] = {}
        counts: dict[Optional[str], int] = {}
        for spec in faces:
            index = counts.get(spec.user_id, 0)
            counts[spec.user_id] = index + 1
            where = self.face_path(cid, spec.user_id, index)
            first = seen.setdefault(spec.face_id, where)
            if first is not where:
                self.fail(
                    f"face id {spec.face_id!r} is used twice in collection {cid!r}: first at "
                    f"{_render((*first, 'face_id'))}, again here; face ids are unique within a "
                    f"collection (omit face_id to get a generated one)",
                    *where,
                    "face_id",
                )
        raise AssertionError("no duplicate face id")  # pragma: no cover

    # -- one face (the hot path: keep it lean) ------------------------------------------------
    def face(self, raw: object, cid: str, uid: Optional[str], index: int) -> FaceSpec:
        if type(raw) is not dict and not isinstance(raw, Mapping):
            self.fail(
                f'a face must be an object like {{"identity": "alice"}}, not {_kind(raw)} '
                f"({_show(raw)})",
                *self.face_path(cid, uid, index),
            )
        if not raw.keys() <= _FACE_KEYS:
            self.unknown_key(raw, _FACE_KEYS, *self.face_path(cid, uid, index))
        get = raw.get

        # Generated ids: _det_uuid inlined (sha256 hex with the version/variant digits set).
        face_id = get("face_id")
        if face_id is None:
            h = _sha256(f"{cid}/{uid or ''}/{index}".encode()).hexdigest()
            face_id = f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}"
        elif type(face_id) is not str or not _UUID(face_id):
            self.bad_uuid(face_id, "face_id", cid, uid, index)
        image_id = get("image_id")
        if image_id is None:
            h = _sha256(f"image:{cid}/{uid or ''}/{index}".encode()).hexdigest()
            image_id = f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}"
        elif type(image_id) is not str or not _UUID(image_id):
            self.bad_uuid(image_id, "image_id", cid, uid, index)

        identity = get("identity")
        embedding = get("embedding")
        seed = get("identity_seed")
        similarity = get("similarity")
        vector_values: Optional[tuple[float, ...]] = None
        if embedding is not None:
            if identity is not None or seed is not None:
                other = "identity" if identity is not None else "identity_seed"
                self.fail(
                    f"a face has either an {other} or an embedding, not both: remove one",
                    *self.face_path(cid, uid, index),
                )
            if similarity is not None:
                self.fail(
                    "similarity cannot be used with an embedding (the embedding fixes the "
                    "vector): remove similarity, or use an identity instead of the embedding",
                    *self.face_path(cid, uid, index),
                )
            vector_values = self.embedding(embedding, cid, uid, index)
            self._embedded += 1
        else:
            if seed is not None:
                if identity is not None:
                    self.fail(
                        "identity and identity_seed are alternatives: give one of them",
                        *self.face_path(cid, uid, index),
                    )
                if type(seed) is not int or not 0 <= seed < SEED_LIMIT:
                    self.fail(
                        f"{_show(seed)} is not an integer from 0 to 2**48-1 ({SEED_LIMIT - 1})",
                        *self.face_path(cid, uid, index),
                        "identity_seed",
                    )
            else:
                if identity is None:
                    if uid is None:
                        self.fail(
                            'a face needs an identity or an embedding: add "identity": '
                            '"<person>" (faces of the same person match each other), an '
                            '"embedding": [numbers], or an "identity_seed"',
                            *self.face_path(cid, uid, index),
                        )
                    identity = uid
                elif type(identity) is not str or not identity:
                    self.fail(
                        f"{_show(identity)} is not a person's name: the identity must be a "
                        f"non-empty string",
                        *self.face_path(cid, uid, index),
                        "identity",
                    )
                seeds = self._seeds
                seed = seeds.get(identity)
                if seed is None:
                    seed = seeds[identity] = identity_seed(identity)
            if similarity is not None:
                if not _is_number(similarity) or not 0 <= similarity <= 100:  # NaN fails too
                    self.bad_similarity(similarity, cid, uid, index)
                similarity = float(similarity)

        external = get("external_image_id")
        if external is not None and (type(external) is not str or not _EXTERNAL_IMAGE_ID(external)):
            self.fail(
                f"{_show(external)} is not a valid ExternalImageId: use a string of 1-255 "
                f"characters from a-z, A-Z, 0-9, '_', '.', '-' and ':'",
                *self.face_path(cid, uid, index),
                "external_image_id",
            )

        # FaceSpec(...) without the frozen dataclass's eight object.__setattr__ calls: the same
        # instance, 3x faster (test_fast_face_spec_equals_the_constructor pins it).
        spec: FaceSpec = _new(FaceSpec)
        attrs = spec.__dict__
        attrs["face_id"] = face_id
        attrs["image_id"] = image_id
        attrs["user_id"] = uid
        attrs["seed"] = seed
        attrs["identity"] = identity
        attrs["similarity"] = similarity
        attrs["embedding"] = vector_values
        attrs["external_image_id"] = external
        return spec

    @staticmethod
    def face_path(cid: str, uid: Optional[str], index: int) -> tuple[PathPart, ...]:
        if uid is None:
            return ("collections", cid, "faces", index)
        return ("collections", cid, "users", uid, "faces", index)

    def bad_uuid(
        self, value: object, key: str, cid: str, uid: Optional[str], index: int
    ) -> NoReturn:
        if isinstance(value, str) and _UUID_ANY_CASE(value):
            fix = f"write it in lower case: {value.lower()!r}"
        else:
            fix = f"omit {key} to get a generated one"
        self.fail(
            f"{_show(value)} is not a lower-case UUID like {_EXAMPLE_UUID!r}: {fix}",
            *self.face_path(cid, uid, index),
            key,
        )

    def bad_similarity(self, value: object, cid: str, uid: Optional[str], index: int) -> NoReturn:
        self.fail(
            f"{_show(value)} is not a number from 0 to 100 (how closely this face matches its "
            f"identity's other faces; omit it for a near-perfect face)",
            *self.face_path(cid, uid, index),
            "similarity",
        )

    def embedding(self, raw: object, cid: str, uid: Optional[str], index: int) -> tuple[float, ...]:
        path = (*self.face_path(cid, uid, index), "embedding")
        if not isinstance(raw, (list, tuple)):
            self.fail(
                f"an embedding is a list of 1 to {DIM} numbers, not {_kind(raw)} ({_show(raw)})",
                *path,
            )
        if not 1 <= len(raw) <= DIM:
            self.fail(f"an embedding has 1 to {DIM} numbers; this one has {len(raw)}", *path)
        for i, value in enumerate(raw):
            if not _is_number(value) or not math.isfinite(value):
                self.fail(
                    f"{_show(value)} is not a finite number (item {i} of the embedding)", *path
                )
        return tuple(float(v) for v in raw)

    # -- vectors -----------------------------------------------------------------------------
    def vectors(self, cid: str, faces: list[FaceSpec]) -> npt.NDArray[np.float32]:
        """The (len(faces), DIM) matrix: one face_vectors call, explicit_vector rows."""
        n = len(faces)
        if not self._embedded:
            out = self.seeded(faces) if n else np.zeros((0, DIM), dtype=np.float32)
        else:
            out = np.zeros((n, DIM), dtype=np.float32)
            rows = [i for i, f in enumerate(faces) if f.embedding is None]
            if rows:
                out[rows] = self.seeded([faces[i] for i in rows])
            counts: dict[Optional[str], int] = {}
            for row, spec in enumerate(faces):
                index = counts.get(spec.user_id, 0)
                counts[spec.user_id] = index + 1
                if spec.embedding is None:
                    continue
                try:
                    out[row] = explicit_vector(spec.embedding)
                except ValueError as exc:
                    self.fail(
                        f"unusable embedding: {exc}",
                        *self.face_path(cid, spec.user_id, index),
                        "embedding",
                    )
        out = np.ascontiguousarray(out, dtype=np.float32)
        out.flags.writeable = False
        return out

    @staticmethod
    def seeded(faces: list[FaceSpec]) -> npt.NDArray[np.float32]:
        """One batched ``face_vectors`` call for faces with a seed."""
        seeds = cast("list[int]", [f.seed for f in faces])
        return face_vectors(seeds, [f.face_id for f in faces], [f.similarity for f in faces])


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


def _parse_text(text: str, ext: str, source: str) -> object:
    if ext == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise FixtureError(
                f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", source=source
            ) from None
    if ext == ".toml":
        import sys

        toml: Any = importlib.import_module("tomllib" if sys.version_info >= (3, 11) else "tomli")
        try:
            return toml.loads(text)
        except toml.TOMLDecodeError as exc:
            raise FixtureError(f"invalid TOML: {exc}", source=source) from None
    try:
        import yaml
    except ImportError:
        raise FixtureError(
            "reading YAML fixtures needs PyYAML, which is not installed: pip install PyYAML "
            "(or pip install 'rekostub[yaml]'), or write the fixture as .json or .toml",
            source=source,
        ) from None
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = exc.problem or exc.context or "syntax error"
        raise FixtureError(f"invalid YAML{where}: {problem}", source=source) from None
    except yaml.YAMLError as exc:
        raise FixtureError(f"invalid YAML: {exc}", source=source) from None


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

    Raises :class:`~rekostub._errors.FixtureError` for any problem.
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

"""The fixture checker: a raw document in, an immutable :class:`Fixture` out (or FixtureError).

:class:`_Parser` checks the top level, the options, each collection and its users, and finds
duplicate face ids; each face and the vectors are :class:`rekostub._fixtures.faces._FaceChecker`'s.
Specs are built locally and returned only when the whole document is valid. A problem in one
part (an option, a collection's header, a user, a face) is noted and the other parts are still
checked, so one FixtureError lists every problem (:meth:`FixtureError.of`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn, Optional

from rekostub._common.errors import FixtureError
from rekostub._engine.table import KIND_EMBEDDING, KIND_IDENTITY, KIND_SEED, build_table
from rekostub._fixtures.columns import fast_table
from rekostub._fixtures.options import _OptionsChecker
from rekostub._fixtures.specs import (
    DEFAULT_FACE_MODEL_VERSION,
    DEFAULT_REGION,
    MAX_FACES_PER_USER,
    CollectionSpec,
    FaceSpec,
    Fixture,
)
from rekostub._fixtures.text import (
    PathPart,
    _is_number,
    _kind,
    _render,
    _show,
)

_TOP_KEYS = frozenset({"collections", "options", "images", "region"})
_COLLECTION_KEYS = frozenset({"face_model_version", "users", "faces", "region", "collection_id"})
_USER_KEYS = frozenset({"faces"})

_COLLECTION_ID = re.compile(r"[a-zA-Z0-9_.\-]{1,255}").fullmatch
_USER_ID = re.compile(r"[a-zA-Z0-9_.\-:]{1,128}").fullmatch
# Every user id of a collection at once, joined by newlines (which no valid id contains).
_USER_IDS = re.compile(r"(?:[a-zA-Z0-9_.\-:]{1,128}\n)*[a-zA-Z0-9_.\-:]{1,128}").fullmatch

# --------------------------------------------------------------------------------------------
# The checker
# --------------------------------------------------------------------------------------------


class _Parser(_OptionsChecker):
    """Checks one fixture document and builds its specs. One instance per load."""

    __slots__ = ()

    # -- document ----------------------------------------------------------------------------
    def document(self, data: object, base_dir: Optional[Path]) -> Fixture:
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            self.fail(
                f"the top level must be an object with 'collections', 'options' and/or "
                f"'images', not {_kind(data)} ({_show(data)})"
            )
        note = self.note
        if not data.keys() <= _TOP_KEYS:
            try:
                self.unknown_key(data, _TOP_KEYS)
            except FixtureError as exc:
                note(exc)

        options = self.options(data.get("options"))

        images = data.get("images")
        if images is None:
            images = {}
        elif not isinstance(images, Mapping):
            try:
                self.need_mapping(images, "images", "images")
            except FixtureError as exc:
                note(exc)

        raw_collections = data.get("collections")
        if raw_collections is None:
            raw_collections = {}
        elif not isinstance(raw_collections, Mapping):
            try:
                self.need_mapping(
                    raw_collections, "collections (collection id -> collection)", "collections"
                )
            except FixtureError as exc:
                note(exc)
            raw_collections = {}
        region = DEFAULT_REGION
        try:
            region = self.region(data.get("region"), DEFAULT_REGION, "region")
        except FixtureError as exc:
            note(exc)
        collections: list[CollectionSpec] = []
        keys: list[object] = []
        for key, raw in raw_collections.items():
            try:
                spec = self.collection(key, raw, region)
            except FixtureError as exc:
                note(exc)
            else:
                if spec is not None:
                    collections.append(spec)
                    keys.append(key)
        seen: dict[tuple[str, str], object] = {}
        for key, spec in zip(keys, collections):
            first = seen.setdefault((spec.region, spec.collection_id), key)
            if first != key:
                try:
                    self.fail(
                        f"collection {spec.collection_id!r} is defined twice in region "
                        f"{spec.region!r} (also as {first!r}): give one of them another region",
                        "collections",
                        key,
                    )
                except FixtureError as exc:
                    note(exc)
        if self.problems:
            raise FixtureError.of(self.problems)
        return Fixture(
            source=self.source,
            collections=tuple(collections),
            options=options,
            images=images,
            base_dir=base_dir,
        )

    def collection(self, key: object, raw: object, default_region: str) -> Optional[CollectionSpec]:
        """The collection's spec, or None when it has problems (each noted)."""
        cid = key
        if isinstance(raw, Mapping) and raw.get("collection_id") is not None:
            cid = raw["collection_id"]  # the key is then only a label (same id, other regions)
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
        problems = self.problems
        before = len(problems)
        note = problems.append
        if not raw.keys() <= _COLLECTION_KEYS:
            try:
                self.unknown_key(raw, _COLLECTION_KEYS, "collections", cid)
            except FixtureError as exc:
                note(exc)

        version = raw.get("face_model_version")
        if version is None:
            version = DEFAULT_FACE_MODEL_VERSION
        elif not isinstance(version, str) or not version:
            hint = f': write it in quotes, "{version}"' if _is_number(version) else ""
            note(
                FixtureError(
                    f'{_show(version)} is not a non-empty string{hint} (like "7.0" or "6.0")',
                    source=self.source,
                    path=_render(("collections", cid, "face_model_version")),
                )
            )

        users_raw = raw.get("users")
        if users_raw is None:
            users_raw = {}
        elif not isinstance(users_raw, Mapping):
            try:
                self.need_mapping(users_raw, "users (user id -> user)", "collections", cid, "users")
            except FixtureError as exc:
                note(exc)
            users_raw = {}
        loose_raw = raw.get("faces")
        if loose_raw is None:
            loose_raw = ()
        elif not isinstance(loose_raw, (list, tuple)):
            note(
                FixtureError(
                    f"faces must be a list of faces, not {_kind(loose_raw)} ({_show(loose_raw)})",
                    source=self.source,
                    path=_render(("collections", cid, "faces")),
                )
            )
            loose_raw = ()

        region = default_region
        try:
            region = self.region(raw.get("region"), default_region, "collections", key, "region")
        except FixtureError as exc:
            note(exc)
        users = tuple(users_raw)
        self.check_user_ids(cid, users)
        if len(problems) == before:  # the common shapes, checked a column at once
            table = fast_table(cid, users, users_raw, loose_raw)
            if table is not None:
                return CollectionSpec(cid, version, table, region)
        self._embedded = 0
        faces: list[FaceSpec] = []
        add = faces.append
        face = self.face
        for uid, user in users_raw.items():
            if user is None:
                continue
            try:
                user_faces = self.user_faces(cid, uid, user)
            except FixtureError as exc:
                note(exc)
                continue
            for index, raw_face in enumerate(user_faces):
                try:
                    add(face(raw_face, cid, uid, index))
                except FixtureError as exc:
                    note(exc)
        for index, raw_face in enumerate(loose_raw):
            try:
                add(face(raw_face, cid, None, index))
            except FixtureError as exc:
                note(exc)

        if len(problems) > before:  # the specs are incomplete: no duplicates or vectors
            return None
        if len({f.face_id for f in faces}) != len(faces):
            self.duplicate(cid, faces)
        vectors = self.vectors(cid, faces)
        kinds = [
            KIND_EMBEDDING
            if f.embedding is not None
            else KIND_IDENTITY
            if f.identity
            else KIND_SEED
            for f in faces
        ]
        raw = {i: f.embedding for i, f in enumerate(faces) if f.embedding is not None}
        table = build_table(
            cid,
            faces,
            vectors,
            users,
            [f.seed for f in faces],
            [f.identity for f in faces],
            kinds,
            raw,
        )
        return CollectionSpec(cid, version, table, region)

    def user_faces(self, cid: str, uid: object, user: object) -> Any:
        """A user's raw faces (checked: a list of at most 100), or () for a user without."""
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
            return ()
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
        return user_faces

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
            try:
                self.check_user_id(cid, uid)
            except FixtureError as exc:
                self.note(exc)

    def check_user_id(self, cid: str, uid: object) -> None:
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

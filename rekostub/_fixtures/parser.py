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
from rekostub._fixtures.faces import _FaceChecker
from rekostub._fixtures.specs import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_FACE_MODEL_VERSION,
    DEFAULT_REGION,
    MAX_FACES_PER_USER,
    CollectionSpec,
    FaceSpec,
    Fixture,
)
from rekostub._fixtures.text import (
    PathPart,
    _is_finite_number,
    _is_number,
    _kind,
    _render,
    _show,
)

_TOP_KEYS = frozenset({"collections", "options", "images", "region"})
_COLLECTION_KEYS = frozenset({"face_model_version", "users", "faces", "region", "collection_id"})
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]{1,2}").fullmatch
_USER_KEYS = frozenset({"faces"})
_OPTION_KEYS = frozenset(
    {"updating_seconds", "account_id", "undescribed_images", "images_outside_folder"}
)
_UNDESCRIBED_IMAGES = ("no_faces", "error", "derive")  # rekostub._images.seen policies

_COLLECTION_ID = re.compile(r"[a-zA-Z0-9_.\-]{1,255}").fullmatch
_USER_ID = re.compile(r"[a-zA-Z0-9_.\-:]{1,128}").fullmatch
# Every user id of a collection at once, joined by newlines (which no valid id contains).
_USER_IDS = re.compile(r"(?:[a-zA-Z0-9_.\-:]{1,128}\n)*[a-zA-Z0-9_.\-:]{1,128}").fullmatch
_ACCOUNT_ID = re.compile(r"[0-9]{12}").fullmatch

# --------------------------------------------------------------------------------------------
# The checker
# --------------------------------------------------------------------------------------------


class _Parser(_FaceChecker):
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

    def options(self, raw: object) -> dict[str, Any]:
        """The options with their defaults; each bad option is noted (its default is kept)."""
        out: dict[str, Any] = {
            "updating_seconds": 0.0,
            "account_id": DEFAULT_ACCOUNT_ID,
            "undescribed_images": "no_faces",
        }
        if raw is None:
            return out
        try:
            if not isinstance(raw, Mapping):
                self.need_mapping(raw, "options", "options")
        except FixtureError as exc:
            self.note(exc)
            return out
        if not raw.keys() <= _OPTION_KEYS:
            try:
                self.unknown_key(raw, _OPTION_KEYS, "options")
            except FixtureError as exc:
                self.note(exc)
        for name, check in (
            ("updating_seconds", self.updating_seconds),
            ("account_id", self.account_id),
            ("undescribed_images", self.undescribed_images),
            ("images_outside_folder", self.images_outside_folder),
        ):
            value = raw.get(name)
            if value is None:
                continue
            try:
                out[name] = check(value)
            except FixtureError as exc:
                self.note(exc)
        if not out.get("images_outside_folder"):
            out.pop("images_outside_folder", None)  # present only when true
        return out

    def updating_seconds(self, seconds: object) -> float:
        if _is_finite_number(seconds) and seconds >= 0:  # type: ignore[operator]
            return float(seconds)  # type: ignore[arg-type]
        self.fail(
            f"{_show(seconds)} is not a number of seconds >= 0 (how long a user reads "
            f"UPDATING after AssociateFaces/DisassociateFaces; 0 = ACTIVE at once)",
            "options",
            "updating_seconds",
        )

    def account_id(self, account: object) -> str:
        if not isinstance(account, str):
            self.fail(
                f"{_show(account)} is {_kind(account)}: write the account id as a string of "
                f'12 digits in quotes, like "{DEFAULT_ACCOUNT_ID}"',
                "options",
                "account_id",
            )
        if not _ACCOUNT_ID(account):
            self.fail(
                f"{_show(account)} is not an AWS account id: use exactly 12 digits, "
                f'like "{DEFAULT_ACCOUNT_ID}"',
                "options",
                "account_id",
            )
        return account

    def undescribed_images(self, undescribed: object) -> str:
        if not isinstance(undescribed, str) or undescribed not in _UNDESCRIBED_IMAGES:
            self.fail(
                f"{_show(undescribed)} is not one of {', '.join(map(repr, _UNDESCRIBED_IMAGES))} "
                f"(what an image shows that neither the images section nor face codes describe)",
                "options",
                "undescribed_images",
            )
        return undescribed

    def images_outside_folder(self, outside: object) -> bool:
        if not isinstance(outside, bool):
            self.fail(
                f"{_show(outside)} is not true or false (may the images section name files "
                f"outside the fixture file's folder?)",
                "options",
                "images_outside_folder",
            )
        return outside

    def region(self, raw: object, default: str, *parts: PathPart) -> str:
        if raw is None:
            return default
        if not isinstance(raw, str) or not _REGION(raw):
            self.fail(
                f'{_show(raw)} is not an AWS region name like "{DEFAULT_REGION}" or '
                f'"eu-west-1" (the region whose clients see the collection)',
                *parts,
            )
        return raw

    # -- one collection ----------------------------------------------------------------------
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

"""A collection's fixture faces as columns: numpy arrays and compact ids, no object per face.

A :class:`FaceTable` is immutable and shared: by the fixture, its built template and every fake
made from it (each fake keeps only its changes, see :class:`rekostub._engine.model.Collection`).
Its arrays may be memory-mapped from a packed fixture file (:mod:`rekostub._engine.packed`), so
several processes share the same pages.

Columns (one row per face, in fixture order):

* ``fid`` / ``img``: FaceId / ImageId as 16 raw UUID bytes (``S16``);
* ``user``: the user's index in ``user_names`` (int32, -1 for none);
* ``vec``: the unit float32 vector (512 bytes);
* ``kind`` (0 identity, 1 identity_seed, 2 embedding), ``seed`` (uint64), ``sim`` (float64, NaN
  for none), ``ident`` / ``ext`` (int32 indexes into ``identities`` / ``externals``, -1 none):
  what the fixture said, for snapshots and ``CollectionSpec.faces``;
* ``order``: rows sorted by FaceId, and ``sorted_fid`` = ``fid[order]`` (lookups, ListFaces).
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Optional, Union, overload

import numpy as np
import numpy.typing as npt

__all__ = ["FaceTable", "StrTable", "assemble_table", "id_bytes", "id_text", "user_key"]

IntArray = npt.NDArray[np.int64]

#: Namespace of the system-generated user ids that order ListUsers (see :func:`user_key`).
USER_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://rekostub/users")
_USER_NS = USER_NAMESPACE.bytes

KIND_IDENTITY, KIND_SEED, KIND_EMBEDDING = 0, 1, 2


def id_bytes(text: str) -> Optional[bytes]:
    """A UUID string's 16 bytes (None when ``text`` is not a UUID)."""
    if len(text) != 36:
        return None
    try:
        return bytes.fromhex(text.replace("-", ""))
    except ValueError:
        return None


def id_text(raw: bytes) -> str:
    """The lower-case UUID string of 16 bytes (numpy strips trailing NULs from ``S16``)."""
    h = raw.ljust(16, b"\0").hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def user_key(collection_id: str, user_id: str) -> bytes:
    """The system-generated id a user is listed by: ``uuid5(USER_NAMESPACE, "<cid>/<uid>")``.

    ListUsers is sorted by this name-based UUID (bytes order = its string order): stable for a
    given collection and user, unrelated to creation order or to the UserId's own order.
    """
    raw = bytearray(hashlib.sha1(_USER_NS + f"{collection_id}/{user_id}".encode()).digest()[:16])
    raw[6] = (raw[6] & 0x0F) | 0x50  # version 5 (as uuid.uuid5 sets it)
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    return bytes(raw)


class StrTable(Sequence[str]):
    """Strings stored as one UTF-8 blob and int64 offsets, decoded only when read."""

    __slots__ = ("_blob", "_offsets")

    def __init__(self, blob: Union[bytes, npt.NDArray[np.uint8]], offsets: IntArray) -> None:
        self._blob = blob
        self._offsets = offsets

    @staticmethod
    def encode(items: Sequence[str]) -> tuple[bytes, IntArray]:
        offsets = np.zeros(len(items) + 1, dtype=np.int64)
        blob = "".join(items).encode("utf-8")
        lengths = np.fromiter(map(len, items), np.int64, len(items))
        np.cumsum(lengths, out=offsets[1:])
        if int(offsets[-1]) == len(blob):  # ASCII: character lengths are byte lengths
            return blob, offsets
        parts = [s.encode("utf-8") for s in items]
        np.cumsum(np.fromiter(map(len, parts), np.int64, len(parts)), out=offsets[1:])
        return b"".join(parts), offsets

    def __len__(self) -> int:
        return int(self._offsets.shape[0]) - 1

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: Union[int, slice]) -> Union[str, Sequence[str]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        start, stop = int(self._offsets[index]), int(self._offsets[index + 1])
        return bytes(self._blob[start:stop]).decode("utf-8")

    def __iter__(self) -> Iterator[str]:
        text = bytes(self._blob).decode("utf-8")
        bounds = self._offsets.tolist()
        if len(text) == bounds[-1]:  # ASCII: byte offsets are character offsets
            return (text[a:b] for a, b in zip(bounds, bounds[1:]))
        raw = bytes(self._blob)
        return (raw[a:b].decode("utf-8") for a, b in zip(bounds, bounds[1:]))


class FaceTable:
    """Immutable columns of one collection's fixture faces (see the module docstring)."""

    def __init__(
        self,
        collection_id: str,
        columns: Mapping[str, npt.NDArray[Any]],
        user_names: Sequence[str],
        identities: Sequence[str],
        externals: Sequence[str],
        raw_embeddings: Optional[Mapping[int, tuple[float, ...]]] = None,
    ) -> None:
        self.collection_id = collection_id
        self.fid: npt.NDArray[np.bytes_] = columns["fid"]
        self.img: npt.NDArray[np.bytes_] = columns["img"]
        self.user: npt.NDArray[np.int32] = columns["user"]
        self.vec: npt.NDArray[np.float32] = columns["vec"]
        self.kind: npt.NDArray[np.int8] = columns["kind"]
        self.seed: npt.NDArray[np.uint64] = columns["seed"]
        self.sim: npt.NDArray[np.float64] = columns["sim"]
        self.ident: npt.NDArray[np.int32] = columns["ident"]
        self.ext: npt.NDArray[np.int32] = columns["ext"]
        self.order: IntArray = columns["order"]
        self.sorted_fid: npt.NDArray[np.bytes_] = columns["sorted_fid"]
        self.user_names = user_names
        self.identities = identities
        self.externals = externals
        self.raw_embeddings: dict[int, tuple[float, ...]] = dict(raw_embeddings or {})
        self._lock = threading.Lock()
        self._lazy: dict[str, Any] = {}
        # Memos of the last ids looked up (searches repeat them; bounded, cleared when full):
        # id -> row / user code, or -1 for "not in the table".
        self._row_memo: dict[str, int] = {}
        self._code_memo: dict[str, int] = {}
        self._faces_memo: dict[int, tuple[str, ...]] = {}  # user code -> its face ids

    def __len__(self) -> int:
        return int(self.fid.shape[0])

    @staticmethod
    def sort_columns(fid: npt.NDArray[np.bytes_]) -> dict[str, npt.NDArray[Any]]:
        order = np.argsort(fid, kind="stable").astype(np.int64)
        return {"order": order, "sorted_fid": fid[order]}

    # -- lookups -------------------------------------------------------------------------------
    def row_of(self, face_id: str) -> Optional[int]:
        """The row of ``face_id``, or None."""
        row = self._row_memo.get(face_id)
        if row is None:
            row = _memo(self._row_memo, face_id, self._find_row(face_id))
        return None if row < 0 else row

    def _find_row(self, face_id: str) -> int:
        key = id_bytes(face_id)
        if key is None or not len(self):
            return -1
        i = int(self.sorted_fid.searchsorted(key))
        if i < len(self) and bytes(self.sorted_fid[i]).ljust(16, b"\0") == key:
            return int(self.order[i])
        return -1

    def face_id(self, row: int) -> str:
        return id_text(bytes(self.fid[row]))

    def sorted_from(self, after: Optional[str]) -> int:
        """The position in ``sorted_fid`` of the first face id greater than ``after``."""
        if after is None:
            return 0
        key = id_bytes(after)
        if key is None:
            return 0
        return int(np.searchsorted(self.sorted_fid, key, side="right"))

    def _cached(self, name: str, build: Any) -> Any:
        value = self._lazy.get(name)
        if value is None:
            with self._lock:
                value = self._lazy.get(name)
                if value is None:
                    value = self._lazy[name] = build()
        return value

    def user_code(self, user_id: str) -> Optional[int]:
        """The index of ``user_id`` in ``user_names`` (None: not a fixture user).

        Binary search in a sorted fixed-width bytes array built on first use (a few bytes per
        user, no Python object per user).
        """

        def build() -> tuple[npt.NDArray[np.bytes_], IntArray]:
            names = np.array([u.encode("utf-8") for u in self.user_names], dtype=np.bytes_)
            order = np.argsort(names, kind="stable").astype(np.int64)
            return names[order], order

        code = self._code_memo.get(user_id)
        if code is None:
            if not len(self.user_names):
                return None
            names, order = self._cached("codes", build)
            key = user_id.encode("utf-8")
            i = int(names.searchsorted(key))
            found = int(order[i]) if i < names.shape[0] and bytes(names[i]) == key else -1
            code = _memo(self._code_memo, user_id, found)
        return None if code < 0 else code

    def user_rows(self, code: int) -> IntArray:
        """The rows of user ``code``'s faces, in fixture order."""

        def build() -> tuple[IntArray, IntArray]:
            by_user = np.argsort(self.user, kind="stable").astype(np.int64)
            bounds = np.searchsorted(self.user[by_user], np.arange(len(self.user_names) + 1))
            return by_user, bounds.astype(np.int64)

        by_user, bounds = self._cached("by_user", build)
        rows: IntArray = by_user[bounds[code] : bounds[code + 1]]
        return rows

    def user_face_ids(self, code: int) -> tuple[str, ...]:
        """The FaceIds of user ``code``'s faces, in fixture order (remembered, bounded)."""
        ids = self._faces_memo.get(code)
        if ids is None:
            ids = tuple(id_text(raw) for raw in self.fid[self.user_rows(code)].tolist())
            if len(self._faces_memo) >= _MEMO_SIZE:
                self._faces_memo.clear()
            self._faces_memo[code] = ids
        return ids

    def loose_rows(self) -> IntArray:
        """Rows of faces on no user (dropped from user searches)."""
        rows: IntArray = self._cached(
            "loose", lambda: np.flatnonzero(self.user < 0).astype(np.int64)
        )
        return rows

    def users_by_key(self) -> tuple[npt.NDArray[np.bytes_], IntArray]:
        """(sorted user keys, user codes in that order): the ListUsers order of fixture users."""

        def build() -> tuple[npt.NDArray[np.bytes_], IntArray]:
            cid = self.collection_id
            keys = np.array([user_key(cid, u) for u in self.user_names], dtype="S16")
            order = np.argsort(keys, kind="stable").astype(np.int64)
            return keys[order], order

        result: tuple[npt.NDArray[np.bytes_], IntArray] = self._cached("user_keys", build)
        return result


_MEMO_SIZE = 4096


def _memo(memo: dict[str, int], key: str, value: int) -> int:
    """Remember ``value`` for ``key`` (the memo is emptied first when full); returns it."""
    if len(memo) >= _MEMO_SIZE:
        memo.clear()
    memo[key] = value
    return value


def empty_table(collection_id: str) -> FaceTable:
    """A table without faces or users."""
    return build_table(collection_id, [], np.zeros((0, 128), np.float32), (), [], [], [], {})


def build_table(
    collection_id: str,
    faces: Sequence[Any],
    vectors: npt.NDArray[np.float32],
    user_names: Sequence[str],
    seeds: Sequence[Optional[int]],
    identities_of: Sequence[Optional[str]],
    kinds: Sequence[int],
    raw_embeddings: Mapping[int, tuple[float, ...]],
) -> FaceTable:
    """Columns from per-face records (anything with ``face_id``, ``image_id``, ``user_id``,
    ``similarity``, ``external_image_id``); seeds, identities and kinds given per face."""
    n = len(faces)
    codes = {name: i for i, name in enumerate(user_names)}
    idents: dict[str, int] = {}
    exts: dict[str, int] = {}
    fid = _uuid_column([f.face_id for f in faces])
    img = _uuid_column([f.image_id for f in faces])
    columns: dict[str, npt.NDArray[Any]] = {
        "fid": fid.reshape(n),
        "img": img.reshape(n),
        "user": np.fromiter(
            (-1 if f.user_id is None else codes[f.user_id] for f in faces), np.int32, n
        ),
        "vec": vectors,
        "kind": np.asarray(kinds, dtype=np.int8).reshape(n),
        "seed": np.fromiter((0 if s is None else s for s in seeds), np.uint64, n),
        "sim": np.fromiter(
            (np.nan if f.similarity is None else f.similarity for f in faces), np.float64, n
        ),
        "ident": np.fromiter(
            (-1 if i is None else idents.setdefault(i, len(idents)) for i in identities_of),
            np.int32,
            n,
        ),
        "ext": np.fromiter(
            (
                -1
                if f.external_image_id is None
                else exts.setdefault(f.external_image_id, len(exts))
                for f in faces
            ),
            np.int32,
            n,
        ),
    }
    columns.update(FaceTable.sort_columns(columns["fid"]))
    return assemble_table(
        collection_id, columns, user_names, list(idents), list(exts), raw_embeddings
    )


def assemble_table(
    collection_id: str,
    columns: dict[str, npt.NDArray[Any]],
    user_names: Sequence[str],
    identities: Sequence[str],
    externals: Sequence[str],
    raw_embeddings: Mapping[int, tuple[float, ...]],
) -> FaceTable:
    """A table from its finished columns (``order`` / ``sorted_fid`` included), made read-only."""
    for array in columns.values():
        array.flags.writeable = False
    return FaceTable(
        collection_id,
        columns,
        StrTable(*StrTable.encode(user_names)),
        StrTable(*StrTable.encode(identities)),
        StrTable(*StrTable.encode(externals)),
        raw_embeddings,
    )


def _uuid_column(ids: list[str]) -> npt.NDArray[np.bytes_]:
    """UUID strings as an ``S16`` column: one ``bytes.fromhex`` over all of them."""
    raw = bytes.fromhex("".join(ids).replace("-", ""))
    return np.frombuffer(raw, dtype="S16").copy() if ids else np.zeros(0, dtype="S16")

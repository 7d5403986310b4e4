"""The fake's data: collections, users and faces.

A :class:`Collection` is a shared, immutable :class:`~rekostub._engine.table.FaceTable` (the
fixture's faces as columns, maybe memory-mapped) plus this collection's own changes: deleted
fixture faces, fixture faces moved to or off a user, faces indexed since (one
:class:`VectorIndex`), users created, changed or deleted. Copying a collection copies only
those changes (copy-on-write): a fresh fake from a 100,000-user fixture copies a few empty
dicts. Nothing here knows about requests, HTTP or error answers.

Users' similarity to a probe is the **maximum** over the user's faces (see
:mod:`rekostub._engine.users`): adding a photo never lowers a score.
"""

from __future__ import annotations

import bisect
import datetime as _dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np
import numpy.typing as npt

from rekostub._engine.embedding import DIM
from rekostub._engine.matcher import VectorIndex
from rekostub._engine.table import (
    KIND_EMBEDDING,
    KIND_IDENTITY,
    FaceTable,
    empty_table,
    id_text,
    user_key,
)

__all__ = ["DEFAULT_REGION", "Collection", "Face", "User"]

Vector = npt.NDArray[np.float32]
DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class Face:
    """One face, as a fixture describes it (``FaceSpec`` is this class) and as operations see it.

    ``seed`` is the identity's seed (None for an explicit embedding). Fixture faces are stored
    as columns and materialised as Face records when read.
    """

    face_id: str
    image_id: str
    user_id: Optional[str] = None
    seed: Optional[int] = None
    identity: Optional[str] = None
    similarity: Optional[float] = None
    embedding: Optional[tuple[float, ...]] = None
    external_image_id: Optional[str] = None
    bounding_box: Optional[dict[str, float]] = None
    #: A float32 value, as every number AWS answers (a fixture face: AWS's 99.9997...).
    confidence: float = 99.99970245361328
    #: What the face looked like when indexed from an image (FaceDetail fields), if it was.
    detail: Optional[dict[str, object]] = None


@dataclass
class User:
    """A user. Status is derived: see :meth:`status`."""

    user_id: str
    #: Face ids in association order (a dict used as an ordered set).
    face_ids: dict[str, None] = field(default_factory=dict)
    #: The fake's clock (time.time() + advance()) until which the user reads UPDATING.
    updating_until: Optional[float] = None

    def status(self, now: float) -> str:
        """``CREATED`` (no faces), ``UPDATING`` (until ``updating_until``) or ``ACTIVE``, at
        ``now`` (a ``time.monotonic()`` value)."""
        if not self.face_ids:
            return "CREATED"
        if self.updating_until is not None and now < self.updating_until:
            return "UPDATING"
        return "ACTIVE"


#: Every Face attribute with its default (for building faces without the dataclass __init__).
FACE_DEFAULTS: dict[str, Any] = {
    name: f.default for name, f in Face.__dataclass_fields__.items() if name != "face_id"
}


def table_face(table: FaceTable, row: int, user_id: Optional[str]) -> Face:
    """The Face record of a table row."""
    kind = int(table.kind[row])
    sim = float(table.sim[row])
    ext = int(table.ext[row])
    face = Face.__new__(Face)
    face.__dict__.update(FACE_DEFAULTS)
    face.__dict__.update(
        face_id=table.face_id(row),
        image_id=id_text(bytes(table.img[row])),
        user_id=user_id,
        seed=None if kind == KIND_EMBEDDING else int(table.seed[row]),
        identity=table.identities[int(table.ident[row])] if kind == KIND_IDENTITY else None,
        similarity=None if sim != sim else sim,
        embedding=(
            table.raw_embeddings.get(row, tuple(float(x) for x in table.vec[row]))
            if kind == KIND_EMBEDDING
            else None
        ),
        external_image_id=table.externals[ext] if ext >= 0 else None,
    )
    return face


class _Faces(Mapping[str, Face]):
    """``collection.faces``: FaceId -> Face, in FaceId order."""

    __slots__ = ("_col",)

    def __init__(self, col: Collection) -> None:
        self._col = col

    def __getitem__(self, face_id: str) -> Face:
        face = self._col.face(face_id)
        if face is None:
            raise KeyError(face_id)
        return face

    def get(self, face_id: str, default: Any = None) -> Any:
        face = self._col.face(face_id) if isinstance(face_id, str) else None
        return default if face is None else face

    def __contains__(self, face_id: object) -> bool:
        return isinstance(face_id, str) and self._col.has_face(face_id)

    def __len__(self) -> int:
        col = self._col
        return len(col.table) - len(col._dead) + len(col._new)

    def __iter__(self) -> Iterator[str]:
        return self._col.face_ids_after(None)


class _Users(Mapping[str, User]):
    """``collection.users``: UserId -> User, in ListUsers order.

    A User read here is the collection's own (changing it changes the collection); operations
    read through :meth:`Collection.user`, which copies nothing.
    """

    __slots__ = ("_col",)

    def __init__(self, col: Collection) -> None:
        self._col = col

    def __getitem__(self, user_id: str) -> User:
        if self._col.user(user_id) is None:
            raise KeyError(user_id)
        return self._col._own_user(user_id)

    def __contains__(self, user_id: object) -> bool:
        return isinstance(user_id, str) and self._col.user(user_id) is not None

    def __len__(self) -> int:
        col = self._col
        return len(col.table.user_names) - len(col._gone) + len(col._extra)

    def __iter__(self) -> Iterator[str]:
        return (uid for _, uid in self._col.user_ids_after(None))


class Collection:
    """A face collection: a shared FaceTable and this collection's changes to it."""

    def __init__(
        self,
        collection_id: str,
        *,
        face_model_version: str = "7.0",
        created: Optional[_dt.datetime] = None,
        region: str = DEFAULT_REGION,
        table: Optional[FaceTable] = None,
    ) -> None:
        self.collection_id: str = collection_id
        self.face_model_version: str = face_model_version
        self.created: _dt.datetime = created or _dt.datetime.now(_dt.timezone.utc)
        self.region: str = region
        self.table: FaceTable = table if table is not None else empty_table(collection_id)
        self._dead: set[int] = set()  # deleted table rows
        self._dead_rows: Optional[npt.NDArray[np.intp]] = None  # cache of _dead as an array
        self._moved: dict[int, Optional[str]] = {}  # table row -> its user now
        self._new: dict[str, Face] = {}  # faces indexed since
        self._new_vectors = VectorIndex(DIM, capacity=1)  # grows by doubling
        self._new_sorted: list[str] = []  # their ids, sorted
        self._users: dict[str, User] = {}  # users created or changed here
        self._gone: set[str] = set()  # fixture users deleted here
        self._extra: dict[str, bytes] = {}  # users not in the table -> their ListUsers key
        self._extra_sorted: list[tuple[bytes, str]] = []
        self.faces: Mapping[str, Face] = _Faces(self)
        self.users: Mapping[str, User] = _Users(self)

    # -- faces ---------------------------------------------------------------------------------
    def row(self, face_id: str) -> Optional[int]:
        """The live table row of ``face_id`` (None: not a fixture face, or deleted)."""
        row = self.table.row_of(face_id)
        return None if row is None or row in self._dead else row

    def has_face(self, face_id: str) -> bool:
        return face_id in self._new or self.row(face_id) is not None

    def face(self, face_id: str) -> Optional[Face]:
        face = self._new.get(face_id)
        if face is not None:
            return face
        row = self.row(face_id)
        return None if row is None else table_face(self.table, row, self._user_of_row(row))

    def _user_of_row(self, row: int) -> Optional[str]:
        if row in self._moved:
            return self._moved[row]
        code = int(self.table.user[row])
        return None if code < 0 else self.table.user_names[code]

    def vector(self, face_id: str) -> Vector:
        """A copy of the face's vector (KeyError if absent)."""
        if face_id in self._new:
            return self._new_vectors.get(face_id)
        row = self.row(face_id)
        if row is None:
            raise KeyError(face_id)
        out: Vector = np.array(self.table.vec[row], dtype=np.float32)
        return out

    def add_face(self, face: Face, vector: Vector) -> None:
        """Index a new face that belongs to no user yet."""
        self._new[face.face_id] = face
        self._new_vectors.add(face.face_id, vector)
        bisect.insort(self._new_sorted, face.face_id)

    def remove_face(self, face_id: str) -> None:
        """Delete a face (the caller has checked it belongs to no user)."""
        face = self.face(face_id)
        if face is None:
            raise KeyError(face_id)
        if face.user_id is not None:  # defensive: keep users consistent
            self._unlink(self._own_user(face.user_id), [face_id])
        if self._new.pop(face_id, None) is not None:
            self._new_vectors.remove(face_id)
            del self._new_sorted[bisect.bisect_left(self._new_sorted, face_id)]
        else:
            row = self.table.row_of(face_id)
            assert row is not None
            self._dead.add(row)
            self._moved.pop(row, None)
            self._dead_rows = None

    def dead_rows(self) -> npt.NDArray[np.intp]:
        if self._dead_rows is None:
            self._dead_rows = np.fromiter(self._dead, np.intp, len(self._dead))
        return self._dead_rows

    def face_ids_after(self, after: Optional[str]) -> Iterator[str]:
        """Live face ids greater than ``after`` (None: all), ascending (ListFaces' order)."""
        table = self.table
        i = table.sorted_from(after)
        n = len(table)
        new = self._new_sorted
        j = 0 if after is None else bisect.bisect_right(new, after)
        dead = self._dead
        while i < n or j < len(new):
            base = id_text(bytes(table.sorted_fid[i])) if i < n else None
            if base is not None and (j >= len(new) or base < new[j]):
                if int(table.order[i]) not in dead:
                    yield base
                i += 1
            else:
                yield new[j]
                j += 1

    # -- users ---------------------------------------------------------------------------------
    def user(self, user_id: str) -> Optional[User]:
        user = self._users.get(user_id)
        if user is not None or user_id in self._gone:
            return user
        code = self.table.user_code(user_id)
        if code is None:
            return None
        return User(user_id, dict.fromkeys(self.table.user_face_ids(code)))

    def user_status(self, user_id: str, now: float) -> str:
        """The user's status without building its User (search answers, many users)."""
        user = self._users.get(user_id)
        if user is not None:
            return user.status(now)
        code = None if user_id in self._gone else self.table.user_code(user_id)
        if code is None:
            return "CREATED"
        return "ACTIVE" if self.table.user_rows(code).size else "CREATED"

    def add_user(self, user_id: str) -> User:
        user = User(user_id)
        self._users[user_id] = user
        if self.table.user_code(user_id) is not None:
            self._gone.discard(user_id)
        else:
            key = user_key(self.collection_id, user_id)
            self._extra[user_id] = key
            bisect.insort(self._extra_sorted, (key, user_id))
        return user

    def remove_user(self, user_id: str) -> None:
        """Delete a user; its faces stay in the collection, unassociated."""
        user = self.user(user_id)
        if user is None:
            raise KeyError(user_id)
        for face_id in user.face_ids:
            self._set_user(face_id, None)
        self._users.pop(user_id, None)
        key = self._extra.pop(user_id, None)
        if key is None:
            self._gone.add(user_id)
        else:
            del self._extra_sorted[bisect.bisect_left(self._extra_sorted, (key, user_id))]

    def user_ids_after(self, after: Optional[bytes]) -> Iterator[tuple[bytes, str]]:
        """(ListUsers key, user id) of live users with keys greater than ``after``, ascending."""
        keys, codes = self.table.users_by_key()
        i = 0 if after is None else int(np.searchsorted(keys, after, side="right"))
        extra = self._extra_sorted
        j = 0 if after is None else bisect.bisect_right(extra, (after, "\U0010ffff"))
        names, gone = self.table.user_names, self._gone
        while i < len(keys) or j < len(extra):
            base = bytes(keys[i]).ljust(16, b"\0") if i < len(keys) else None
            if base is not None and (j >= len(extra) or base < extra[j][0]):
                name = names[int(codes[i])]
                if name not in gone:
                    yield base, name
                i += 1
            else:
                yield extra[j]
                j += 1

    def associate(self, user: User, face_ids: Iterable[str], *, updating_until: float) -> None:
        """Put faces on a user."""
        user = self._own_user(user.user_id)
        for face_id in face_ids:
            self._set_user(face_id, user.user_id)
            user.face_ids[face_id] = None
        user.updating_until = updating_until

    def disassociate(self, user: User, face_ids: Iterable[str], *, updating_until: float) -> None:
        user = self._own_user(user.user_id)
        self._unlink(user, face_ids)
        user.updating_until = updating_until

    def _unlink(self, user: User, face_ids: Iterable[str]) -> None:
        for face_id in list(face_ids):
            user.face_ids.pop(face_id, None)
            if self.has_face(face_id):
                self._set_user(face_id, None)

    def _set_user(self, face_id: str, user_id: Optional[str]) -> None:
        face = self._new.get(face_id)
        if face is not None:
            new = Face.__new__(Face)
            new.__dict__.update(face.__dict__)
            new.__dict__["user_id"] = user_id  # a fresh, unshared object: fine despite frozen
            self._new[face_id] = new
            return
        row = self.table.row_of(face_id)
        assert row is not None
        self._moved[row] = user_id

    def _own_user(self, user_id: str) -> User:
        user = self._users.get(user_id)
        if user is None:
            found = self.user(user_id)
            if found is None:
                raise KeyError(user_id)
            user = self._users[user_id] = found
        return user

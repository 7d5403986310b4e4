"""The fake's data: collections, users and faces, kept in step with the matcher's vectors.

Plain data and the mutations that keep the vector indexes consistent. Nothing here knows about
requests, HTTP or error answers: operations (``rekostub._operations``) check and then call these.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np
import numpy.typing as npt

from rekostub._engine.embedding import DIM
from rekostub._engine.matcher import VectorIndex, unit_mean
from rekostub._engine.paging import KeyOrder

__all__ = ["Collection", "Face", "User"]

Vector = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Face:
    """One face: as a fixture describes it (``FaceSpec`` is this class) and as the fake keeps it.

    ``seed`` is the identity's seed (None for an explicit embedding). Immutable: a change (its
    user) replaces the object (see ``Collection._set_user``), so fixture templates, their specs
    and every fake copied from them can share face objects.
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
    """A user vector's owner. Status is derived: see :meth:`status`."""

    user_id: str
    #: Face ids in association order (a dict used as an ordered set).
    face_ids: dict[str, None] = field(default_factory=dict)
    #: The fake's clock (time.time() + advance()) until which the user reads UPDATING.
    updating_until: Optional[float] = None

    def status(self, now: float) -> str:
        if not self.face_ids:
            return "CREATED"
        if self.updating_until is not None and now < self.updating_until:
            return "UPDATING"
        return "ACTIVE"


class Collection:
    """A face collection: faces, users, and one vector index for each."""

    def __init__(
        self,
        collection_id: str,
        *,
        face_model_version: str = "7.0",
        created: Optional[_dt.datetime] = None,
    ) -> None:
        self.collection_id = collection_id
        self.face_model_version = face_model_version
        self.created = created or _dt.datetime.now(_dt.timezone.utc)
        self.faces: dict[str, Face] = {}
        self.users: dict[str, User] = {}
        self.face_vectors = VectorIndex(DIM)
        self.user_vectors = VectorIndex(DIM)
        #: Insertion order of faces and users, for paging (ListFaces, ListUsers).
        self.face_order = KeyOrder()
        self.user_order = KeyOrder()
        #: Users this collection may change in place (the others are shared with a template).
        self._owned_users: set[str] = set()

    # -- faces ---------------------------------------------------------------------------------
    def add_face(self, face: Face, vector: Vector) -> None:
        """Index a face that belongs to no user yet."""
        self.faces[face.face_id] = face
        self.face_vectors.add(face.face_id, vector)
        self.face_order.add(face.face_id)

    def add_faces(self, faces: list[Face], vectors: npt.NDArray[np.float32]) -> None:
        """Index many faces at once (fixture loading); their users are linked by :meth:`link`."""
        ids = [f.face_id for f in faces]
        self.faces.update(zip(ids, faces))
        self.face_order.extend(ids)
        self.face_vectors.add_many(ids, vectors)

    def remove_face(self, face_id: str) -> None:
        """Delete a face (the caller has checked it belongs to no user)."""
        face = self.faces.pop(face_id)
        self.face_vectors.remove(face_id)
        self.face_order.remove(face_id)
        if face.user_id is not None:  # defensive: keep users consistent
            self._unlink(self.users[face.user_id], [face_id])

    # -- users ---------------------------------------------------------------------------------
    def add_user(self, user_id: str) -> User:
        user = User(user_id)
        self.users[user_id] = user
        self._owned_users.add(user_id)
        self.user_order.add(user_id)
        return user

    def add_users(self, user_ids: list[str]) -> None:
        """Add many new users at once (fixture loading)."""
        new = User.__new__
        self.users.update((u, _user(new(User), u)) for u in user_ids)
        self._owned_users.update(user_ids)
        self.user_order.extend(user_ids)

    def remove_user(self, user_id: str) -> None:
        """Delete a user; its faces stay in the collection, unassociated."""
        user = self.users.pop(user_id)
        self._owned_users.discard(user_id)
        self.user_order.remove(user_id)
        for face_id in user.face_ids:
            self._set_user(face_id, None)
        if user_id in self.user_vectors:
            self.user_vectors.remove(user_id)

    def associate(self, user: User, face_ids: Iterable[str], *, updating_until: float) -> None:
        """Put faces on a user and recompute that user's vector (only that user's)."""
        user = self._own_user(user.user_id)
        for face_id in face_ids:
            self._set_user(face_id, user.user_id)
            user.face_ids[face_id] = None
        user.updating_until = updating_until
        self.refresh_user(user)

    def disassociate(self, user: User, face_ids: Iterable[str], *, updating_until: float) -> None:
        user = self._own_user(user.user_id)
        self._unlink(user, face_ids)
        user.updating_until = updating_until

    def _unlink(self, user: User, face_ids: Iterable[str]) -> None:
        user = self._own_user(user.user_id)
        for face_id in face_ids:
            user.face_ids.pop(face_id, None)
            if face_id in self.faces:
                self._set_user(face_id, None)
        self.refresh_user(user)

    # -- copy-on-write: a collection copied from a fixture template shares its Face and User
    # objects with the template until it changes one; faces are never changed in place.
    def _set_user(self, face_id: str, user_id: Optional[str]) -> None:
        face = _clone(self.faces[face_id])
        face.__dict__["user_id"] = user_id  # a fresh, unshared object: fine despite frozen
        self.faces[face_id] = face

    def _own_user(self, user_id: str) -> User:
        user = self.users[user_id]
        if user_id not in self._owned_users:
            user = User(user.user_id, dict(user.face_ids), user.updating_until)
            self.users[user_id] = user
            self._owned_users.add(user_id)
        return user

    def refresh_user(self, user: User) -> None:
        """Recompute one user's vector: the normalised mean of its faces' vectors."""
        if not user.face_ids:
            if user.user_id in self.user_vectors:
                self.user_vectors.remove(user.user_id)
            return
        rows = np.stack([self.face_vectors.get(f) for f in user.face_ids])
        self.user_vectors.add(user.user_id, unit_mean(rows))

    def user_vector(self, user_id: str) -> Optional[Vector]:
        return self.user_vectors.get(user_id) if user_id in self.user_vectors else None


#: Every Face attribute with its default (for building faces without the dataclass __init__).
FACE_DEFAULTS: dict[str, Any] = {
    name: f.default for name, f in Face.__dataclass_fields__.items() if name != "face_id"
}


def _user(user: User, user_id: str) -> User:
    """Fill a bare User (fixture loading: ~3x cheaper than the dataclass __init__)."""
    user.__dict__.update(user_id=user_id, face_ids={}, updating_until=None)
    return user


def _clone(face: Face) -> Face:
    """A shallow copy of a face, ~5x cheaper than dataclasses.replace."""
    new = Face.__new__(Face)
    new.__dict__.update(face.__dict__)
    return new


def copy_collection(col: Collection) -> Collection:
    """An independent copy: changing either never shows in the other.

    Face and User objects are shared (copy-on-write, see ``_set_user``/``_own_user``), so
    copying a 100,000-user collection copies dicts and arrays, not 200,000 objects.
    """
    new = Collection(
        col.collection_id, face_model_version=col.face_model_version, created=col.created
    )
    new.faces = dict(col.faces)
    new.users = dict(col.users)
    new.face_vectors = col.face_vectors.copy()
    new.user_vectors = col.user_vectors.copy()
    new.face_order = col.face_order.copy()
    new.user_order = col.user_order.copy()
    return new

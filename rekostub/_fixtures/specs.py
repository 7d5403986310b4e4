"""What a loaded fixture is: the immutable specs and the defaults a fixture may leave out.

:class:`Fixture` holds :class:`CollectionSpec` s, each holding its :class:`FaceSpec` s and the
matrix of their vectors; :data:`FixtureSource` is everything
:func:`rekostub._fixtures.load.load_fixture` accepts. The defaults (face model version,
account id), the limits (faces per user, identity seeds) and the deterministic ids given to
faces that name none live here too, so the checker (:mod:`rekostub._fixtures.parser`) and the
tests agree on them.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

import numpy as np
import numpy.typing as npt

from rekostub._engine.model import DEFAULT_REGION as DEFAULT_REGION
from rekostub._engine.model import Face, table_face
from rekostub._engine.table import FaceTable

__all__ = [
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_FACE_MODEL_VERSION",
    "DEFAULT_REGION",
    "MAX_FACES_PER_USER",
    "SEED_LIMIT",
    "CollectionSpec",
    "FaceSpec",
    "Fixture",
    "FixtureSource",
    "default_face_id",
    "default_image_id",
    "det_uuid",
    "name_uuid",
]


#: A face of a fixture: the very record the fake keeps (:class:`rekostub._engine.model.Face`), so a
#: fixture's faces are shared by its template and every fake built from it, never copied.
FaceSpec = Face


class CollectionSpec:
    """One fixture collection: its faces as a shared :class:`FaceTable` of columns.

    ``faces`` materialises the Face records (fixture order) when read; ``vectors`` is the
    table's (read-only, maybe memory-mapped) matrix.
    """

    __slots__ = ("collection_id", "face_model_version", "region", "table")

    def __init__(
        self, collection_id: str, face_model_version: str, table: FaceTable, region: str
    ) -> None:
        self.collection_id: str = collection_id
        self.face_model_version: str = face_model_version
        self.table: FaceTable = table
        self.region: str = region

    @property
    def users(self) -> tuple[str, ...]:
        return tuple(self.table.user_names)

    @property
    def faces(self) -> tuple[FaceSpec, ...]:
        table = self.table
        names = table.user_names
        return tuple(
            table_face(table, row, None if code < 0 else names[code])
            for row, code in enumerate(table.user.tolist())
        )

    @property
    def vectors(self) -> npt.NDArray[np.float32]:
        return self.table.vec


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

# --------------------------------------------------------------------------------------------
# Small helpers (only the deterministic ids run on the happy path)
# --------------------------------------------------------------------------------------------


_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}  # RFC 4122 variant digit


def det_uuid(text: str) -> str:
    """A lower-case version-4 UUID string derived from sha256(text): the first 16 bytes, with
    the version and variant digits set (ids of fixture faces and of indexed faces)."""
    h = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}"


#: The namespace of rekostub's name-based UUIDs.
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_X500, "cn=rekostub")


_NAMESPACE_BYTES = _NAMESPACE.bytes


def name_uuid(name: str) -> str:
    """A name-based (version 5) UUID for ``name``: AWS's ImageIds are name-based UUIDs too
    (``56a0ca74-1c83-39dd-...``, version 3), so ImageIds look like theirs.

    Exactly ``str(uuid.uuid5(_NAMESPACE, name))``, ~4x faster (fixtures name one per face)."""
    h = hashlib.sha1(_NAMESPACE_BYTES + name.encode("utf-8")).hexdigest()
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}"


def default_face_id(collection_id: str, user_id: Optional[str], index: int) -> str:
    """The FaceId given to face ``index`` of ``user_id`` (None: the loose faces) when absent."""
    return det_uuid(f"{collection_id}/{user_id or ''}/{index}")


def default_image_id(collection_id: str, user_id: Optional[str], index: int) -> str:
    """The ImageId given to a fixture face that names none (a name-based UUID)."""
    return name_uuid(f"image:{collection_id}/{user_id or ''}/{index}")

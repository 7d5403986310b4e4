"""``FakeRekognition.snapshot()``: the current state written out as a fixture dict."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any, Optional

import numpy as np

from rekostub._engine.model import DEFAULT_REGION, Collection, Face
from rekostub._engine.state import State
from rekostub._engine.table import FaceTable
from rekostub._fixtures.packed import PackedCollection, write_packed

__all__ = ["snapshot", "write_snapshot"]


def _face(face: Face, collection: Collection) -> dict[str, Any]:
    out: dict[str, Any] = {"face_id": face.face_id, "image_id": face.image_id}
    if face.embedding is not None:
        # The stored (normalised float32) vector, so a reload gives bit-identical vectors.
        stored = collection.vector(face.face_id)
        out["embedding"] = [float(x) for x in np.asarray(stored, dtype=np.float32)]
    elif face.identity is not None:
        out["identity"] = face.identity
    elif face.seed is not None:
        out["identity_seed"] = face.seed
    if face.similarity is not None:
        out["similarity"] = face.similarity
    if face.external_image_id is not None:
        out["external_image_id"] = face.external_image_id
    return out


def _collection(col: Collection) -> dict[str, Any]:
    faces = col.faces
    users: dict[str, Any] = {}
    for user_id in col.users:
        user = col.user(user_id)  # read without taking the user over (copy-on-write)
        assert user is not None
        users[user_id] = {"faces": [_face(faces[f], col) for f in user.face_ids]}
    loose = [_face(face, col) for face in faces.values() if face.user_id is None]
    out = {"face_model_version": col.face_model_version, "users": users, "faces": loose}
    if col.region != DEFAULT_REGION:
        out["region"] = col.region
    return out


def snapshot(state: State) -> dict[str, Any]:
    """A fixture dict that, loaded, answers every search as ``state`` does now."""
    all_cols = list(state.all_collections())
    twice = Counter(col.collection_id for col in all_cols)
    collections: dict[str, Any] = {}
    for col in all_cols:
        entry = _collection(col)
        key = col.collection_id
        if twice[key] > 1:  # one id in several regions: the key is a label
            key = f"{key}@{col.region}"
            entry = {"collection_id": col.collection_id, "region": col.region, **entry}
        collections[key] = entry
    result: dict[str, Any] = {
        "collections": collections,
        "options": {"account_id": state.account_id, "updating_seconds": state.updating_seconds},
    }
    images = state.extras.get("snapshot_images")
    if callable(images):  # the image feature contributes its section
        result["images"] = images()
    policy = state.extras.get("undescribed_images")
    if policy is not None and policy != "no_faces":  # the fixture option, as set on the fake
        result["options"]["undescribed_images"] = policy
    return result


# -- packed snapshots ----------------------------------------------------------------------------


def _packed_collection(col: Collection) -> PackedCollection:
    """A collection's live faces and users as packed columns (vectorised over fixture faces)."""
    table = col.table
    rows = np.arange(len(table), dtype=np.int64)
    if col._dead:
        rows = np.setdiff1d(rows, col.dead_rows())
    names = [u for u in table.user_names if u not in col._gone] + list(col._extra)
    code = {u: i for i, u in enumerate(names)}
    remap = np.asarray([code.get(u, -1) for u in table.user_names] + [-1], dtype=np.int32)
    user = remap[table.user[rows]]  # -1 indexes the trailing -1
    for row, owner in col._moved.items():
        at = int(np.searchsorted(rows, row))
        if at < rows.size and rows[at] == row:
            user[at] = -1 if owner is None else code[owner]
    identities = list(table.identities)
    externals = list(table.externals)
    new = list(col._new.values())
    idents = {s: i for i, s in enumerate(identities)}
    exts = {s: i for i, s in enumerate(externals)}

    def index(value: Optional[str], table: dict[str, int], items: list[str]) -> int:
        if value is None:
            return -1
        if value not in table:
            table[value] = len(items)
            items.append(value)
        return table[value]

    def uuid_bytes(text: str) -> bytes:
        return bytes.fromhex(text.replace("-", ""))

    columns = {
        "fid": np.concatenate(
            [table.fid[rows], np.array([uuid_bytes(f.face_id) for f in new], "S16")]
        ),
        "img": np.concatenate(
            [table.img[rows], np.array([uuid_bytes(f.image_id) for f in new], "S16")]
        ),
        "user": np.concatenate([user, [-1 if f.user_id is None else code[f.user_id] for f in new]]),
        "vec": np.concatenate(
            [
                table.vec[rows],
                np.stack([col.vector(f.face_id) for f in new]) if new else table.vec[:0],
            ]
        ),
        "kind": np.concatenate(
            [table.kind[rows], [0 if f.identity else 1 if f.seed is not None else 2 for f in new]]
        ),
        "seed": np.concatenate([table.seed[rows], [f.seed or 0 for f in new]]),
        "sim": np.concatenate(
            [table.sim[rows], [np.nan if f.similarity is None else f.similarity for f in new]]
        ),
        "ident": np.concatenate(
            [table.ident[rows], [index(f.identity, idents, identities) for f in new]]
        ),
        "ext": np.concatenate(
            [table.ext[rows], [index(f.external_image_id, exts, externals) for f in new]]
        ),
    }
    columns.update(FaceTable.sort_columns(columns["fid"].astype("S16")))
    strings = {"user_names": names, "identities": identities, "externals": externals}
    return col.collection_id, col.region, col.face_model_version, columns, strings


def write_snapshot(state: State, path: os.PathLike[str] | str) -> Path:
    """Write the state as a packed fixture (see :mod:`rekostub._fixtures.packed`)."""
    fixture = state.extras.get("fixture")
    images = state.extras.get("snapshot_images")
    options: dict[str, Any] = {
        "account_id": state.account_id,
        "updating_seconds": state.updating_seconds,
        "undescribed_images": state.extras.get("undescribed_images", "no_faces"),
    }
    return write_packed(
        path,
        [_packed_collection(col) for col in state.all_collections()],
        options,
        images() if callable(images) else {},
        getattr(fixture, "base_dir", None),
    )

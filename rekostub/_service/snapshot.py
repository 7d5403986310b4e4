"""``FakeRekognition.snapshot()``: the current state written out as a fixture dict."""

from __future__ import annotations

from typing import Any

import numpy as np

from rekostub._engine.model import Collection, Face
from rekostub._engine.state import State

__all__ = ["snapshot"]


def _face(face: Face, collection: Collection) -> dict[str, Any]:
    out: dict[str, Any] = {"face_id": face.face_id, "image_id": face.image_id}
    if face.embedding is not None:
        # The stored (normalised float32) vector, so a reload gives bit-identical vectors.
        stored = collection.face_vectors.get(face.face_id)
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
    users: dict[str, Any] = {}
    for _, user_id in col.user_order.after(None):
        user = col.users[user_id]
        users[user_id] = {"faces": [_face(col.faces[f], col) for f in user.face_ids]}
    loose = [
        _face(col.faces[face_id], col)
        for _, face_id in col.face_order.after(None)
        if col.faces[face_id].user_id is None
    ]
    return {"face_model_version": col.face_model_version, "users": users, "faces": loose}


def snapshot(state: State) -> dict[str, Any]:
    """A fixture dict that, loaded, answers every search as ``state`` does now."""
    collections = {
        cid: _collection(state.collections[cid]) for _, cid in state.collection_order.after(None)
    }
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

"""``FakeRekognition.snapshot()``: the current state written out as a fixture dict."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from rekostub._engine.model import DEFAULT_REGION, Collection, Face
from rekostub._engine.state import State

__all__ = ["snapshot"]


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
    for user_id, user in col.users.items():
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

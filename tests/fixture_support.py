"""Shared by the fixture tests: the documented example in every format, and small builders.

Not a test module (pytest collects ``test_*.py`` only); ``tests/`` is on ``sys.path`` as for
``conftest``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rekostub._common.errors import FixtureError
from rekostub._engine import embedding as _embedding
from rekostub._engine.embedding import DIM
from rekostub._fixtures.load import (
    CollectionSpec,
    FaceSpec,
    Fixture,
    default_face_id,
    default_image_id,
    load_fixture,
)

DEFAULT_OPTIONS = {
    "updating_seconds": 0.0,
    "account_id": "123456789012",
    "undescribed_images": "no_faces",
}

ID1 = "11111111-1111-4111-8111-111111111111"
ID2 = "22222222-2222-4222-8222-222222222222"
ID3 = "33333333-3333-4333-8333-333333333333"

# The exact form from the documentation.
EXACT: dict[str, Any] = {
    "collections": {
        "staff": {
            "face_model_version": "7.0",
            "users": {
                "alice": {"faces": [{"identity": "alice"}, {"face_id": ID1}]},
                "dave": {},
            },
            "faces": [
                {"face_id": ID2, "identity": "alice", "similarity": 85},
                {"face_id": ID3, "embedding": [0.12, -0.03]},
            ],
        }
    },
    "options": {"updating_seconds": 0, "account_id": "123456789012"},
    "images": {},
}

EXACT_JSON = json.dumps(EXACT, indent=2)

EXACT_TOML = f"""
[options]
updating_seconds = 0
account_id = "123456789012"

[collections.staff]
face_model_version = "7.0"
faces = [
  {{ face_id = "{ID2}", identity = "alice", similarity = 85 }},
  {{ face_id = "{ID3}", embedding = [0.12, -0.03] }},
]

[collections.staff.users.alice]
faces = [{{ identity = "alice" }}, {{ face_id = "{ID1}" }}]

[collections.staff.users.dave]

[images]
"""

EXACT_YAML = f"""
collections:
  staff:
    face_model_version: "7.0"
    users:
      alice:
        faces:
          - identity: alice
          - face_id: {ID1}
      dave: {{}}
    faces:
      - {{face_id: {ID2}, identity: alice, similarity: 85}}
      - face_id: {ID3}
        embedding: [0.12, -0.03]
options:
  updating_seconds: 0
  account_id: "123456789012"
images: {{}}
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def error_of(source: Any) -> str:
    with pytest.raises(FixtureError) as info:
        load_fixture(source)
    return str(info.value)


def one_collection(**collection: Any) -> dict[str, Any]:
    return {"collections": {"staff": collection}}


def one_face(face: Any) -> dict[str, Any]:
    return one_collection(faces=[face])


def user_face(face: Any, user: str = "bob") -> dict[str, Any]:
    return one_collection(users={user: {"faces": [face]}})


def check_exact(fixture: Fixture) -> None:
    (col,) = fixture.collections
    assert isinstance(col, CollectionSpec)
    assert col.collection_id == "staff"
    assert col.face_model_version == "7.0"
    assert col.users == ("alice", "dave")
    alice0, alice1, loose85, loose_emb = col.faces
    seed = _embedding.identity_seed("alice")
    assert alice0 == FaceSpec(
        face_id=default_face_id("staff", "alice", 0),
        image_id=default_image_id("staff", "alice", 0),
        user_id="alice",
        seed=seed,
        identity="alice",
    )
    assert alice1 == FaceSpec(
        face_id=ID1,
        image_id=default_image_id("staff", "alice", 1),
        user_id="alice",
        seed=seed,
        identity="alice",
    )
    assert loose85 == FaceSpec(
        face_id=ID2,
        image_id=default_image_id("staff", None, 0),
        seed=seed,
        identity="alice",
        similarity=85.0,
    )
    assert loose_emb == FaceSpec(
        face_id=ID3, image_id=default_image_id("staff", None, 1), embedding=(0.12, -0.03)
    )
    assert dict(fixture.options) == DEFAULT_OPTIONS
    assert dict(fixture.images) == {}
    assert col.vectors.shape == (4, DIM)
    assert col.vectors.dtype == np.float32

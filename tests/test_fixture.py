"""rekostub._fixtures.load: the fixture format in every file format, defaults, vectors, internals.

Errors are in test_fixture_errors.py, files and caching in test_fixture_files.py.
"""

from __future__ import annotations

import copy
import dataclasses
import gc
import hashlib
import uuid
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pytest
from fixture_support import (
    DEFAULT_OPTIONS,
    EXACT,
    EXACT_JSON,
    EXACT_TOML,
    EXACT_YAML,
    ID1,
    check_exact,
    one_collection,
    one_face,
    write,
)

from rekostub._common.errors import FixtureError
from rekostub._engine import embedding as _embedding
from rekostub._engine.embedding import DIM
from rekostub._fixtures.load import FaceSpec, clear_cache, default_image_id, load_fixture


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    clear_cache()


def seeded_vectors(faces: list[FaceSpec]) -> np.ndarray[Any, Any]:
    return _embedding.face_vectors(
        [f.seed for f in faces],  # type: ignore[misc]
        [f.face_id for f in faces],
        [f.similarity for f in faces],
    )


# ------------------------------------------------------------------------------------------
# The exact form, in every format
# ------------------------------------------------------------------------------------------


def test_exact_form_from_dict() -> None:
    fixture = load_fixture(EXACT)
    check_exact(fixture)
    assert fixture.source == "<dict>"
    assert fixture.base_dir is None


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("fx.json", EXACT_JSON),
        ("fx.toml", EXACT_TOML),
        ("fx.yaml", EXACT_YAML),
        ("fx.yml", EXACT_YAML),
        ("FX.JSON", EXACT_JSON),
    ],
)
def test_exact_form_from_files(tmp_path: Path, name: str, text: str) -> None:
    path = write(tmp_path / name, text)
    fixture = load_fixture(str(path))
    check_exact(fixture)
    assert fixture.source == str(path)
    assert fixture.base_dir == tmp_path.resolve()
    from_dict = load_fixture(EXACT)
    assert fixture.collections[0].faces == from_dict.collections[0].faces
    assert np.array_equal(fixture.collections[0].vectors, from_dict.collections[0].vectors)


def test_pathlike_and_str_give_the_same_fixture(tmp_path: Path) -> None:
    path = write(tmp_path / "fx.json", EXACT_JSON)
    assert load_fixture(path) is load_fixture(str(path))


def test_demo_fixture_loads() -> None:
    demo = Path(__file__).resolve().parents[1] / "rekostub" / "data" / "demo.json"
    fixture = load_fixture(demo)
    (col,) = fixture.collections
    assert col.collection_id == "demo-staff"
    assert col.users == ("alice", "bob", "carol", "dave")
    by_user: dict[Any, list[FaceSpec]] = {}
    for face in col.faces:
        by_user.setdefault(face.user_id, []).append(face)
    assert [len(by_user[u]) for u in ("alice", "bob", "carol")] == [3, 2, 1]
    assert "dave" not in by_user
    assert [f.similarity for f in by_user["alice"]] == [None, None, 92.0]
    loose = by_user[None]
    assert [(f.identity, f.similarity) for f in loose] == [("alice", 70.0), ("visitor-1", None)]
    assert all(f.face_id == str(uuid.UUID(f.face_id)) for f in col.faces)
    assert by_user["alice"][0].face_id == "a11ce000-0000-4000-8000-000000000001"


# ------------------------------------------------------------------------------------------
# Defaults
# ------------------------------------------------------------------------------------------


def test_defaults() -> None:
    raw: dict[str, Any] = {
        "collections": {"c1": {"users": {"u1": {"faces": [{}, {}]}, "u2": None}}}
    }
    first = load_fixture(raw)
    second = load_fixture(copy.deepcopy(raw))
    assert first is second  # equal content: the cached fixture
    (col,) = first.collections
    assert col.face_model_version == "7.0"
    assert col.users == ("u1", "u2")
    assert [f.identity for f in col.faces] == ["u1", "u1"]
    assert [f.user_id for f in col.faces] == ["u1", "u1"]
    assert [f.seed for f in col.faces] == [_embedding.identity_seed("u1")] * 2
    assert [f.similarity for f in col.faces] == [None, None]
    assert col.faces == second.collections[0].faces  # deterministic ids
    ids = {f.face_id for f in col.faces} | {f.image_id for f in col.faces}
    assert len(ids) == 4
    assert dict(first.options) == DEFAULT_OPTIONS
    assert dict(first.images) == {}


def test_generated_ids_follow_the_documented_formula() -> None:
    fixture = load_fixture({"collections": {"c": {"users": {"u": {"faces": [{}]}}}}})
    face = fixture.collections[0].faces[0]
    digest = hashlib.sha256(b"c/u/0").digest()[:16]
    assert face.face_id == str(uuid.UUID(bytes=digest, version=4))
    assert uuid.UUID(face.face_id).version == 4
    assert face.face_id == face.face_id.lower()
    loose = load_fixture({"collections": {"c": {"faces": [{"identity": "x"}]}}})
    digest = hashlib.sha256(b"c//0").digest()[:16]
    assert loose.collections[0].faces[0].face_id == str(uuid.UUID(bytes=digest, version=4))
    assert default_image_id("c", "u", 0) != face.face_id


def test_none_is_an_empty_fixture() -> None:
    fixture = load_fixture(None)
    assert fixture.collections == ()
    assert dict(fixture.options) == DEFAULT_OPTIONS
    assert fixture.base_dir is None


def test_a_fixture_is_returned_as_is() -> None:
    fixture = load_fixture(EXACT)
    assert load_fixture(fixture) is fixture


def test_empty_collection_and_empty_documents(tmp_path: Path) -> None:
    fixture = load_fixture({"collections": {"empty": None, "e2": {}}})
    assert [c.collection_id for c in fixture.collections] == ["empty", "e2"]
    for col in fixture.collections:
        assert col.faces == ()
        assert col.users == ()
        assert col.vectors.shape == (0, DIM)
    assert load_fixture({}).collections == ()
    assert load_fixture(write(tmp_path / "empty.yaml", "")).collections == ()
    assert load_fixture(write(tmp_path / "empty.toml", "")).collections == ()


def test_optional_fields_are_kept() -> None:
    fixture = load_fixture(
        one_collection(
            face_model_version="6.0",
            users={"u:1": {"faces": [{"identity": "other", "similarity": 50.5}]}},
            faces=[
                {"identity_seed": 12345, "external_image_id": "cam-1.jpg", "image_id": ID1},
                {"identity_seed": 2**48 - 1, "similarity": 0},
            ],
        )
        | {
            "options": {
                "updating_seconds": 2.5,
                "account_id": "000000000001",
                "undescribed_images": "error",
            },
            "images": {"x": 1},
        }
    )
    col = fixture.collections[0]
    assert col.face_model_version == "6.0"
    assert col.faces[0].identity == "other"
    assert col.faces[0].seed == _embedding.identity_seed("other")
    assert col.faces[0].similarity == 50.5
    assert col.faces[1].identity is None
    assert col.faces[1].seed == 12345
    assert col.faces[1].image_id == ID1
    assert col.faces[1].external_image_id == "cam-1.jpg"
    assert col.faces[2].seed == 2**48 - 1
    assert col.faces[2].similarity == 0.0
    assert dict(fixture.options) == {
        "updating_seconds": 2.5,
        "account_id": "000000000001",
        "undescribed_images": "error",
    }
    assert dict(fixture.images) == {"x": 1}


def test_hundred_faces_per_user_is_fine() -> None:
    fixture = load_fixture(one_collection(users={"bob": {"faces": [{}] * 100}}))
    assert len(fixture.collections[0].faces) == 100


def test_the_input_dict_is_not_modified() -> None:
    raw = copy.deepcopy(EXACT)
    load_fixture(raw)
    assert raw == EXACT


# ------------------------------------------------------------------------------------------
# Vectors
# ------------------------------------------------------------------------------------------


def test_vectors_follow_face_order_and_match_face_vectors() -> None:
    fixture = load_fixture(
        one_collection(
            users={
                "u1": {"faces": [{}, {"similarity": 80}]},
                "u2": {"faces": [{"embedding": [1, 2, 3]}, {"identity": "u1"}]},
            },
            faces=[{"identity": "u2", "similarity": 60}, {"embedding": [0.5] * DIM}],
        )
    )
    col = fixture.collections[0]
    assert [f.user_id for f in col.faces] == ["u1", "u1", "u2", "u2", None, None]
    vectors = col.vectors
    assert vectors.shape == (6, DIM)
    assert vectors.dtype == np.float32
    assert vectors.flags.c_contiguous
    seeded = [f for f in col.faces if f.embedding is None]
    rows = [i for i, f in enumerate(col.faces) if f.embedding is None]
    assert np.array_equal(vectors[rows], seeded_vectors(seeded))
    assert np.array_equal(vectors[2], _embedding.explicit_vector([1, 2, 3]))
    assert np.array_equal(vectors[5], _embedding.explicit_vector([0.5] * DIM))
    assert col.faces[2].embedding == (1.0, 2.0, 3.0)


def test_vectors_without_embeddings_are_one_batch() -> None:
    col = load_fixture({"collections": {"c": {"users": {"a": {"faces": [{}, {}]}}}}})
    faces = list(col.collections[0].faces)
    assert np.array_equal(col.collections[0].vectors, seeded_vectors(faces))


def test_vectors_are_read_only() -> None:
    col = load_fixture(EXACT).collections[0]
    assert not col.vectors.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        col.vectors[0, 0] = 1.0


# ------------------------------------------------------------------------------------------
# Internals the speed depends on
# ------------------------------------------------------------------------------------------


def test_fast_face_spec_equals_the_constructor() -> None:
    fixture = load_fixture(
        one_collection(faces=[{"identity": "a", "similarity": 75, "external_image_id": "x.jpg"}])
    )
    fast = fixture.collections[0].faces[0]
    slow = FaceSpec(
        face_id=fast.face_id,
        image_id=fast.image_id,
        seed=_embedding.identity_seed("a"),
        identity="a",
        similarity=75.0,
        external_image_id="x.jpg",
    )
    assert fast == slow
    assert hash(fast) == hash(slow)
    assert repr(fast) == repr(slow)
    assert vars(fast) == vars(slow)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.identity = "b"  # type: ignore[misc]


def test_gc_state_is_restored() -> None:
    assert gc.isenabled()
    load_fixture(EXACT)
    assert gc.isenabled()
    with pytest.raises(FixtureError):
        load_fixture(one_face({}))
    assert gc.isenabled()
    gc.disable()
    try:
        load_fixture(EXACT)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_any_mapping_is_accepted_and_images_are_kept_as_given() -> None:
    images: dict[str, Any] = {"a.jpg": {"faces": []}}
    fixture = load_fixture(
        MappingProxyType(
            {
                "collections": MappingProxyType(
                    {"staff": MappingProxyType({"users": {"u": MappingProxyType({})}})}
                ),
                "images": images,
            }
        )
    )
    assert fixture.collections[0].users == ("u",)
    assert fixture.images is images

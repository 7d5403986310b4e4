"""rekostub._fixture: the fixture format, its defaults, every error, caching and vectors."""

from __future__ import annotations

import copy
import dataclasses
import gc
import hashlib
import json
import os
import sys
import uuid
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pytest

from rekostub import _embedding
from rekostub._embedding import DIM
from rekostub._errors import FixtureError
from rekostub._fixture import (
    CollectionSpec,
    FaceSpec,
    Fixture,
    clear_cache,
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


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    clear_cache()


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


def seeded_vectors(faces: list[FaceSpec]) -> np.ndarray[Any, Any]:
    return _embedding.face_vectors(
        [f.seed for f in faces],  # type: ignore[misc]
        [f.face_id for f in faces],
        [f.similarity for f in faces],
    )


# ------------------------------------------------------------------------------------------
# The exact form, in every format
# ------------------------------------------------------------------------------------------


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
    assert first is not second  # dicts are not cached
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
# Errors: structure and values
# ------------------------------------------------------------------------------------------

P = "bad rekostub fixture <dict>: "
FACE0 = P + "collections.staff.faces[0]"
BOB0 = P + "collections.staff.users.bob.faces[0]"
UUID_EXAMPLE = "'3f1c2b9e-8a4d-4c6f-9b2e-5d7a1c0e4f88'"
FACE_KEYS = "embedding, external_image_id, face_id, identity, identity_seed, image_id, similarity"
NEEDS = (
    'a face needs an identity or an embedding: add "identity": "<person>" (faces of the '
    'same person match each other), an "embedding": [numbers], or an "identity_seed"'
)
SIMILARITY = (
    "is not a number from 0 to 100 (how closely this face matches its identity's other "
    "faces; omit it for a near-perfect face)"
)
USER_ID_RULE = "use 1-128 characters from a-z, A-Z, 0-9, '_', '.', '-' and ':'"
EXT_RULE = "use a string of 1-255 characters from a-z, A-Z, 0-9, '_', '.', '-' and ':'"

ERROR_CASES: list[tuple[str, Any, str]] = [
    # -- top level
    (
        "top-level-list",
        [1],
        "bad rekostub fixture <list>: a fixture is a file path, a dict, a Fixture or None, not [1]",
    ),
    (
        "unknown-top-key",
        {"colections": {}},
        "bad rekostub fixture <dict>: unknown key 'colections' (did you mean 'collections'?); "
        "allowed: collections, images, options",
    ),
    (
        "collections-list",
        {"collections": []},
        P + "collections: collections (collection id -> collection) must be an object "
        "(a mapping), not a list ([])",
    ),
    (
        "images-list",
        {"images": []},
        P + "images: images must be an object (a mapping), not a list ([])",
    ),
    # -- options
    (
        "options-list",
        {"options": [1]},
        P + "options: options must be an object (a mapping), not a list ([1])",
    ),
    (
        "options-unknown",
        {"options": {"updating_second": 1}},
        P + "options: unknown key 'updating_second' (did you mean 'updating_seconds'?); "
        "allowed: account_id, undescribed_images, updating_seconds",
    ),
    *[
        (
            f"updating-seconds-{label}",
            {"options": {"updating_seconds": bad}},
            P + f"options.updating_seconds: {shown} is not a number of seconds >= 0 (how long "
            "a user reads UPDATING after AssociateFaces/DisassociateFaces; 0 = ACTIVE at once)",
        )
        for label, bad, shown in [
            ("negative", -1, "-1"),
            ("string", "5", "'5'"),
            ("bool", True, "True"),
            ("inf", float("inf"), "inf"),
        ]
    ],
    (
        "account-int",
        {"options": {"account_id": 123456789012}},
        P + "options.account_id: 123456789012 is a number: write the account id as a string "
        'of 12 digits in quotes, like "123456789012"',
    ),
    (
        "account-short",
        {"options": {"account_id": "12345"}},
        P + "options.account_id: '12345' is not an AWS account id: use exactly 12 digits, "
        'like "123456789012"',
    ),
    (
        "undescribed-images",
        {"options": {"undescribed_images": "nope"}},
        P + "options.undescribed_images: 'nope' is not one of 'no_faces', 'error', 'derive' "
        "(what an image shows that neither the images section nor face codes describe)",
    ),
    # -- collections
    (
        "collection-id-space",
        {"collections": {"my staff": {}}},
        P + "collections[\"my staff\"]: 'my staff' is not a valid collection id: use 1-255 "
        "characters from a-z, A-Z, 0-9, '_', '.' and '-'",
    ),
    (
        "collection-id-empty",
        {"collections": {"": {}}},
        P + "collections[\"\"]: '' is not a valid collection id: use 1-255 "
        "characters from a-z, A-Z, 0-9, '_', '.' and '-'",
    ),
    (
        "collection-id-too-long",
        {"collections": {"c" * 256: {}}},
        P + f"collections.{'c' * 256}: '{'c' * 256}' is not a valid collection id: "
        "use 1-255 characters from a-z, A-Z, 0-9, '_', '.' and '-'",
    ),
    (
        "collection-list",
        {"collections": {"staff": []}},
        P + "collections.staff: a collection must be an object (a mapping), not a list ([])",
    ),
    (
        "collection-unknown-key",
        one_collection(user={}),
        P + "collections.staff: unknown key 'user' (did you mean 'users'?); "
        "allowed: face_model_version, faces, users",
    ),
    (
        "face-model-version-number",
        one_collection(face_model_version=7.0),
        P + "collections.staff.face_model_version: 7.0 is not a non-empty string: write it in "
        'quotes, "7.0" (like "7.0" or "6.0")',
    ),
    (
        "face-model-version-empty",
        one_collection(face_model_version=""),
        P + "collections.staff.face_model_version: '' is not a non-empty string "
        '(like "7.0" or "6.0")',
    ),
    (
        "users-list",
        one_collection(users=["bob"]),
        P + "collections.staff.users: users (user id -> user) must be an object (a mapping), "
        "not a list (['bob'])",
    ),
    (
        "loose-faces-object",
        one_collection(faces={}),
        P + "collections.staff.faces: faces must be a list of faces, not an object ({})",
    ),
    # -- users
    (
        "user-id-space",
        one_collection(users={"bob smith": {}}),
        P + f"collections.staff.users[\"bob smith\"]: 'bob smith' is not a valid UserId: "
        f"{USER_ID_RULE}",
    ),
    (
        "user-id-too-long",
        one_collection(users={"u" * 129: {}}),
        P + f"collections.staff.users.{'u' * 129}: '{'u' * 129}' is not a valid UserId: "
        f"{USER_ID_RULE}",
    ),
    (
        "user-id-newline-after-good-ones",
        one_collection(users={"a": {}, "b": None, "c\nd": {}}),
        P + f"collections.staff.users[\"c\\nd\"]: 'c\\nd' is not a valid UserId: {USER_ID_RULE}",
    ),
    (
        "user-id-int",
        one_collection(users={42: {}}),
        P + "collections.staff.users[42]: user id 42 is a number: write it as a string in quotes",
    ),
    (
        "user-list",
        one_collection(users={"bob": []}),
        P + 'collections.staff.users.bob: a user must be an object like {"faces": [...]} '
        "(or {} / null for a user without faces), not a list ([])",
    ),
    (
        "user-unknown-key",
        one_collection(users={"bob": {"face": []}}),
        P + "collections.staff.users.bob: unknown key 'face' (did you mean 'faces'?); "
        "allowed: faces",
    ),
    (
        "user-unknown-key-no-suggestion",
        one_collection(users={"bob": {"updating": True}}),
        P + "collections.staff.users.bob: unknown key 'updating'; allowed: faces",
    ),
    (
        "user-faces-object",
        one_collection(users={"bob": {"faces": {"identity": "bob"}}}),
        P + "collections.staff.users.bob.faces: faces must be a list of faces, not an object "
        "({'identity': 'bob'})",
    ),
    (
        "user-101-faces",
        one_collection(users={"bob": {"faces": [{}] * 101}}),
        P + "collections.staff.users.bob.faces: a user holds at most 100 faces (Rekognition's "
        "quota); this one lists 101: move the rest to the collection's 'faces' or to another "
        "user",
    ),
    # -- faces
    (
        "face-string",
        one_face("alice"),
        FACE0 + ': a face must be an object like {"identity": "alice"}, not a string (\'alice\')',
    ),
    (
        "face-unknown-key",
        one_face({"identity": "a", "simlarity": 80}),
        FACE0 + f": unknown key 'simlarity' (did you mean 'similarity'?); allowed: {FACE_KEYS}",
    ),
    (
        "user-face-unknown-key",
        user_face({"faceid": ID1}),
        BOB0 + f": unknown key 'faceid' (did you mean 'face_id'?); allowed: {FACE_KEYS}",
    ),
    (
        "face-id-not-uuid",
        user_face({"face_id": "ABC"}),
        BOB0 + f".face_id: 'ABC' is not a lower-case UUID like {UUID_EXAMPLE}: "
        "omit face_id to get a generated one",
    ),
    (
        "face-id-upper-case",
        user_face({"face_id": ID1.upper().replace("1", "A")}),
        BOB0 + ".face_id: 'AAAAAAAA-AAAA-4AAA-8AAA-AAAAAAAAAAAA' is not a lower-case UUID "
        f"like {UUID_EXAMPLE}: write it in lower case: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'",
    ),
    (
        "face-id-int",
        user_face({"face_id": 7}),
        BOB0 + f".face_id: 7 is not a lower-case UUID like {UUID_EXAMPLE}: "
        "omit face_id to get a generated one",
    ),
    (
        "image-id-not-uuid",
        one_face({"identity": "a", "image_id": "img-1"}),
        FACE0 + f".image_id: 'img-1' is not a lower-case UUID like {UUID_EXAMPLE}: "
        "omit image_id to get a generated one",
    ),
    ("loose-face-without-identity", one_face({}), FACE0 + ": " + NEEDS),
    ("loose-face-null", one_face({"identity": None, "face_id": ID1}), FACE0 + ": " + NEEDS),
    (
        "identity-and-embedding",
        one_face({"identity": "a", "embedding": [1.0]}),
        FACE0 + ": a face has either an identity or an embedding, not both: remove one",
    ),
    (
        "seed-and-embedding",
        user_face({"identity_seed": 1, "embedding": [1.0]}),
        BOB0 + ": a face has either an identity_seed or an embedding, not both: remove one",
    ),
    (
        "similarity-and-embedding",
        one_face({"similarity": 90, "embedding": [1.0]}),
        FACE0 + ": similarity cannot be used with an embedding (the embedding fixes the "
        "vector): remove similarity, or use an identity instead of the embedding",
    ),
    (
        "identity-and-seed",
        one_face({"identity": "a", "identity_seed": 5}),
        FACE0 + ": identity and identity_seed are alternatives: give one of them",
    ),
    (
        "identity-empty",
        user_face({"identity": ""}),
        BOB0 + ".identity: '' is not a person's name: the identity must be a non-empty string",
    ),
    (
        "identity-number",
        one_face({"identity": 12}),
        FACE0 + ".identity: 12 is not a person's name: the identity must be a non-empty string",
    ),
    *[
        (
            f"identity-seed-{label}",
            one_face({"identity_seed": bad}),
            FACE0 + f".identity_seed: {shown} is not an integer from 0 to 2**48-1 "
            "(281474976710655)",
        )
        for label, bad, shown in [
            ("too-big", 2**48, "281474976710656"),
            ("negative", -1, "-1"),
            ("bool", True, "True"),
            ("float", 1.0, "1.0"),
        ]
    ],
    *[
        (
            f"similarity-{label}",
            user_face({"similarity": bad}),
            BOB0 + f".similarity: {shown} " + SIMILARITY,
        )
        for label, bad, shown in [
            ("above", 101, "101"),
            ("below", -0.5, "-0.5"),
            ("bool", True, "True"),
            ("string", "90", "'90'"),
            ("nan", float("nan"), "nan"),
        ]
    ],
    (
        "embedding-not-list",
        one_face({"embedding": "0.1,0.2"}),
        FACE0 + f".embedding: an embedding is a list of 1 to {DIM} numbers, not a string "
        "('0.1,0.2')",
    ),
    (
        "embedding-empty",
        one_face({"embedding": []}),
        FACE0 + f".embedding: an embedding has 1 to {DIM} numbers; this one has 0",
    ),
    (
        "embedding-too-long",
        one_face({"embedding": [0.1] * (DIM + 1)}),
        FACE0 + f".embedding: an embedding has 1 to {DIM} numbers; this one has {DIM + 1}",
    ),
    (
        "embedding-string-item",
        one_face({"embedding": [0.1, "x"]}),
        FACE0 + ".embedding: 'x' is not a finite number (item 1 of the embedding)",
    ),
    (
        "embedding-inf",
        user_face({"embedding": [float("inf")]}),
        BOB0 + ".embedding: inf is not a finite number (item 0 of the embedding)",
    ),
    (
        "embedding-bool",
        one_face({"embedding": [True]}),
        FACE0 + ".embedding: True is not a finite number (item 0 of the embedding)",
    ),
    (
        "external-image-id-space",
        one_face({"identity": "a", "external_image_id": "my photo.jpg"}),
        FACE0 + f".external_image_id: 'my photo.jpg' is not a valid ExternalImageId: {EXT_RULE}",
    ),
    (
        "external-image-id-empty",
        one_face({"identity": "a", "external_image_id": ""}),
        FACE0 + f".external_image_id: '' is not a valid ExternalImageId: {EXT_RULE}",
    ),
    (
        "external-image-id-number",
        one_face({"identity": "a", "external_image_id": 5}),
        FACE0 + f".external_image_id: 5 is not a valid ExternalImageId: {EXT_RULE}",
    ),
    # -- duplicates
    (
        "duplicate-face-id-user-then-loose",
        one_collection(
            users={"alice": {"faces": [{}, {"face_id": ID1}]}},
            faces=[{"identity": "x"}, {"face_id": ID1, "identity": "y"}],
        ),
        P + f"collections.staff.faces[1].face_id: face id '{ID1}' is used twice in collection "
        "'staff': first at collections.staff.users.alice.faces[1].face_id, again here; face "
        "ids are unique within a collection (omit face_id to get a generated one)",
    ),
    (
        "duplicate-face-id-two-users",
        one_collection(
            users={"a": {"faces": [{"face_id": ID1}]}, "b": {"faces": [{"face_id": ID1}]}}
        ),
        P + f"collections.staff.users.b.faces[0].face_id: face id '{ID1}' is used twice in "
        "collection 'staff': first at collections.staff.users.a.faces[0].face_id, again here; "
        "face ids are unique within a collection (omit face_id to get a generated one)",
    ),
    (
        "duplicate-generated-face-id",
        one_collection(
            users={"a": {"faces": [{}]}},
            faces=[{"identity": "a", "face_id": default_face_id("staff", "a", 0)}],
        ),
        P + f"collections.staff.faces[0].face_id: face id '{default_face_id('staff', 'a', 0)}' "
        "is used twice in collection 'staff': first at collections.staff.users.a.faces[0]."
        "face_id, again here; face ids are unique within a collection (omit face_id to get a "
        "generated one)",
    ),
    # -- path rendering of unusual keys
    (
        "dotted-collection-id",
        {"collections": {"team.a": {"faces": [{}]}}},
        P + 'collections["team.a"].faces[0]: ' + NEEDS,
    ),
    (
        "second-collection",
        {"collections": {"ok": {}, "staff": {"users": {"a:b": {"faces": [{}, {"face_id": "x"}]}}}}},
        P + "collections.staff.users.a:b.faces[1].face_id: 'x' is not a lower-case UUID like "
        f"{UUID_EXAMPLE}: omit face_id to get a generated one",
    ),
]


@pytest.mark.parametrize(
    ("raw", "message"), [c[1:] for c in ERROR_CASES], ids=[c[0] for c in ERROR_CASES]
)
def test_errors(raw: Any, message: str) -> None:
    assert error_of(raw) == message


def test_error_attributes() -> None:
    with pytest.raises(FixtureError) as info:
        load_fixture(user_face({"face_id": "ABC"}))
    err = info.value
    assert err.source == "<dict>"
    assert err.path == "collections.staff.users.bob.faces[0].face_id"
    assert err.problem.startswith("'ABC' is not a lower-case UUID")
    assert isinstance(err, ValueError)


def test_errors_name_the_file(tmp_path: Path) -> None:
    raw = user_face({"face_id": "ABC"})
    path = write(tmp_path / "bad.json", json.dumps(raw))
    assert error_of(str(path)) == (
        f"bad rekostub fixture {path}: collections.staff.users.bob.faces[0].face_id: 'ABC' is "
        f"not a lower-case UUID like {UUID_EXAMPLE}: omit face_id to get a generated one"
    )
    toml = write(tmp_path / "bad.toml", "[collections.staff]\nfaces = [{simlarity = 80}]\n")
    assert error_of(toml) == (
        f"bad rekostub fixture {toml}: collections.staff.faces[0]: unknown key 'simlarity' "
        f"(did you mean 'similarity'?); allowed: {FACE_KEYS}"
    )


def test_unusable_embedding_is_reported_with_its_path() -> None:
    try:
        _embedding.explicit_vector([0.0, 0.0])
    except ValueError as exc:
        problem = str(exc)
    else:  # pragma: no cover - depends on _embedding accepting zeros
        pytest.skip("explicit_vector accepts an all-zero embedding")
    assert error_of(one_face({"embedding": [0.0, 0.0]})) == (
        FACE0 + f".embedding: unusable embedding: {problem}"
    )


# ------------------------------------------------------------------------------------------
# Errors: files
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["fixture.txt", "fixture", "fixture.json.bak"])
def test_wrong_extension(tmp_path: Path, name: str) -> None:
    path = write(tmp_path / name, "{}")
    suffix = Path(name).suffix or "(none)"
    assert error_of(str(path)) == (
        f"bad rekostub fixture {path}: unsupported file extension {suffix!r}: a fixture file "
        "is .json, .toml, .yaml or .yml"
    )


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.json"
    assert error_of(str(path)) == (
        f"bad rekostub fixture {path}: no such file (looked for {path.absolute()})"
    )


def test_relative_missing_file_names_the_path_as_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert error_of("sub/nope.yaml") == (
        "bad rekostub fixture sub/nope.yaml: no such file "
        f"(looked for {Path.cwd() / 'sub' / 'nope.yaml'})"
    )


def test_directory(tmp_path: Path) -> None:
    path = tmp_path / "dir.json"
    path.mkdir()
    assert error_of(path) == f"bad rekostub fixture {path}: not a regular file"


def test_json_syntax_error(tmp_path: Path) -> None:
    path = write(tmp_path / "fx.json", '{\n  "collections": {\n    "a": {}\n    "b": {}\n  }\n}\n')
    assert error_of(path) == (
        f"bad rekostub fixture {path}: invalid JSON at line 4, column 5: Expecting ',' delimiter"
    )


def test_toml_syntax_error(tmp_path: Path) -> None:
    path = write(tmp_path / "fx.toml", "[collections.staff]\nusers = \n")
    message = error_of(path)
    assert message.startswith(f"bad rekostub fixture {path}: invalid TOML: ")
    assert "line 2" in message


def test_yaml_syntax_error(tmp_path: Path) -> None:
    path = write(tmp_path / "fx.yaml", "collections:\n  staff: {users: [}\n")
    assert error_of(path) == (
        f"bad rekostub fixture {path}: invalid YAML at line 2, column 19: "
        "expected the node content, but found '}'"
    )


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "fx.json"
    path.write_bytes(b'{"collections": {"caf\xe9": {}}}')
    assert error_of(path) == (
        f"bad rekostub fixture {path}: not UTF-8 text (byte 21): save the file as UTF-8"
    )


@pytest.mark.parametrize("ext", [".yaml", ".yml"])
def test_yaml_needs_pyyaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ext: str) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)
    path = write(tmp_path / f"fx{ext}", EXACT_YAML)
    assert error_of(path) == (
        f"bad rekostub fixture {path}: reading YAML fixtures needs PyYAML, which is not "
        "installed: pip install PyYAML (or pip install 'rekostub[yaml]'), or write the fixture "
        "as .json or .toml"
    )
    # JSON and TOML do not need it.
    check_exact(load_fixture(write(tmp_path / "fx.json", EXACT_JSON)))


def test_top_level_of_a_file_must_be_an_object(tmp_path: Path) -> None:
    path = write(tmp_path / "fx.yaml", "- a\n- b\n")
    assert error_of(path) == (
        f"bad rekostub fixture {path}: the top level must be an object with 'collections', "
        "'options' and/or 'images', not a list (['a', 'b'])"
    )


def test_yaml_numeric_user_id(tmp_path: Path) -> None:
    path = write(tmp_path / "fx.yaml", "collections:\n  staff:\n    users:\n      42: {}\n")
    assert error_of(path) == (
        f"bad rekostub fixture {path}: collections.staff.users[42]: user id 42 is a number: "
        "write it as a string in quotes"
    )


def test_unsupported_source_type() -> None:
    assert error_of(42) == (
        "bad rekostub fixture <int>: a fixture is a file path, a dict, a Fixture or None, not 42"
    )


# ------------------------------------------------------------------------------------------
# Caching and atomicity
# ------------------------------------------------------------------------------------------


def _bump_mtime(path: Path) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))


def test_an_unchanged_file_is_parsed_once(tmp_path: Path) -> None:
    path = write(tmp_path / "fx.json", EXACT_JSON)
    first = load_fixture(path)
    assert load_fixture(path) is first
    assert load_fixture(str(path)) is first
    assert load_fixture(tmp_path / "." / "fx.json") is first


def test_a_rewritten_file_is_read_again(tmp_path: Path) -> None:
    path = write(tmp_path / "fx.json", EXACT_JSON)
    first = load_fixture(path)
    write(path, json.dumps({"collections": {"other": {}}}))
    _bump_mtime(path)
    second = load_fixture(path)
    assert second is not first
    assert [c.collection_id for c in second.collections] == ["other"]
    assert load_fixture(path) is second


def test_same_size_rewrite_is_seen_through_mtime(tmp_path: Path) -> None:
    path = write(tmp_path / "fx.json", '{"collections": {"aaa": {}}}')
    first = load_fixture(path)
    write(path, '{"collections": {"bbb": {}}}')
    _bump_mtime(path)
    assert [c.collection_id for c in load_fixture(path).collections] == ["bbb"]
    assert first.collections[0].collection_id == "aaa"


def test_nothing_is_half_loaded(tmp_path: Path) -> None:
    path = write(tmp_path / "fx.json", EXACT_JSON)
    good = load_fixture(path)
    broken = copy.deepcopy(EXACT)
    broken["collections"]["later"] = {"faces": [{"identity": "x"}, {"face_id": "nope"}]}
    write(path, json.dumps(broken))
    _bump_mtime(path)
    with pytest.raises(FixtureError, match=r"collections\.later\.faces\[1\]\.face_id"):
        load_fixture(path)
    # The error is raised again (the stale fixture is not handed out), the earlier one is intact.
    with pytest.raises(FixtureError):
        load_fixture(path)
    check_exact(good)
    # Fixing the file makes it load again.
    write(path, EXACT_JSON + "\n")
    _bump_mtime(path)
    check_exact(load_fixture(path))


def test_dicts_are_parsed_each_time() -> None:
    raw = copy.deepcopy(EXACT)
    first = load_fixture(raw)
    raw["collections"]["staff"]["face_model_version"] = "6.0"
    assert load_fixture(raw).collections[0].face_model_version == "6.0"
    assert first.collections[0].face_model_version == "7.0"


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

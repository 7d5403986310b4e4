"""rekostub._fixtures.load: every error in a fixture's structure and values, with its path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fixture_support import ID1, error_of, one_collection, one_face, user_face, write

from rekostub._common.errors import FixtureError
from rekostub._engine import embedding as _embedding
from rekostub._engine.embedding import DIM
from rekostub._fixtures.load import clear_cache, default_face_id, load_fixture


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    clear_cache()


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
        "allowed: collections, images, options, region",
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
        "allowed: account_id, images_outside_folder, undescribed_images, updating_seconds",
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
        "allowed: collection_id, face_model_version, faces, region, users",
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


def test_every_problem_is_listed_in_one_error(tmp_path: Path) -> None:
    """A problem in one part does not hide the others: one FixtureError lists them all."""
    raw = {
        "options": {"updating_seconds": -1, "account_id": "42"},
        "collections": {
            "staff": {
                "users": {"bob": {"faces": [{"face_id": "ABC"}, {"identity": "bob"}]}, "x y": {}},
                "faces": [{}, {"identity": "a", "similarity": 101}],
            },
            "ok": {"faces": [{"identity": "a"}]},
            "bad": {"face_model_version": 7},
        },
    }
    path = write(tmp_path / "bad.json", json.dumps(raw))
    with pytest.raises(FixtureError) as info:
        load_fixture(str(path))
    err = info.value
    assert [(p.path, p.problem.split(" ")[0]) for p in err.problems] == [
        ("options.updating_seconds", "-1"),
        ("options.account_id", "'42'"),
        ('collections.staff.users["x y"]', "'x"),
        ("collections.staff.users.bob.faces[0].face_id", "'ABC'"),
        ("collections.staff.faces[0]", "a"),
        ("collections.staff.faces[1].similarity", "101"),
        ("collections.bad.face_model_version", "7"),
    ]
    assert all(p.source == str(path) for p in err.problems)
    lines = str(err).splitlines()
    assert lines[0] == f"bad rekostub fixture {path}: 7 problems:"
    assert lines[4] == (
        f"  collections.staff.users.bob.faces[0].face_id: 'ABC' is not a lower-case UUID like "
        f"{UUID_EXAMPLE}: omit face_id to get a generated one"
    )
    # one problem: the error is that problem, exactly as before
    single = user_face({"face_id": "ABC"})
    with pytest.raises(FixtureError) as info:
        load_fixture(single)
    assert info.value.problems == (info.value,)


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

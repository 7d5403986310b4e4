"""The fixture JSON Schema (``python -m rekostub schema``) and the loader agree.

Both are run on one corpus: the good fixtures below, every structure/value error case of
tests/test_fixture_errors.py and every bad ``images`` section of tests/test_images_fixture.py.
What a schema cannot say is listed, by case, in LOADER_ONLY; for those the schema must accept
the document (so the list stays exact).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import STAFF
from test_fixture_errors import ERROR_CASES
from test_images_fixture import BAD_IMAGE_SECTIONS

import rekostub
from rekostub._entry.cli import SCHEMA_FILE, fixture_schema

jsonschema = pytest.importorskip("jsonschema", reason="pip install -e '.[test]' (jsonschema)")

SHA = "sha256:" + "ab" * 32

README_EXAMPLE: dict[str, Any] = {
    "collections": {
        "staff": {
            "face_model_version": "7.0",
            "users": {
                "alice": {
                    "faces": [
                        {"identity": "alice"},
                        {"face_id": "3f1c2a9e-6b7d-4c21-9a55-0d9e8f7a6b5c"},
                    ]
                },
                "dave": {},
            },
            "faces": [
                {
                    "face_id": "9b2d4f60-1a3c-4e5f-8a7b-6c5d4e3f2a1b",
                    "identity": "alice",
                    "similarity": 85,
                },
                {"identity": "visitor-7", "external_image_id": "lobby-cam.jpg"},
                {"embedding": [0.12, -0.03, 0.5]},
            ],
        }
    },
    "options": {
        "updating_seconds": 0,
        "account_id": "123456789012",
        "undescribed_images": "no_faces",
    },
    "images": {SHA: {"faces": ["alice", "bob"]}},
}

GOOD: dict[str, Any] = {
    "staff": STAFF,
    "readme-example": README_EXAMPLE,
    "demo": json.loads((SCHEMA_FILE.parent / "demo.json").read_text(encoding="utf-8")),
    "empty": {},
    "null": None,
    "nulls-mean-absent": {
        "collections": {"c": None, "d": {"users": {"u": None}, "faces": None}},
        "options": {"updating_seconds": None, "account_id": None, "undescribed_images": None},
        "images": None,
    },
    "seeds-and-ids": {
        "collections": {
            "c": {
                "users": {"a:b.c-d_e": {"faces": [{"identity_seed": 7, "image_id": None}]}},
                "faces": [
                    {"identity_seed": 0, "similarity": 0},
                    {"identity": "x", "similarity": 100},
                ],
            }
        }
    },
    "images-every-kind": {
        "images": {
            SHA: {"faces": [{"identity": "a", "box": [0, 0, 0.5, 0.5]}]},
            "s3://bucket/key.jpg": {"faces": ["a", {"identity_seed": 3}], "size": 10},
            "s3://bucket/key.jpg?versionId=v1": {
                "faces": [
                    {
                        "identity": "b",
                        "similarity": 90,
                        "box": {"Left": 0.1, "Top": 0.1, "Width": 0.2, "Height": 0.3},
                        "quality": {"Brightness": 10},
                    }
                ]
            },
            "s3://bucket/undescribed": None,
        }
    },
}

#: Bad documents only the loader can tell (case id -> why).
LOADER_ONLY = {
    "updating-seconds-inf": "JSON has no infinity",
    "similarity-nan": "JSON has no NaN",
    "embedding-inf": "JSON has no infinity",
    "user-id-int": "JSON object keys are strings (a YAML-only mistake)",
    "identity-seed-float": "JSON Schema counts 1.0 as an integer",
    "duplicate-face-id-user-then-loose": "uniqueness across lists",
    "duplicate-face-id-two-users": "uniqueness across lists",
    "duplicate-generated-face-id": "generated ids",
}
#: Bad images sections only the loader can tell, by the words of their problem.
IMAGES_LOADER_ONLY = {
    "inside the image": "Left + Width <= 1 is arithmetic across keys",
    "every face or for none": "a rule across list items",
    "cannot read": "a file on disk",
}


@pytest.fixture(scope="module")
def validator() -> Any:
    schema = fixture_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def load_all(document: Any) -> None:
    """Everything rekostub checks: the loader, and the images section a fake builds."""
    rekostub.FakeRekognition(rekostub.load_fixture(copy.deepcopy(document)))


@pytest.mark.parametrize("name", list(GOOD))
def test_good_fixtures_pass_both(validator: Any, name: str) -> None:
    document = GOOD[name]
    load_all(document)
    assert list(validator.iter_errors(document)) == []


CASES = [(name, raw) for name, raw, _ in ERROR_CASES if not isinstance(raw, list)]


@pytest.mark.parametrize(("name", "raw"), CASES, ids=[c[0] for c in CASES])
def test_bad_fixtures_fail_both(validator: Any, name: str, raw: Any) -> None:
    with pytest.raises(rekostub.FixtureError):
        load_all(raw)
    assert validator.is_valid(raw) is (name in LOADER_ONLY)


def test_a_top_level_list_fails_both(validator: Any) -> None:
    """(the loader takes a list as a wrong source type, not as a document)"""
    assert not validator.is_valid([1])


@pytest.mark.parametrize(
    ("images", "words"), [(i, w) for i, _, w in BAD_IMAGE_SECTIONS], ids=lambda v: str(v)[:40]
)
def test_bad_images_sections_fail_both(
    validator: Any, images: dict[str, Any], words: str, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.chdir(tmp_path)  # relative files (none exist) are looked for here
    with pytest.raises(rekostub.FixtureError) as info:
        load_all({"images": images})
    assert words in info.value.problem
    if words not in IMAGES_LOADER_ONLY:
        assert not validator.is_valid({"images": images})


@pytest.mark.parametrize(
    "images",
    [
        {"s3://bkt/k": {"faces": [{"identity": "a", "box": [0.5, 0.5, 0.6, 0.2]}]}},
        {"s3://bkt/k": {"faces": [{"identity": "a", "box": [0.1, 0.1, 0.2, 0.2]}, "b"]}},
        {"missing.png": {"faces": []}},
    ],
)
def test_what_only_the_loader_sees_in_images(
    validator: Any, images: dict[str, Any], tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(rekostub.FixtureError) as info:
        load_all({"images": images})
    assert any(words in info.value.problem for words in IMAGES_LOADER_ONLY)
    assert validator.is_valid({"images": images})


def test_the_loader_only_lists_name_real_cases() -> None:
    assert set(LOADER_ONLY) <= {name for name, _, _ in ERROR_CASES}
    assert all(any(w == words for _, _, words in BAD_IMAGE_SECTIONS) for w in IMAGES_LOADER_ONLY)


def test_the_schema_is_the_shipped_file() -> None:
    """One place: the command prints the file that ships in the package."""
    assert fixture_schema() == json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert SCHEMA_FILE.parent == Path(rekostub.__file__).parent / "data"

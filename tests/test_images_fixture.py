"""The fixture's images section: files, sha256 references, S3 objects, undescribed images."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from conftest import error_of
from PIL import Image

import rekostub
from rekostub._images import registry as _registry
from rekostub._images.seen import UndescribedImageError

BLANK = rekostub.face_image()  # a PNG without any face code
S3_MISSING = (
    "Unable to get object metadata from S3. Check object key, region and/or access permissions."
)


def client() -> Any:
    return boto3.client("rekognition", region_name="us-east-1")


def plain_jpeg(color: tuple[int, int, int] = (90, 120, 150)) -> bytes:
    """A photo-like JPEG with no face codes (what a real photo is to rekostub)."""
    out = io.BytesIO()
    Image.new("RGB", (320, 240), color).save(out, format="JPEG")
    return out.getvalue()


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


PEOPLE = {
    "people": {
        "users": {name: {"faces": [{"identity": name}]} for name in ("alice", "bob", "carol")}
    }
}


def test_a_file_relative_to_the_fixture_file(tmp_path: Path) -> None:
    photo = plain_jpeg()
    (tmp_path / "fixtures" / "photos").mkdir(parents=True)
    (tmp_path / "fixtures" / "photos" / "team.jpg").write_bytes(photo)
    fixture = tmp_path / "fixtures" / "faces.json"
    fixture.write_text(
        json.dumps(
            {
                "collections": PEOPLE,
                "images": {
                    "photos/team.jpg": {
                        "faces": [
                            {"identity": "bob", "box": [0.5, 0.1, 0.4, 0.5]},
                            {"identity": "alice", "box": [0.1, 0.2, 0.2, 0.3]},
                        ]
                    }
                },
            }
        )
    )
    c = client()
    with rekostub.stub(fixture=str(fixture)):
        faces = c.detect_faces(Image={"Bytes": photo})["FaceDetails"]
        resp = c.search_users_by_image(CollectionId="people", Image={"Bytes": photo})
        other = c.detect_faces(Image={"Bytes": plain_jpeg((1, 2, 3))})["FaceDetails"]
    assert [f["BoundingBox"]["Left"] for f in faces] == [pytest.approx(0.5), pytest.approx(0.1)]
    assert faces[0]["BoundingBox"]["Width"] == pytest.approx(0.4)
    assert [m["User"]["UserId"] for m in resp["UserMatches"]] == ["bob"]
    assert [u["Reasons"] for u in resp["UnsearchedFaces"]] == [["FACE_NOT_LARGEST"]]
    assert other == []  # another photo is not described


def test_a_sha256_reference_and_default_layout() -> None:
    photo = plain_jpeg()
    fixture = {
        "collections": PEOPLE,
        "images": {sha(photo): {"faces": ["carol", {"identity": "alice", "similarity": 88}]}},
    }
    c = client()
    with rekostub.stub(fixture=fixture):
        faces = c.detect_faces(Image={"Bytes": photo})["FaceDetails"]
        resp = c.search_users_by_image(CollectionId="people", Image={"Bytes": photo})
        compared = c.compare_faces(
            SourceImage={"Bytes": rekostub.face_image("alice")},
            TargetImage={"Bytes": photo},
            SimilarityThreshold=0,
        )
    assert len(faces) == 2
    first, second = (f["BoundingBox"] for f in faces)
    assert first["Width"] * first["Height"] > second["Width"] * second["Height"]  # listed order
    assert first["Left"] + first["Width"] <= second["Left"]  # side by side
    assert [m["User"]["UserId"] for m in resp["UserMatches"]] == ["carol"]
    assert compared["FaceMatches"][0]["Similarity"] == pytest.approx(88, abs=0.1)


def test_a_description_wins_over_face_codes() -> None:
    drawn = rekostub.face_image("alice")
    c = client()
    with rekostub.stub(fixture={"collections": PEOPLE, "images": {sha(drawn): {"faces": ["bob"]}}}):
        described = c.search_users_by_image(CollectionId="people", Image={"Bytes": drawn})
    with rekostub.stub(fixture={"collections": PEOPLE, "images": {sha(drawn): {"faces": []}}}):
        hidden = c.detect_faces(Image={"Bytes": drawn})["FaceDetails"]
    with rekostub.stub(fixture={"collections": PEOPLE}):
        coded = c.search_users_by_image(CollectionId="people", Image={"Bytes": drawn})
    assert [m["User"]["UserId"] for m in described["UserMatches"]] == ["bob"]
    assert hidden == []
    assert [m["User"]["UserId"] for m in coded["UserMatches"]] == ["alice"]


def test_quality_and_tiny_boxes_from_a_description() -> None:
    photo = plain_jpeg()
    faces = [
        {"identity": "alice", "box": [0.1, 0.1, 0.5, 0.5]},
        {"identity": "bob", "box": [0.7, 0.1, 0.2, 0.3], "quality": {"Brightness": 15}},
        {"identity": "carol", "box": [0.7, 0.6, 0.01, 0.01]},
    ]
    c = client()
    with rekostub.stub(fixture={"collections": PEOPLE, "images": {sha(photo): {"faces": faces}}}):
        resp = c.index_faces(CollectionId="people", Image={"Bytes": photo})
        detail = c.detect_faces(Image={"Bytes": photo})["FaceDetails"]
    assert len(resp["FaceRecords"]) == 1
    assert [u["Reasons"] for u in resp["UnindexedFaces"]] == [
        ["LOW_BRIGHTNESS", "LOW_FACE_QUALITY"],
        ["SMALL_BOUNDING_BOX"],
    ]
    assert detail[1]["Quality"] == {"Brightness": 15.0, "Sharpness": 90.0}


# -- S3 objects --------------------------------------------------------------------------------

S3_FIXTURE: dict[str, Any] = {
    "collections": PEOPLE,
    "images": {
        "s3://photos/team/alice.jpg": {"faces": ["alice"]},
        "s3://photos/team/bob.jpg?versionId=v1": {"faces": ["bob"]},
        "s3://photos/team/bob.jpg?versionId=v2": {"faces": ["carol"]},
        "s3://photos/huge.jpg": {"faces": ["alice"], "size": 15 * 1024 * 1024 + 1},
        "s3://photos/big.jpg": {"faces": ["alice"], "size": 15 * 1024 * 1024},
        "s3://photos/empty.jpg": {"faces": []},
    },
}


def s3(name: str, version: str | None = None) -> dict[str, Any]:
    obj = {"Bucket": "photos", "Name": name}
    if version is not None:
        obj["Version"] = version
    return {"S3Object": obj}


def who(c: Any, image: dict[str, Any]) -> list[str]:
    resp = c.search_users_by_image(CollectionId="people", Image=image)
    return [m["User"]["UserId"] for m in resp["UserMatches"]]


def test_s3_objects_and_versions() -> None:
    c = client()
    with rekostub.stub(fixture=S3_FIXTURE):
        assert who(c, s3("team/alice.jpg")) == ["alice"]
        assert who(c, s3("team/bob.jpg", "v1")) == ["bob"]
        assert who(c, s3("team/bob.jpg", "v2")) == ["carol"]
        assert who(c, s3("big.jpg")) == ["alice"]  # exactly 15 MB is fine
        assert who(c, s3("empty.jpg")) == []
        record = c.index_faces(CollectionId="people", Image=s3("team/alice.jpg"))["FaceRecords"]
        again = c.index_faces(CollectionId="people", Image=s3("team/alice.jpg"))["FaceRecords"]
    assert record == again  # the same object is the same image: no duplicate


@pytest.mark.parametrize(
    "image",
    [
        s3("team/missing.jpg"),
        s3("team/alice.jpg", "v1"),  # no such version described
        s3("team/bob.jpg"),  # only versions are described
        {"S3Object": {"Bucket": "other", "Name": "team/alice.jpg"}},
    ],
)
def test_a_missing_s3_object(image: dict[str, Any]) -> None:
    c = client()
    with (
        rekostub.stub(fixture=S3_FIXTURE),
        pytest.raises(c.exceptions.InvalidS3ObjectException) as exc,
    ):
        c.detect_faces(Image=image)
    assert error_of(exc) == (
        "InvalidS3ObjectException",
        S3_MISSING,
    )


@pytest.mark.parametrize("operation", ["detect_faces", "index_faces", "search_faces_by_image"])
def test_an_s3_object_over_15_mb(operation: str) -> None:
    c = client()
    params: dict[str, Any] = {"Image": s3("huge.jpg")}
    if operation != "detect_faces":
        params["CollectionId"] = "people"
    with (
        rekostub.stub(fixture=S3_FIXTURE),
        pytest.raises(c.exceptions.ImageTooLargeException) as exc,
    ):
        getattr(c, operation)(**params)
    assert error_of(exc) == (
        "ImageTooLargeException",
        "Image size is too large.",
    )


def test_an_s3_object_with_a_file(tmp_path: Path) -> None:
    (tmp_path / "group.png").write_bytes(rekostub.face_image("bob", "alice"))
    (tmp_path / "notes.jpg").write_bytes(plain_jpeg())
    fixture = tmp_path / "f.json"
    fixture.write_text(
        json.dumps(
            {
                "collections": PEOPLE,
                "images": {
                    "s3://photos/group.png": {"file": "group.png"},
                    "s3://photos/described.png": {"file": "group.png", "faces": ["carol"]},
                    "s3://photos/plain.jpg": {"file": "notes.jpg"},
                },
            }
        )
    )
    c = client()
    with rekostub.stub(fixture=str(fixture)):
        assert who(c, s3("group.png")) == ["bob"]
        assert len(c.detect_faces(Image=s3("group.png"))["FaceDetails"]) == 2
        assert who(c, s3("described.png")) == ["carol"]
        assert c.detect_faces(Image=s3("plain.jpg"))["FaceDetails"] == []


# -- images nobody described -------------------------------------------------------------------


def test_undescribed_images_show_no_faces_by_default() -> None:
    c = client()
    with rekostub.stub(fixture={"collections": PEOPLE}) as fake:
        assert fake.undescribed_images == "no_faces"
        assert c.detect_faces(Image={"Bytes": plain_jpeg()})["FaceDetails"] == []
        assert c.index_faces(CollectionId="people", Image={"Bytes": BLANK})["FaceRecords"] == []


def test_derive_gives_each_undescribed_image_one_stable_face() -> None:
    a, b = plain_jpeg((10, 20, 30)), plain_jpeg((200, 100, 50))
    fixture = {"collections": {"c": {}}, "options": {"undescribed_images": "derive"}}
    c = client()
    with rekostub.stub(fixture=fixture) as fake:
        assert fake.undescribed_images == "derive"
        face_a = c.index_faces(CollectionId="c", Image={"Bytes": a})["FaceRecords"]
        assert len(face_a) == 1
        same = c.search_faces_by_image(CollectionId="c", Image={"Bytes": a})["FaceMatches"]
        other = c.search_faces_by_image(CollectionId="c", Image={"Bytes": b})["FaceMatches"]
        coded = c.detect_faces(Image={"Bytes": rekostub.face_image("x", "y")})["FaceDetails"]
        snap = fake.snapshot()
    assert [m["Face"]["FaceId"] for m in same] == [face_a[0]["Face"]["FaceId"]]
    assert same[0]["Similarity"] > 99.9
    assert other == []  # another image is another person
    assert len(coded) == 2  # face codes still decide for drawn images
    assert snap["options"]["undescribed_images"] == "derive"
    with rekostub.stub(fixture=snap):
        again = c.search_faces_by_image(CollectionId="c", Image={"Bytes": a})["FaceMatches"]
    # The same face and similarity (the snapshot does not keep the indexed box).
    assert [(m["Face"]["FaceId"], m["Similarity"]) for m in again] == [
        (m["Face"]["FaceId"], m["Similarity"]) for m in same
    ]


def test_error_policy_raises_out_of_the_call() -> None:
    c = client()
    with rekostub.stub(fixture={"collections": {"c": {}}}) as fake:
        fake.undescribed_images = "error"
        with pytest.raises(UndescribedImageError) as exc:
            c.index_faces(CollectionId="c", Image={"Bytes": BLANK})
        assert c.detect_faces(Image={"Bytes": rekostub.face_image("x")})["FaceDetails"]
        fake.undescribed_images = "no_faces"
        assert c.detect_faces(Image={"Bytes": BLANK})["FaceDetails"] == []
    assert isinstance(exc.value, rekostub.RekostubError)
    message = str(exc.value)
    assert sha(BLANK) in message
    assert "undescribed_images" in message
    assert "face_image" in message


def test_error_policy_for_an_s3_object_without_faces(tmp_path: Path) -> None:
    fixture = {
        "collections": {"c": {}},
        "images": {"s3://bkt/unknown.jpg": {}},
        "options": {"undescribed_images": "error"},
    }
    c = client()
    with rekostub.stub(fixture=fixture), pytest.raises(UndescribedImageError) as exc:
        c.detect_faces(Image={"S3Object": {"Bucket": "bkt", "Name": "unknown.jpg"}})
    assert 'images["s3://bkt/unknown.jpg"]' in str(exc.value)


def test_setting_a_bad_policy() -> None:
    fake = rekostub.FakeRekognition()
    with pytest.raises(ValueError, match="no_faces"):
        fake.undescribed_images = "maybe"
    with pytest.raises(rekostub.FixtureError, match=r"options\.undescribed_images"):
        rekostub.FakeRekognition({"options": {"undescribed_images": "sometimes"}})


# -- checking the section ----------------------------------------------------------------------


#: Bad ``images`` sections: (section, the path the error names, words of its problem).
#: tests/test_schema.py checks the fixture JSON Schema against the same corpus.
BAD_IMAGE_SECTIONS: list[tuple[dict[str, Any], str, str]] = [
    ({"sha256:abc": {"faces": []}}, "images.sha256:abc", "64 hex digits"),
    (
        {"s3://b/k": {"faces": [{"identity": "a", "box": [0.5, 0.5, 0.6, 0.2]}]}},
        'images["s3://b/k"].faces[0].box',
        "inside the image",
    ),
    (
        {"s3://bkt/k": {"faces": [{"identity": "a", "box": {"Left": 0.1}}]}},
        'images["s3://bkt/k"].faces[0].box',
        "Left, Top, Width, Height",
    ),
    (
        {"s3://bkt/k": {"faces": [{"identity": "a", "similarity": 101}]}},
        'images["s3://bkt/k"].faces[0].similarity',
        "0 to 100",
    ),
    (
        {"s3://bkt/k": {"faces": [{"identity": "a", "quality": {"Brightness": -1}}]}},
        'images["s3://bkt/k"].faces[0].quality.Brightness',
        "0 to 100",
    ),
    (
        {"s3://bkt/k": {"faces": [{"identity": "a", "age": 3}]}},
        'images["s3://bkt/k"].faces[0]',
        "unknown key 'age'",
    ),
    (
        {"s3://bkt/k": {"faces": [{"similarity": 3}]}},
        'images["s3://bkt/k"].faces[0]',
        "identity",
    ),
    (
        {"s3://bkt/k": {"faces": [{"identity": "a", "box": [0.1, 0.1, 0.2, 0.2]}, "b"]}},
        'images["s3://bkt/k"].faces',
        "every face or for none",
    ),
    ({"s3://bkt/k": {"faces": "alice"}}, 'images["s3://bkt/k"].faces', "list"),
    ({"s3://bkt/k": {"size": "big"}}, 'images["s3://bkt/k"].size', "size in bytes"),
    ({"s3://bkt/k": {"color": "red"}}, 'images["s3://bkt/k"]', "unknown key 'color'"),
    ({"s3://x/k": {}}, 'images["s3://x/k"]', "bucket"),
    ({"s3://bkt/k": {"file": "nowhere.png"}}, 'images["s3://bkt/k"].file', "cannot read"),
    ({"missing.png": {"faces": []}}, 'images["missing.png"]', "cannot read"),
    ({"sha256:" + "0" * 64: {"faces": ["a"] * 101}}, "images", "at most 100 faces"),
    ({"s3://bkt/k": ["a"]}, 'images["s3://bkt/k"]', "an object"),
]


@pytest.mark.parametrize(("images", "path", "words"), BAD_IMAGE_SECTIONS)
def test_bad_sections_name_the_place(images: dict[str, Any], path: str, words: str) -> None:
    with pytest.raises(rekostub.FixtureError) as exc:
        rekostub.FakeRekognition({"images": images})
    assert path in exc.value.path
    assert words in exc.value.problem


def test_every_bad_entry_is_listed_in_one_error() -> None:
    images = {
        "sha256:abc": {"faces": []},
        "s3://bkt/ok": {"faces": ["a"]},
        "s3://bkt/k": {"size": "big"},
        "s3://x/k": {},
    }
    with pytest.raises(rekostub.FixtureError) as exc:
        rekostub.FakeRekognition({"images": images})
    assert [p.path for p in exc.value.problems] == [
        "images.sha256:abc",
        'images["s3://bkt/k"].size',
        'images["s3://x/k"]',
    ]


def test_a_file_that_is_not_an_image_and_duplicates(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "a.png").write_bytes(BLANK)
    base = {"collections": {}}
    bad_file = tmp_path / "bad.json"
    bad_file.write_text(json.dumps({**base, "images": {"notes.txt": {"faces": []}}}))
    with pytest.raises(rekostub.FixtureError, match="not a PNG or JPEG"):
        rekostub.FakeRekognition(str(bad_file))
    twice = tmp_path / "twice.json"
    twice.write_text(
        json.dumps({"images": {"a.png": {"faces": ["x"]}, sha(BLANK): {"faces": ["y"]}}})
    )
    with pytest.raises(rekostub.FixtureError, match="same image") as exc:
        rekostub.FakeRekognition(str(twice))
    assert exc.value.source == str(twice)


def test_the_section_is_parsed_once_per_fixture(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.png").write_bytes(rekostub.face_image("alice"))
    fixture = tmp_path / "f.json"
    fixture.write_text(json.dumps({"images": {"a.png": {"faces": ["bob"]}}}))
    reads: list[Path] = []
    original = _registry._read_image_file

    def counting(path: Path) -> bytes:
        reads.append(path)
        return original(path)

    monkeypatch.setattr(_registry, "_read_image_file", counting)
    first = rekostub.FakeRekognition(str(fixture))
    second = rekostub.FakeRekognition(str(fixture))
    assert len(reads) == 1
    assert first.state.extras["images"] is second.state.extras["images"]


def test_snapshot_keeps_the_images_with_absolute_paths(tmp_path: Path) -> None:
    photo = plain_jpeg()
    (tmp_path / "p.jpg").write_bytes(photo)
    fixture = tmp_path / "f.json"
    fixture.write_text(
        json.dumps(
            {
                "collections": PEOPLE,
                "images": {
                    "p.jpg": {"faces": ["alice"]},
                    "s3://bkt/o.jpg": {"faces": ["bob"], "size": 10},
                },
            }
        )
    )
    c = client()
    with rekostub.stub(fixture=str(fixture)) as fake:
        snap = fake.snapshot()
    assert str((tmp_path / "p.jpg").resolve()) in snap["images"]
    assert snap["images"]["s3://bkt/o.jpg"]["size"] == 10
    with rekostub.stub(fixture=json.loads(json.dumps(snap))):
        assert who(c, {"Bytes": photo}) == ["alice"]
        assert who(c, {"S3Object": {"Bucket": "bkt", "Name": "o.jpg"}}) == ["bob"]

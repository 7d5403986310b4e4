"""The whole flow from images, as real code does it: enroll people, then identify them.

Modelled on AWS's sample ``aws-samples/rekognition-user-vectors``: IndexFaces each person's
photos from S3 (MaxFaces=1, QualityFilter AUTO, DetectionAttributes ALL), CreateUser,
AssociateFaces; then DetectFaces on a group photo, crop every BoundingBox with Pillow, save the
crop in the photo's format and SearchUsersByImage with it.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import boto3
import pytest
from PIL import Image

import rekostub

PEOPLE = {"Swami": 2, "Werner": 3, "Ada": 1}
BUCKET = "rekognition-user-vectors"
COLLECTION = "user-vectors"


def client() -> Any:
    return boto3.client("rekognition", region_name="us-east-1")


def portrait(name: str, take: int) -> bytes:
    """Photo ``take`` of ``name``: a different picture (size, framing) every time."""
    return rekostub.face_image(name, size=(300 + 40 * take, 360), format="JPEG")


@pytest.fixture
def bucket(tmp_path: Path) -> Path:
    """Photos on disk and a fixture describing them as S3 objects of BUCKET."""
    images: dict[str, Any] = {}
    for name, takes in PEOPLE.items():
        for take in range(1, takes + 1):
            key = f"images/{name}/{name}{take}.jpeg"
            path = tmp_path / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(portrait(name, take))
            images[f"s3://{BUCKET}/{key}"] = {"file": key}
    group = rekostub.face_image("Werner", "stranger", "Swami", "Ada", format="JPEG")
    (tmp_path / "images" / "photo.jpeg").write_bytes(group)
    images[f"s3://{BUCKET}/images/photo.jpeg"] = {"file": "images/photo.jpeg"}
    (tmp_path / "fixture.json").write_text(json.dumps({"images": images}))
    return tmp_path


def enroll(c: Any, root: Path) -> dict[str, list[str]]:
    """helpers.py: create_collection, create_user, add_faces_to_collection, associate_faces."""
    resp = c.create_collection(CollectionId=COLLECTION)
    assert resp["StatusCode"] == 200
    enrolled: dict[str, list[str]] = {}
    for name, takes in PEOPLE.items():
        c.create_user(CollectionId=COLLECTION, UserId=name)
        face_ids = []
        for take in range(1, takes + 1):
            prefix = f"images/{name}/{name}{take}.jpeg"
            response = c.index_faces(
                CollectionId=COLLECTION,
                Image={"S3Object": {"Bucket": BUCKET, "Name": prefix}},
                ExternalImageId=os.path.basename(prefix),
                MaxFaces=1,
                QualityFilter="AUTO",
                DetectionAttributes=["ALL"],
            )
            for record in response["FaceRecords"]:
                face_ids.append(record["Face"]["FaceId"])
        response = c.associate_faces(CollectionId=COLLECTION, UserId=name, FaceIds=face_ids)
        assert len(response["AssociatedFaces"]) == takes
        enrolled[name] = face_ids
    return enrolled


def detect_users_in_image(c: Any, root: Path, key: str) -> list[tuple[str, float]]:
    """detect_users.py: DetectFaces, crop each box, SearchUsersByImage with the crop."""
    image = Image.open(io.BytesIO((root / key).read_bytes()))  # stands in for s3_object.get()
    response = c.detect_faces(
        Image={"S3Object": {"Bucket": BUCKET, "Name": key}}, Attributes=["ALL"]
    )
    img_width, img_height = image.size
    found = []
    for face_detail in response["FaceDetails"]:
        assert face_detail["AgeRange"]["Low"] <= face_detail["AgeRange"]["High"]
        box = face_detail["BoundingBox"]
        left = img_width * box["Left"]
        top = img_height * box["Top"]
        width = img_width * box["Width"]
        height = img_height * box["Height"]
        face = image.crop((left, top, left + width, top + height))
        out = io.BytesIO()
        face.save(out, format=image.format)
        user_response = c.search_users_by_image(
            CollectionId=COLLECTION, Image={"Bytes": out.getvalue()}, UserMatchThreshold=80
        )
        if user_response["UserMatches"]:
            best = user_response["UserMatches"][0]
            found.append((best["User"]["UserId"], best["Similarity"]))
        else:
            found.append(("Unknown", 0.0))
    return found


def test_the_aws_sample_identifies_everyone_in_the_group_photo(bucket: Path) -> None:
    c = client()
    with rekostub.stub(fixture=str(bucket / "fixture.json")):
        enrolled = enroll(c, bucket)
        users = c.list_users(CollectionId=COLLECTION)["Users"]
        described = c.describe_collection(CollectionId=COLLECTION)
        found = detect_users_in_image(c, bucket, "images/photo.jpeg")
    assert {u["UserId"]: u["UserStatus"] for u in users} == dict.fromkeys(PEOPLE, "ACTIVE")
    assert described["FaceCount"] == sum(PEOPLE.values())
    assert described["UserCount"] == 3
    assert [name for name, _ in found] == ["Werner", "Unknown", "Swami", "Ada"]
    assert all(sim > 99 for name, sim in found if name != "Unknown")
    assert all(len(ids) == len(set(ids)) for ids in enrolled.values())


def test_enroll_from_bytes_then_identify_each_face_of_a_png_group_photo_from_jpeg_crops() -> None:
    c = client()
    with rekostub.stub(fixture={"collections": {"staff": {}}}):
        for name in ("alice", "bob"):
            face_ids = []
            for take in (1, 2):
                photo = rekostub.face_image({"identity": name, "similarity": 97 + take})
                records = c.index_faces(CollectionId="staff", Image={"Bytes": photo})["FaceRecords"]
                face_ids += [r["Face"]["FaceId"] for r in records]
            c.create_user(CollectionId="staff", UserId=name)
            assert (
                c.associate_faces(CollectionId="staff", UserId=name, FaceIds=face_ids)["UserStatus"]
                == "UPDATING"
            )
        group = rekostub.face_image("bob", "carol", "alice", size=(900, 400))
        photo = Image.open(io.BytesIO(group))
        width, height = photo.size
        names = []
        for detail in c.detect_faces(Image={"Bytes": group})["FaceDetails"]:
            box = detail["BoundingBox"]
            crop = photo.crop(
                (
                    round(box["Left"] * width),
                    round(box["Top"] * height),
                    round((box["Left"] + box["Width"]) * width),
                    round((box["Top"] + box["Height"]) * height),
                )
            )
            out = io.BytesIO()
            crop.save(out, format="JPEG")
            matches = c.search_users_by_image(CollectionId="staff", Image={"Bytes": out.getvalue()})
            names.append([m["User"]["UserId"] for m in matches["UserMatches"]])
            assert matches["SearchedFace"]["FaceDetail"]["BoundingBox"]["Width"] > 0.9  # the crop
        whole = c.search_users_by_image(CollectionId="staff", Image={"Bytes": group})
    assert names == [["bob"], [], ["alice"]]
    assert [m["User"]["UserId"] for m in whole["UserMatches"]] == ["bob"]
    assert [u["Reasons"] for u in whole["UnsearchedFaces"]] == [["FACE_NOT_LARGEST"]] * 2


def test_faces_indexed_from_images_answer_search_users_by_face_id_and_list_faces() -> None:
    c = client()
    with rekostub.stub(fixture={"collections": {"staff": {}}}):
        first = c.index_faces(
            CollectionId="staff",
            Image={"Bytes": rekostub.face_image("alice")},
            ExternalImageId="a.jpg",
        )["FaceRecords"][0]["Face"]["FaceId"]
        second = c.index_faces(
            CollectionId="staff",
            Image={"Bytes": rekostub.face_image({"identity": "alice", "similarity": 90})},
            ExternalImageId="b.jpg",
        )["FaceRecords"][0]["Face"]["FaceId"]
        c.create_user(CollectionId="staff", UserId="alice")
        c.associate_faces(CollectionId="staff", UserId="alice", FaceIds=[first])
        by_face = c.search_users(CollectionId="staff", FaceId=second)["UserMatches"]
        listed = {f["FaceId"]: f for f in c.list_faces(CollectionId="staff")["Faces"]}
    assert [m["User"]["UserId"] for m in by_face] == ["alice"]
    assert by_face[0]["Similarity"] == pytest.approx(90, abs=0.1)
    assert listed[first]["UserId"] == "alice"
    assert "UserId" not in listed[second]
    assert {listed[first]["ExternalImageId"], listed[second]["ExternalImageId"]} == {
        "a.jpg",
        "b.jpg",
    }

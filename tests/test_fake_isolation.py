"""Fakes from one fixture file share its parsed template but never see each other's changes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
from conftest import REGION

import rekostub

LOOSE = "0f1e2d3c-4b5a-4697-8877-665544332211"
BOB_1 = "b0b00000-0000-4000-8000-000000000001"
FIXTURE: dict[str, Any] = {
    "collections": {
        "staff": {
            "users": {
                "alice": {"faces": [{"identity": "alice"}, {"identity": "alice"}]},
                "bob": {"faces": [{"face_id": BOB_1}, {"identity": "bob"}]},
                "carol": {"faces": [{"identity": "carol"}]},
            },
            "faces": [{"face_id": LOOSE, "identity": "alice", "similarity": 90}],
        }
    }
}


def _view(fake: rekostub.FakeRekognition) -> dict[str, Any]:
    client = boto3.client("rekognition", region_name=REGION)
    with rekostub.stub(client, fake=fake):
        faces = client.list_faces(CollectionId="staff")["Faces"]
        users = client.list_users(CollectionId="staff")["Users"]
        found = client.search_users(CollectionId="staff", FaceId=LOOSE)["UserMatches"]
    return {
        "faces": sorted((f["FaceId"], f.get("UserId")) for f in faces),
        "users": [(u["UserId"], u["UserStatus"]) for u in users],
        "matches": [(m["User"]["UserId"], m["Similarity"]) for m in found],
    }


def test_changes_in_one_fake_never_reach_another_from_the_same_file(tmp_path: Path) -> None:
    path = tmp_path / "staff.json"
    path.write_text(json.dumps(FIXTURE))
    first = rekostub.FakeRekognition(str(path))
    second = rekostub.FakeRekognition(str(path))
    pristine = _view(second)
    assert ("alice", "ACTIVE") in pristine["users"]

    client = boto3.client("rekognition", region_name=REGION)
    with rekostub.stub(client, fake=first):
        client.associate_faces(CollectionId="staff", UserId="alice", FaceIds=[LOOSE])
        client.disassociate_faces(CollectionId="staff", UserId="bob", FaceIds=[BOB_1])
        client.delete_user(CollectionId="staff", UserId="carol")
        client.delete_faces(CollectionId="staff", FaceIds=[BOB_1])
    changed = _view(first)
    assert changed != pristine
    assert (LOOSE, "alice") in changed["faces"]
    assert all(face_id != BOB_1 for face_id, _ in changed["faces"])

    assert _view(second) == pristine  # made before the changes
    assert _view(rekostub.FakeRekognition(str(path))) == pristine  # made after them

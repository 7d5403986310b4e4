"""fake.snapshot() reproduces every search; fake.add_response() scripts unemulated operations."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from conftest import ALICE_1, ALICE_85, BOB_1, STAFF, STRANGER, ClientFactory

import rekostub

EXPLICIT = "e0000000-0000-4000-8000-000000000001"
PINNED_70 = "70000000-0000-4000-8000-000000000070"


def _all_searches(c: Any) -> dict[str, Any]:
    """Every search answer a test could look at, for every face and user in "staff"."""
    faces = sorted(f["FaceId"] for f in c.list_faces(CollectionId="staff")["Faces"])
    users = [u["UserId"] for u in c.list_users(CollectionId="staff")["Users"]]
    out: dict[str, Any] = {"faces": faces, "users": users}
    for face_id in faces:
        out[f"users~{face_id}"] = c.search_users(
            CollectionId="staff", FaceId=face_id, UserMatchThreshold=0
        )["UserMatches"]
        out[f"faces~{face_id}"] = c.search_faces(
            CollectionId="staff", FaceId=face_id, FaceMatchThreshold=0
        )["FaceMatches"]
    for user_id in users:
        out[f"users~{user_id}"] = c.search_users(
            CollectionId="staff", UserId=user_id, UserMatchThreshold=0
        )["UserMatches"]
    return out


def test_a_snapshot_gives_the_same_answers_to_every_search(client: ClientFactory) -> None:
    fixture = json.loads(json.dumps(STAFF))
    loose = fixture["collections"]["staff"]["faces"]
    loose.append({"face_id": EXPLICIT, "embedding": [0.3, -0.2, 0.9, 0.1]})
    loose.append({"face_id": PINNED_70, "identity": "bob", "similarity": 70})
    c = client()
    with rekostub.stub(fixture=fixture) as fake:
        # Change the fixture's state through the API first.
        c.create_user(CollectionId="staff", UserId="erin")
        c.associate_faces(CollectionId="staff", UserId="erin", FaceIds=[STRANGER, EXPLICIT])
        c.disassociate_faces(CollectionId="staff", UserId="bob", FaceIds=[BOB_1])
        c.associate_faces(CollectionId="staff", UserId="alice", FaceIds=[ALICE_85])
        c.delete_user(CollectionId="staff", UserId="carol")
        before = _all_searches(c)
        snap = fake.snapshot()
    json.dumps(snap)  # a snapshot is plain data: it can be written to a fixture file
    with rekostub.stub(fixture=snap):
        after = _all_searches(c)
    assert after == before
    assert "carol" not in after["users"]
    assert before[f"users~{EXPLICIT}"][0]["User"]["UserId"] == "erin"


def test_a_snapshot_keeps_settings_and_loads_from_a_file(
    client: ClientFactory, tmp_path: Any
) -> None:
    c = client()
    with rekostub.stub(fixture=STAFF) as fake:
        fake.account_id = "111122223333"
        fake.updating_seconds = 5
        c.create_collection(CollectionId="second")
        snap = fake.snapshot()
    path = tmp_path / "snap.json"
    path.write_text(json.dumps(snap))
    with rekostub.stub(fixture=str(path)) as again:
        assert again.account_id == "111122223333"
        assert again.updating_seconds == 5
        arn = c.describe_collection(CollectionId="second")["CollectionARN"]
    assert arn == "arn:aws:rekognition:us-east-1:111122223333:collection/second"


def test_scripted_answers_are_taken_oldest_first_and_the_last_repeats(
    client: ClientFactory,
) -> None:
    c = client()
    with rekostub.stub(fixture=STAFF) as fake:
        fake.add_response("detect_labels", {"Labels": [{"Name": "Person", "Confidence": 99.5}]})
        fake.add_response("DetectLabels", {"Labels": [{"Name": "Cat", "Confidence": 90.0}]})
        names = [c.detect_labels(Image={"Bytes": b"img"})["Labels"][0]["Name"] for _ in range(3)]
        # ...and emulated operations still work beside them.
        found = c.search_users(CollectionId="staff", FaceId=ALICE_1)["UserMatches"]
        calls = fake.calls.of("DetectLabels")
    assert names == ["Person", "Cat", "Cat"]
    assert found[0]["User"]["UserId"] == "alice"
    assert [call.params for call in calls] == [{"Image": {"Bytes": b"img"}}] * 3
    assert calls[0].response == {"Labels": [{"Name": "Person", "Confidence": 99.5}]}


def test_a_scripted_operation_still_validates_its_requests(client: ClientFactory) -> None:
    c = client(parameter_validation=False)
    with rekostub.stub(fixture=STAFF) as fake:
        fake.add_response("DetectLabels", {"Labels": []})
        with pytest.raises(ClientError) as exc:
            c.detect_labels(Image={"Bytes": b"img"}, MaxLabels=-1)
    assert exc.value.response["Error"]["Code"] == "ValidationException"
    assert "at 'maxLabels'" in exc.value.response["Error"]["Message"]


def test_a_bad_scripted_answer_is_refused_with_every_problem() -> None:
    fake = rekostub.FakeRekognition(STAFF)
    with pytest.raises(ValueError, match="not a valid DetectLabels response") as exc:
        fake.add_response(
            "DetectLabels", {"Labels": [{"Name": 5, "Confidence": "high"}], "LabelModelVersion": 3}
        )
    message = str(exc.value)
    assert "labels" in message
    assert message.count("\n") >= 3  # one line per problem
    with pytest.raises(NotImplementedError):  # nothing was queued
        fake.handle("DetectLabels", {"Image": {"Bytes": "aW1n"}}, "us-east-1")


def test_emulated_operations_cannot_be_scripted() -> None:
    fake = rekostub.FakeRekognition(STAFF)
    with pytest.raises(ValueError, match=r"SearchUsers is emulated by rekostub.*fake\.fail"):
        fake.add_response("search_users", {"UserMatches": []})
    with pytest.raises(ValueError, match="Did you mean 'DetectLabels'"):
        fake.add_response("DetectLabel", {"Labels": []})

"""Users score the best of their faces: a lower-quality photo never pushes a clear one down."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

import rekostub


def fid(n: int) -> str:
    return f"5e000000-0000-4000-8000-{n:012x}"


FIXTURE: dict[str, Any] = {
    "collections": {
        "c": {
            "users": {
                # one clear photo and one pinned at 95 (a worse photo of the same person)
                "mixed": {"faces": [{"face_id": fid(1)}, {"face_id": fid(2), "similarity": 95}]},
                "clear": {"faces": [{"face_id": fid(3), "identity": "clear"}]},
                "other": {"faces": [{"face_id": fid(4)}, {"face_id": fid(5)}]},
            },
            "faces": [
                {"face_id": fid(10), "identity": "mixed"},  # a clear probe of "mixed"
                {"face_id": fid(11), "identity": "clear", "similarity": 80},
                {"face_id": fid(12), "identity": "mixed", "similarity": 60},
                {"face_id": fid(13), "identity": "clear"},
            ],
        }
    }
}


def scores(rek: Any, **kwargs: Any) -> dict[str, float]:
    found = rek.search_users(CollectionId="c", UserMatchThreshold=0, **kwargs)
    return {m["User"]["UserId"]: m["Similarity"] for m in found["UserMatches"]}


def test_a_lower_quality_photo_does_not_push_a_clear_probe_below_99() -> None:
    with rekostub.stub(fixture=FIXTURE):
        rek = boto3.client("rekognition", region_name="us-east-1")
        assert scores(rek, FaceId=fid(10))["mixed"] >= 99.9
        # adding ever worse photos never lowers the score
        before = scores(rek, FaceId=fid(10))
        rek.associate_faces(
            CollectionId="c", UserId="mixed", FaceIds=[fid(12)], UserMatchThreshold=0
        )
        after = scores(rek, FaceId=fid(10))
        assert after["mixed"] >= before["mixed"]


def test_pinned_faces_and_strangers_keep_their_contract() -> None:
    with rekostub.stub(fixture=FIXTURE):
        rek = boto3.client("rekognition", region_name="us-east-1")
        got = scores(rek, FaceId=fid(11))  # "clear" pinned at 80 against a user of clear faces
        assert got["clear"] == pytest.approx(80, abs=0.1)
        assert got["mixed"] < 50
        assert got["other"] < 50


def test_user_against_user_is_the_best_pair_of_faces() -> None:
    with rekostub.stub(fixture=FIXTURE):
        rek = boto3.client("rekognition", region_name="us-east-1")
        rek.associate_faces(
            CollectionId="c", UserId="clear", FaceIds=[fid(11)], UserMatchThreshold=0
        )
        by_user = scores(rek, UserId="clear")
        assert "clear" not in by_user
        # the best pair between "clear" (fid 3, 11) and each user equals the best single-face
        # search over "clear"'s faces
        best: dict[str, float] = {}
        for face in (fid(3), fid(11)):
            for user, s in scores(rek, FaceId=face).items():
                if user != "clear":
                    best[user] = max(best.get(user, 0.0), s)
        assert by_user == best
        # and for an identical person it is a clear match
        rek.create_user(CollectionId="c", UserId="twin")
        rek.associate_faces(CollectionId="c", UserId="twin", FaceIds=[fid(13)])
        assert scores(rek, UserId="clear")["twin"] >= 99.9


def test_search_users_orders_and_cuts_by_the_best_face() -> None:
    users = {f"u{i:02d}": {"faces": [{"identity": "same"}] * 1} for i in range(30)}
    users["u05"] = {"faces": [{"identity": "same", "similarity": 70}]}
    fixture = {"collections": {"c": {"users": users, "faces": [{"identity": "same"}]}}}
    with rekostub.stub(fixture=fixture):
        rek = boto3.client("rekognition", region_name="us-east-1")
        probe = rek.list_faces(CollectionId="c", MaxResults=4096)["Faces"]
        loose = next(f["FaceId"] for f in probe if "UserId" not in f)
        top = rek.search_users(CollectionId="c", FaceId=loose, MaxUsers=5)["UserMatches"]
        assert len(top) == 5
        sims = [m["Similarity"] for m in top]
        assert sims == sorted(sims, reverse=True)
        assert all(s > 99.9 for s in sims)
        low = rek.search_users(CollectionId="c", FaceId=loose, UserMatchThreshold=50)
        assert low["UserMatches"][-1]["User"]["UserId"] == "u05"
        assert low["UserMatches"][-1]["Similarity"] == pytest.approx(70, abs=0.1)

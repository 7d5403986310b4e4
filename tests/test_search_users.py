"""SearchUsers through real boto3 clients: each row of docs/behaviour.md's SearchUsers table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import numpy as np
import pytest
from conftest import (
    ALICE_1,
    ALICE_2,
    ALICE_85,
    BOB_1,
    CAROL_1,
    STAFF,
    STRANGER,
    UNKNOWN_FACE,
    ClientFactory,
    error_of,
)

import rekostub


def fid(n: int) -> str:
    """A well-formed FaceId numbered ``n``."""
    return f"00000000-0000-4000-8000-{n:012x}"


def ids(response: dict[str, Any]) -> list[str]:
    return [m["User"]["UserId"] for m in response["UserMatches"]]


def sims(response: dict[str, Any]) -> dict[str, float]:
    return {m["User"]["UserId"]: m["Similarity"] for m in response["UserMatches"]}


# -- by UserId / by FaceId ------------------------------------------------------------------------

TWINS: dict[str, Any] = {
    "collections": {
        "c": {
            "users": {
                "alice": {"faces": [{"face_id": fid(1)}, {"face_id": fid(2)}]},
                "alice-twin": {"faces": [{"face_id": fid(3), "identity": "alice"}]},
                "bob": {"faces": [{"face_id": fid(4)}]},
            }
        }
    }
}


def test_by_user_id_excludes_the_searched_user_and_echoes_it(client: ClientFactory) -> None:
    with rekostub.stub(fixture=TWINS):
        response = client().search_users(CollectionId="c", UserId="alice")
    assert ids(response) == ["alice-twin"]
    assert response["UserMatches"][0]["Similarity"] >= 99
    assert response["UserMatches"][0]["User"] == {"UserId": "alice-twin", "UserStatus": "ACTIVE"}
    assert response["SearchedUser"] == {"UserId": "alice"}
    assert "SearchedFace" not in response
    assert response["FaceModelVersion"] == "7.0"


def test_by_user_id_at_threshold_zero_still_excludes_self(client: ClientFactory) -> None:
    with rekostub.stub(fixture=TWINS):
        response = client().search_users(CollectionId="c", UserId="alice", UserMatchThreshold=0)
    assert sorted(ids(response)) == ["alice-twin", "bob"]


def test_by_face_id_includes_the_faces_own_user(client: ClientFactory) -> None:
    with rekostub.stub(fixture=TWINS):
        response = client().search_users(CollectionId="c", FaceId=fid(1))
    assert ids(response) == ["alice", "alice-twin"]
    assert response["UserMatches"][0]["Similarity"] >= 99.9
    assert response["SearchedFace"] == {"FaceId": fid(1)}
    assert "SearchedUser" not in response


def test_by_face_id_of_a_loose_face(client: ClientFactory, staff: rekostub.FakeRekognition) -> None:
    response = client().search_users(CollectionId="staff", FaceId=ALICE_85)
    assert ids(response) == ["alice"]
    assert response["SearchedFace"] == {"FaceId": ALICE_85}


# -- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "selector",
    [{"FaceId": ALICE_1, "UserId": "alice"}, {}],
    ids=["both", "neither"],
)
def test_both_or_neither_selector_is_invalid_parameter(
    client: ClientFactory, staff: rekostub.FakeRekognition, selector: dict[str, str]
) -> None:
    c = client()
    with pytest.raises(c.exceptions.InvalidParameterException) as excinfo:
        c.search_users(CollectionId="staff", **selector)
    assert error_of(excinfo) == ("InvalidParameterException", "Request has invalid parameters.")
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_unknown_collection(client: ClientFactory, staff: rekostub.FakeRekognition) -> None:
    c = client()
    with pytest.raises(c.exceptions.ResourceNotFoundException) as excinfo:
        c.search_users(CollectionId="Staff", UserId="alice")  # ids are case-sensitive
    assert error_of(excinfo) == (
        "ResourceNotFoundException",
        "The collection id: Staff does not exist",
    )


def test_unknown_face_id(client: ClientFactory, staff: rekostub.FakeRekognition) -> None:
    c = client()
    with pytest.raises(c.exceptions.InvalidParameterException) as excinfo:
        c.search_users(CollectionId="staff", FaceId=UNKNOWN_FACE)
    assert error_of(excinfo) == (
        "InvalidParameterException",
        "faceId was not found in the collection.",
    )


def test_face_of_another_collection_is_not_found(client: ClientFactory) -> None:
    fixture = {"collections": {**STAFF["collections"], "other": {}}}
    with rekostub.stub(fixture=fixture):
        c = client()
        with pytest.raises(c.exceptions.InvalidParameterException) as excinfo:
            c.search_users(CollectionId="other", FaceId=ALICE_1)
    assert error_of(excinfo)[1] == "faceId was not found in the collection."


def test_unknown_user_id_is_resource_not_found_naming_it(
    client: ClientFactory, staff: rekostub.FakeRekognition
) -> None:
    c = client()
    with pytest.raises(c.exceptions.ResourceNotFoundException) as excinfo:
        c.search_users(CollectionId="staff", UserId="zed")
    code, message = error_of(excinfo)
    assert code == "ResourceNotFoundException"
    assert "zed" in message
    assert "staff" in message


# -- users without faces, UPDATING users ----------------------------------------------------------


def test_created_user_searched_by_user_id_has_no_matches(
    client: ClientFactory, staff: rekostub.FakeRekognition
) -> None:
    response = client().search_users(CollectionId="staff", UserId="dave", UserMatchThreshold=0)
    assert response["UserMatches"] == []
    assert response["SearchedUser"] == {"UserId": "dave"}
    assert response["FaceModelVersion"] == "7.0"


def test_users_without_faces_never_match(
    client: ClientFactory, staff: rekostub.FakeRekognition
) -> None:
    c = client()
    for query in (ALICE_1, BOB_1, CAROL_1, STRANGER):
        response = c.search_users(CollectionId="staff", FaceId=query, UserMatchThreshold=0)
        assert sorted(ids(response)) == ["alice", "bob", "carol"]  # everyone but dave


def test_updating_users_are_matched_with_status_updating(
    client: ClientFactory, staff: rekostub.FakeRekognition
) -> None:
    # An association holds a user UPDATING; set the hold directly on the fake's state.
    staff.state.collection("staff").users["alice"].updating_until = staff.now() + 600
    response = client().search_users(CollectionId="staff", FaceId=ALICE_1)
    assert response["UserMatches"][0]["User"] == {"UserId": "alice", "UserStatus": "UPDATING"}


def test_user_updating_after_association_is_matched_as_updating(
    client: ClientFactory, staff: rekostub.FakeRekognition
) -> None:
    staff.updating_seconds = 30
    c = client()
    done = c.associate_faces(CollectionId="staff", UserId="dave", FaceIds=[STRANGER])
    assert done["UserStatus"] == "UPDATING"
    found = c.search_users(CollectionId="staff", FaceId=STRANGER)
    assert found["UserMatches"][0]["User"] == {"UserId": "dave", "UserStatus": "UPDATING"}
    assert found["UserMatches"][0]["Similarity"] >= 99
    staff.advance(30)
    found = c.search_users(CollectionId="staff", FaceId=STRANGER)
    assert found["UserMatches"][0]["User"] == {"UserId": "dave", "UserStatus": "ACTIVE"}


# -- threshold ------------------------------------------------------------------------------------

PINNED: dict[str, Any] = {
    "collections": {
        "c": {
            "users": {
                "alice": {"faces": [{"face_id": fid(1)}, {"face_id": fid(2)}]},
                "at79": {"faces": [{"face_id": fid(79), "identity": "alice", "similarity": 79}]},
                "at81": {"faces": [{"face_id": fid(81), "identity": "alice", "similarity": 81}]},
            },
            "faces": [
                {"face_id": fid(100), "identity": "alice"},
                {"face_id": fid(85), "identity": "alice", "similarity": 85},
            ],
        }
    }
}


def test_default_threshold_is_80(client: ClientFactory) -> None:
    with rekostub.stub(fixture=PINNED):
        c = client()
        default = c.search_users(CollectionId="c", FaceId=fid(100))
        low = c.search_users(CollectionId="c", FaceId=fid(100), UserMatchThreshold=78)
    assert ids(default) == ["alice", "at81"]
    assert ids(low) == ["alice", "at81", "at79"]


def test_threshold_is_inclusive(client: ClientFactory) -> None:
    with rekostub.stub(fixture=PINNED):
        c = client()
        exact = sims(c.search_users(CollectionId="c", FaceId=fid(85), UserMatchThreshold=0))[
            "alice"
        ]
        at = c.search_users(CollectionId="c", FaceId=fid(85), UserMatchThreshold=exact)
        above = c.search_users(
            CollectionId="c", FaceId=fid(85), UserMatchThreshold=float(np.nextafter(exact, 100.0))
        )
    assert abs(exact - 85) <= 0.1
    assert sims(at) == {"alice": exact}
    assert "alice" not in ids(above)


# -- MaxUsers and order ---------------------------------------------------------------------------


def _crowd(n: int) -> dict[str, Any]:
    users = {f"u{i:04d}": {"faces": [{"face_id": fid(i), "identity": "crowd"}]} for i in range(n)}
    return {
        "collections": {
            "c": {"users": users, "faces": [{"face_id": fid(99999), "identity": "crowd"}]}
        }
    }


def test_max_users_defaults_to_500(client: ClientFactory) -> None:
    with rekostub.stub(fixture=_crowd(520)):
        response = client().search_users(CollectionId="c", FaceId=fid(99999))
    assert len(response["UserMatches"]) == 500


def test_max_users_limits_to_the_best(client: ClientFactory) -> None:
    with rekostub.stub(fixture=_crowd(40)):
        c = client()
        everyone = c.search_users(CollectionId="c", FaceId=fid(99999))
        three = c.search_users(CollectionId="c", FaceId=fid(99999), MaxUsers=3)
        five_hundred = c.search_users(CollectionId="c", FaceId=fid(99999), MaxUsers=500)
    assert len(everyone["UserMatches"]) == 40
    assert three["UserMatches"] == everyone["UserMatches"][:3]
    assert five_hundred["UserMatches"] == everyone["UserMatches"]


def test_order_is_similarity_descending(client: ClientFactory) -> None:
    fixture = {
        "collections": {
            "c": {
                "users": {
                    f"p{s}": {"faces": [{"face_id": fid(s), "identity": "x", "similarity": s}]}
                    for s in (90, 97, 85, 93)
                },
                "faces": [{"face_id": fid(1000), "identity": "x"}],
            }
        }
    }
    with rekostub.stub(fixture=fixture):
        response = client().search_users(CollectionId="c", FaceId=fid(1000))
    assert ids(response) == ["p97", "p93", "p90", "p85"]
    values = [m["Similarity"] for m in response["UserMatches"]]
    assert values == sorted(values, reverse=True)


def test_ties_are_ordered_by_user_id(client: ClientFactory) -> None:
    same = [1.0, 0.25, -0.5]
    fixture = {
        "collections": {
            "c": {
                "users": {
                    "tie-b": {"faces": [{"face_id": fid(1), "embedding": same}]},
                    "lower": {"faces": [{"face_id": fid(2), "embedding": [1.0, 0.5, -0.5]}]},
                    "tie-c": {"faces": [{"face_id": fid(3), "embedding": same}]},
                    "tie-a": {"faces": [{"face_id": fid(4), "embedding": same}]},
                },
                "faces": [{"face_id": fid(5), "embedding": same}],
            }
        }
    }
    with rekostub.stub(fixture=fixture):
        response = client().search_users(CollectionId="c", FaceId=fid(5))
    assert ids(response) == ["tie-a", "tie-b", "tie-c", "lower"]
    values = sims(response)
    assert values["tie-a"] == values["tie-b"] == values["tie-c"] > values["lower"]


# -- Similarity values ----------------------------------------------------------------------------


def test_similarities_are_float32_values(client: ClientFactory) -> None:
    with rekostub.stub(fixture=PINNED):
        response = client().search_users(CollectionId="c", FaceId=fid(85), UserMatchThreshold=0)
    assert response["UserMatches"]
    for match in response["UserMatches"]:
        value = match["Similarity"]
        assert isinstance(value, float)
        assert float(np.float32(value)) == value
        assert 0.0 <= value <= 100.0


def test_same_identity_scores_at_least_99(
    client: ClientFactory, staff: rekostub.FakeRekognition
) -> None:
    c = client()
    for face, user in ((ALICE_1, "alice"), (ALICE_2, "alice"), (BOB_1, "bob"), (CAROL_1, "carol")):
        assert sims(c.search_users(CollectionId="staff", FaceId=face))[user] >= 99


@pytest.mark.parametrize("pinned", [30, 50, 70, 85, 95])
def test_pinned_face_scores_its_similarity(client: ClientFactory, pinned: int) -> None:
    fixture = {
        "collections": {
            "c": {
                "users": {
                    "x": {"faces": [{"face_id": fid(1)}, {"face_id": fid(2)}, {"face_id": fid(3)}]}
                },
                "faces": [{"face_id": fid(9), "identity": "x", "similarity": pinned}],
            }
        }
    }
    with rekostub.stub(fixture=fixture):
        response = client().search_users(CollectionId="c", FaceId=fid(9), UserMatchThreshold=0)
    assert abs(sims(response)["x"] - pinned) <= 0.1


def test_different_identities_score_below_50(
    client: ClientFactory, staff: rekostub.FakeRekognition
) -> None:
    c = client()
    for face, own in ((ALICE_1, "alice"), (BOB_1, "bob"), (CAROL_1, "carol"), (STRANGER, None)):
        found = sims(c.search_users(CollectionId="staff", FaceId=face, UserMatchThreshold=0))
        for user, value in found.items():
            if user != own:
                assert value < 50, (face, user, value)


def test_face_model_version_follows_the_collection(client: ClientFactory) -> None:
    fixture = {"collections": {"old": {"face_model_version": "6.0", "users": {"u": {}}}}}
    with rekostub.stub(fixture=fixture):
        response = client().search_users(CollectionId="old", UserId="u")
    assert response["FaceModelVersion"] == "6.0"
    assert response["UserMatches"] == []


def test_user_matches_present_even_when_empty(
    client: ClientFactory, staff: rekostub.FakeRekognition
) -> None:
    response = client().search_users(CollectionId="staff", FaceId=STRANGER)
    assert response["UserMatches"] == []
    assert response["FaceModelVersion"] == "7.0"


# -- determinism across processes -----------------------------------------------------------------

_CHILD = """
import json, sys
import boto3
import rekostub

fixture = json.loads(sys.argv[1])
with rekostub.stub(fixture=fixture):
    c = boto3.client("rekognition", region_name="us-east-1")
    out = []
    for face in sys.argv[2:]:
        r = c.search_users(CollectionId="c", FaceId=face, UserMatchThreshold=0)
        r.pop("ResponseMetadata")
        out.append(r)
print(json.dumps(out))
"""


def test_bit_identical_answers_in_separate_processes(client: ClientFactory) -> None:
    faces = [fid(1), fid(2), fid(79), fid(85), fid(100)]
    with rekostub.stub(fixture=PINNED):
        c = client()
        here = []
        for face in faces:
            response = c.search_users(CollectionId="c", FaceId=face, UserMatchThreshold=0)
            response.pop("ResponseMetadata")
            here.append(response)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONHASHSEED"}
    outputs = []
    for seed in ("0", "12345"):
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, json.dumps(PINNED), *faces],
            env={**env, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    # json round-trips floats exactly (repr), so equality here is bit-equality.
    assert json.loads(outputs[0]) == here

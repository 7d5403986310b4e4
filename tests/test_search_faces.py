"""SearchFaces (by FaceId) through boto3: matches, order, threshold, MaxFaces, errors."""

from __future__ import annotations

import math
from typing import Any

import boto3
import pytest
from conftest import error_of

import rekostub
from rekostub._engine.embedding import explicit_vector
from rekostub._engine.matcher import similarity

QUERY = "00000000-0000-4000-8000-00000000000a"
USER_95 = "95000000-0000-4000-8000-000000000001"
AT_90 = "90000000-0000-4000-8000-000000000001"
TIE_HI = "f0000000-0000-4000-8000-000000000085"  # listed first, but sorts after TIE_LO
TIE_LO = "0f000000-0000-4000-8000-000000000085"
AT_80 = "80000000-0000-4000-8000-000000000001"
AT_79 = "79000000-0000-4000-8000-000000000001"
ORTHO = "00000000-0000-4000-8000-000000000000"
OTHER = "0e000000-0000-4000-8000-000000000001"
UNKNOWN = "deadbeef-0000-4000-8000-000000000000"


def at(cosine: float) -> list[float]:
    """A 2-D embedding whose cosine with [1, 0] is ``cosine``."""
    return [cosine, math.sqrt(1.0 - cosine * cosine)]


EMBEDDINGS: dict[str, list[float]] = {
    QUERY: [1.0, 0.0],
    USER_95: at(0.95),
    AT_90: at(0.9),
    TIE_HI: at(0.85),
    TIE_LO: at(0.85),
    AT_80: [0.8, 0.6],
    AT_79: at(0.79),
    ORTHO: [0.0, 1.0],
}

FIXTURE: dict[str, Any] = {
    "collections": {
        "lab": {
            "users": {"uma": {"faces": [{"face_id": USER_95, "embedding": EMBEDDINGS[USER_95]}]}},
            "faces": [
                {"face_id": QUERY, "embedding": EMBEDDINGS[QUERY]},
                {"face_id": AT_90, "embedding": EMBEDDINGS[AT_90], "external_image_id": "ninety"},
                {"face_id": TIE_HI, "embedding": EMBEDDINGS[TIE_HI]},
                {"face_id": TIE_LO, "embedding": EMBEDDINGS[TIE_LO]},
                {"face_id": AT_80, "embedding": EMBEDDINGS[AT_80]},
                {"face_id": AT_79, "embedding": EMBEDDINGS[AT_79]},
                {"face_id": ORTHO, "embedding": EMBEDDINGS[ORTHO]},
            ],
        },
        "people": {
            "face_model_version": "6.0",
            "faces": [
                {"face_id": OTHER, "identity": "olga"},
                {"face_id": "0e000000-0000-4000-8000-000000000002", "identity": "olga"},
                {
                    "face_id": "0e000000-0000-4000-8000-000000000003",
                    "identity": "olga",
                    "similarity": 85,
                },
                {"face_id": "0e000000-0000-4000-8000-000000000004", "identity": "pete"},
            ],
        },
    }
}


def client() -> Any:
    return boto3.client("rekognition", region_name="us-east-1")


def expected(face_id: str) -> float:
    """The similarity the shared matcher gives ``face_id`` against QUERY."""
    return similarity(explicit_vector(EMBEDDINGS[QUERY]), explicit_vector(EMBEDDINGS[face_id]))


def matched(resp: dict[str, Any]) -> list[str]:
    return [m["Face"]["FaceId"] for m in resp["FaceMatches"]]


def test_default_threshold_is_80_inclusive_and_order_is_similarity_then_face_id() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE):
        resp = c.search_faces(CollectionId="lab", FaceId=QUERY)
    assert resp["SearchedFaceId"] == QUERY
    assert resp["FaceModelVersion"] == "7.0"
    # The searched face itself is never a match; 79 is below the default 80; 80.0 is kept.
    assert matched(resp) == [USER_95, AT_90, TIE_LO, TIE_HI, AT_80]
    sims = [m["Similarity"] for m in resp["FaceMatches"]]
    assert sims == [expected(f) for f in matched(resp)]
    assert sims == pytest.approx([95, 90, 85, 85, 80], abs=1e-4)
    assert sims[-1] == 80.0


def test_threshold_boundary() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE):
        at_80 = c.search_faces(CollectionId="lab", FaceId=QUERY, FaceMatchThreshold=80)
        above = c.search_faces(CollectionId="lab", FaceId=QUERY, FaceMatchThreshold=80.0001)
        at_90 = c.search_faces(CollectionId="lab", FaceId=QUERY, FaceMatchThreshold=expected(AT_90))
    assert matched(at_80)[-1] == AT_80
    assert matched(above) == [USER_95, AT_90, TIE_LO, TIE_HI]
    assert matched(at_90) == [USER_95, AT_90]


def test_threshold_zero_returns_every_other_face() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE):
        resp = c.search_faces(CollectionId="lab", FaceId=QUERY, FaceMatchThreshold=0)
    assert matched(resp) == [USER_95, AT_90, TIE_LO, TIE_HI, AT_80, AT_79, ORTHO]
    assert resp["FaceMatches"][-1]["Similarity"] == 0.0


def test_max_faces_keeps_the_best_and_breaks_ties_by_face_id() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE):
        two = c.search_faces(CollectionId="lab", FaceId=QUERY, MaxFaces=2)
        three = c.search_faces(CollectionId="lab", FaceId=QUERY, MaxFaces=3)
        one = c.search_faces(CollectionId="lab", FaceId=QUERY, MaxFaces=1, FaceMatchThreshold=91)
    assert matched(two) == [USER_95, AT_90]
    assert matched(three) == [USER_95, AT_90, TIE_LO]
    assert matched(one) == [USER_95]


def test_default_max_faces_is_the_models_maximum() -> None:
    n = 4100
    faces = [{"face_id": f"5a5a5a5a-0000-4000-8000-{i:012x}", "identity": "twin"} for i in range(n)]
    c = client()
    with rekostub.stub(fixture={"collections": {"big": {"faces": faces}}}):
        resp = c.search_faces(CollectionId="big", FaceId=faces[7]["face_id"])
    got = matched(resp)
    assert len(got) == 4096
    assert faces[7]["face_id"] not in got
    assert all(m["Similarity"] > 99.9 for m in resp["FaceMatches"])


def test_match_records_carry_the_face_members() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE):
        resp = c.search_faces(CollectionId="lab", FaceId=QUERY, MaxFaces=2)
        listed = {f["FaceId"]: f for f in c.list_faces(CollectionId="lab")["Faces"]}
    user_face, plain = (m["Face"] for m in resp["FaceMatches"])
    assert set(resp["FaceMatches"][0]) == {"Similarity", "Face"}
    assert user_face["UserId"] == "uma"
    assert plain["ExternalImageId"] == "ninety"
    assert "UserId" not in plain
    for face in (user_face, plain):
        assert face["IndexFacesModelVersion"] == "7.0"
        assert set(face["BoundingBox"]) == {"Width", "Height", "Left", "Top"}
        assert face == listed[face["FaceId"]]  # the same record ListFaces gives


def test_faces_of_one_identity_match_and_pinned_similarity_shows() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE):
        resp = c.search_faces(CollectionId="people", FaceId=OTHER, FaceMatchThreshold=50)
    assert resp["FaceModelVersion"] == "6.0"
    got = {m["Face"]["FaceId"]: m["Similarity"] for m in resp["FaceMatches"]}
    assert list(got) == [
        "0e000000-0000-4000-8000-000000000002",
        "0e000000-0000-4000-8000-000000000003",
    ]
    assert got["0e000000-0000-4000-8000-000000000002"] > 99.9
    assert got["0e000000-0000-4000-8000-000000000003"] == pytest.approx(85, abs=0.1)
    assert all(m["Face"]["IndexFacesModelVersion"] == "6.0" for m in resp["FaceMatches"])


def test_no_match_is_an_empty_list() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE):
        resp = c.search_faces(CollectionId="people", FaceId="0e000000-0000-4000-8000-000000000004")
    assert resp["FaceMatches"] == []
    assert resp["SearchedFaceId"] == "0e000000-0000-4000-8000-000000000004"


def test_unknown_face_id_is_invalid_parameter() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE):
        with pytest.raises(c.exceptions.InvalidParameterException) as unknown:
            c.search_faces(CollectionId="lab", FaceId=UNKNOWN)
        with pytest.raises(c.exceptions.InvalidParameterException) as elsewhere:
            c.search_faces(CollectionId="lab", FaceId=OTHER)  # it lives in "people"
    message = ("InvalidParameterException", "faceId was not found in the collection.")
    assert error_of(unknown) == message
    assert error_of(elsewhere) == message
    assert unknown.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_missing_collection_is_resource_not_found() -> None:
    c = client()
    with (
        rekostub.stub(fixture=FIXTURE),
        pytest.raises(c.exceptions.ResourceNotFoundException) as exc,
    ):
        c.search_faces(CollectionId="Lab", FaceId=QUERY)
    assert error_of(exc) == ("ResourceNotFoundException", "The collection id: Lab does not exist")


def test_search_follows_deletions_and_associations() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE):
        c.delete_faces(CollectionId="lab", FaceIds=[AT_90])
        c.associate_faces(CollectionId="lab", UserId="uma", FaceIds=[TIE_LO])
        resp = c.search_faces(CollectionId="lab", FaceId=QUERY, MaxFaces=3)
    assert matched(resp) == [USER_95, TIE_LO, TIE_HI]
    assert [m["Face"].get("UserId") for m in resp["FaceMatches"]] == ["uma", "uma", None]


def test_search_faces_is_logged_like_any_call() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE) as fake:
        c.search_faces(CollectionId="lab", FaceId=QUERY, MaxFaces=1)
    call = fake.calls[-1]
    assert call.operation == "SearchFaces"
    assert call.params["MaxFaces"] == 1
    assert call.response is not None
    assert call.response["SearchedFaceId"] == QUERY

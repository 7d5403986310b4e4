"""AssociateFaces and DisassociateFaces through a real boto3 client.

Every reason code and error, UPDATING -> ACTIVE, CREATED after the last face leaves, the
100-face quota, the threshold boundary, and AWS's user-vector sample flow end to end.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import ClientFactory, error_of

import rekostub


def fid(n: int) -> str:
    """A well-formed FaceId numbered ``n``."""
    return f"0000b000-0000-4000-8000-{n:012x}"


UNKNOWN = "00000000-0000-4000-8000-00000000dead"


def body(response: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def statuses(rek: Any, collection_id: str = "c") -> dict[str, str]:
    pages = rek.get_paginator("list_users").paginate(CollectionId=collection_id)
    return {u["UserId"]: u["UserStatus"] for page in pages for u in page["Users"]}


def matched(rek: Any, **search: Any) -> dict[str, str]:
    """SearchUsers (collection "c") -> {UserId: UserStatus} of the matches."""
    found = rek.search_users(CollectionId="c", **search)["UserMatches"]
    return {m["User"]["UserId"]: m["User"]["UserStatus"] for m in found}


def dump(fake: rekostub.FakeRekognition) -> dict[str, Any]:
    """Everything an association can change, as plain comparable data."""
    out: dict[str, Any] = {}
    for cid, col in fake.state.collections.items():
        out[cid] = {
            "faces": {f: face.user_id for f, face in col.faces.items()},
            "users": {u: (list(x.face_ids), x.updating_until) for u, x in col.users.items()},
        }
    return out


# alice: fid 1, 2 (unpinned); bob: fid 10; dave: no faces.
# Loose: alice's fid 3 (unpinned), 70 and 80 (pinned at 70 / 80 to alice's user vector);
# bob's fid 11; carol's fid 30, 31; erin's fid 40.
FIXTURE: dict[str, Any] = {
    "collections": {
        "c": {
            "users": {
                "alice": {"faces": [{"face_id": fid(1)}, {"face_id": fid(2)}]},
                "bob": {"faces": [{"face_id": fid(10)}]},
                "dave": {},
            },
            "faces": [
                {"face_id": fid(3), "identity": "alice"},
                {"face_id": fid(70), "identity": "alice", "similarity": 70},
                {"face_id": fid(80), "identity": "alice", "similarity": 80},
                {"face_id": fid(11), "identity": "bob"},
                {"face_id": fid(30), "identity": "carol"},
                {"face_id": fid(31), "identity": "carol"},
                {"face_id": fid(40), "identity": "erin"},
            ],
        },
        "other": {"faces": [{"face_id": fid(90), "identity": "alice"}]},
    }
}


@pytest.fixture
def fake() -> Any:
    with rekostub.stub(fixture=FIXTURE) as f:
        yield f


# -- the AWS user-vector sample (aws-samples/rekognition-user-vectors), end to end --------------

SAMPLE: dict[str, Any] = {
    "collections": {
        "c": {
            # what IndexFaces left behind: one face per image, none on a user yet
            "faces": [
                {"face_id": fid(101), "identity": "swami", "external_image_id": "Swami1.jpeg"},
                {"face_id": fid(102), "identity": "swami", "external_image_id": "Swami2.jpeg"},
                {"face_id": fid(201), "identity": "werner", "external_image_id": "Werner1.jpeg"},
                {"face_id": fid(202), "identity": "werner", "external_image_id": "Werner2.jpeg"},
                {"face_id": fid(203), "identity": "werner", "external_image_id": "Werner3.jpeg"},
                {"face_id": fid(300), "identity": "werner", "external_image_id": "photo.jpeg"},
            ]
        }
    }
}


def test_user_vector_sample_flow(client: ClientFactory) -> None:
    with rekostub.stub(fixture=SAMPLE):
        rek = client()
        for user_id in ("Swami", "Werner"):
            rek.create_user(CollectionId="c", UserId=user_id)
        assert statuses(rek) == {"Swami": "CREATED", "Werner": "CREATED"}

        swami = rek.associate_faces(CollectionId="c", UserId="Swami", FaceIds=[fid(101), fid(102)])
        assert body(swami) == {
            "AssociatedFaces": [{"FaceId": fid(101)}, {"FaceId": fid(102)}],
            "UnsuccessfulFaceAssociations": [],
            "UserStatus": "UPDATING",
        }
        werner = rek.associate_faces(
            CollectionId="c", UserId="Werner", FaceIds=[fid(201), fid(202), fid(203)]
        )
        assert len(werner["AssociatedFaces"]) == 3
        assert statuses(rek) == {"Swami": "ACTIVE", "Werner": "ACTIVE"}

        # a new photo's face finds Werner, and only Werner
        by_face = rek.search_users(CollectionId="c", FaceId=fid(300), UserMatchThreshold=90)
        assert [m["User"] for m in by_face["UserMatches"]] == [
            {"UserId": "Werner", "UserStatus": "ACTIVE"}
        ]
        assert by_face["UserMatches"][0]["Similarity"] > 99
        assert by_face["SearchedFace"] == {"FaceId": fid(300)}
        # by UserId: the searched user is not among the matches, and Swami is no look-alike
        by_user = rek.search_users(CollectionId="c", UserId="Werner")
        assert by_user["UserMatches"] == []
        assert by_user["SearchedUser"] == {"UserId": "Werner"}

        # the photo's face joins Werner; then Werner loses all his faces
        rek.associate_faces(CollectionId="c", UserId="Werner", FaceIds=[fid(300)])
        out = rek.disassociate_faces(
            CollectionId="c", UserId="Werner", FaceIds=[fid(201), fid(202), fid(203), fid(300)]
        )
        assert len(out["DisassociatedFaces"]) == 4
        assert statuses(rek) == {"Swami": "ACTIVE", "Werner": "CREATED"}
        assert matched(rek, FaceId=fid(300)) == {}

        rek.delete_user(CollectionId="c", UserId="Swami")
        rek.delete_user(CollectionId="c", UserId="Werner")
        assert statuses(rek) == {}
        assert matched(rek, FaceId=fid(101)) == {}


# -- AssociateFaces: per-face outcomes ------------------------------------------------------------


def test_associate_reports_each_face(fake: Any, client: ClientFactory) -> None:
    rek = client()
    response = rek.associate_faces(
        CollectionId="c",
        UserId="alice",
        FaceIds=[fid(3), fid(1), fid(10), UNKNOWN, fid(70), fid(80), fid(30), fid(90)],
    )
    unsuccessful = response["UnsuccessfulFaceAssociations"]
    assert response["AssociatedFaces"] == [{"FaceId": fid(3)}, {"FaceId": fid(80)}]
    assert [u["FaceId"] for u in unsuccessful] == [fid(10), UNKNOWN, fid(70), fid(30), fid(90)]
    # fid(1) is already alice's: in neither list
    assert unsuccessful[0] == {
        "FaceId": fid(10),
        "UserId": "bob",
        "Reasons": ["ASSOCIATED_TO_A_DIFFERENT_USER"],
    }
    assert unsuccessful[1] == {"FaceId": UNKNOWN, "Reasons": ["FACE_NOT_FOUND"]}
    low = unsuccessful[2]
    assert set(low) == {"FaceId", "Confidence", "Reasons"}
    assert low["Reasons"] == ["LOW_MATCH_CONFIDENCE"]
    assert low["Confidence"] == pytest.approx(70, abs=0.1)
    assert unsuccessful[3]["Reasons"] == ["LOW_MATCH_CONFIDENCE"]
    assert unsuccessful[3]["Confidence"] < 40  # another person
    # a face of another collection is not found in this one
    assert unsuccessful[4] == {"FaceId": fid(90), "Reasons": ["FACE_NOT_FOUND"]}
    assert response["UserStatus"] == "UPDATING"
    col = fake.state.collection("c")
    assert list(col.users["alice"].face_ids) == [fid(1), fid(2), fid(3), fid(80)]
    assert col.faces[fid(70)].user_id is None
    assert col.faces[fid(10)].user_id == "bob"


def test_threshold_default_is_75_and_pinned_faces_land_where_pinned(
    fake: Any, client: ClientFactory
) -> None:
    rek = client()
    low = rek.associate_faces(CollectionId="c", UserId="alice", FaceIds=[fid(70)])
    assert low["AssociatedFaces"] == []
    [entry] = low["UnsuccessfulFaceAssociations"]
    assert entry["Reasons"] == ["LOW_MATCH_CONFIDENCE"]
    assert entry["Confidence"] == pytest.approx(70, abs=0.1)
    assert "UserId" not in entry
    high = rek.associate_faces(CollectionId="c", UserId="alice", FaceIds=[fid(80)])
    assert high["AssociatedFaces"] == [{"FaceId": fid(80)}]
    assert high["UnsuccessfulFaceAssociations"] == []
    # a lower threshold lets the 70 face in (the 80 face moved alice's vector a little)
    ok = rek.associate_faces(
        CollectionId="c", UserId="alice", FaceIds=[fid(70)], UserMatchThreshold=60
    )
    assert ok["AssociatedFaces"] == [{"FaceId": fid(70)}]


def test_threshold_is_inclusive(fake: Any, client: ClientFactory) -> None:
    rek = client()
    first = rek.associate_faces(
        CollectionId="c", UserId="alice", FaceIds=[fid(80)], UserMatchThreshold=90
    )
    confidence = first["UnsuccessfulFaceAssociations"][0]["Confidence"]
    assert confidence == pytest.approx(80, abs=0.1)
    # just above the confidence: still refused, with the same confidence
    above = float(np.nextafter(confidence, 101.0))
    again = rek.associate_faces(
        CollectionId="c", UserId="alice", FaceIds=[fid(80)], UserMatchThreshold=above
    )
    assert again["UnsuccessfulFaceAssociations"][0]["Confidence"] == confidence
    # exactly the confidence: accepted
    ok = rek.associate_faces(
        CollectionId="c", UserId="alice", FaceIds=[fid(80)], UserMatchThreshold=confidence
    )
    assert ok["AssociatedFaces"] == [{"FaceId": fid(80)}]


def test_threshold_zero_and_hundred(fake: Any, client: ClientFactory) -> None:
    rek = client()
    zero = rek.associate_faces(
        CollectionId="c", UserId="bob", FaceIds=[fid(30)], UserMatchThreshold=0
    )
    assert zero["AssociatedFaces"] == [{"FaceId": fid(30)}]
    hundred = rek.associate_faces(
        CollectionId="c", UserId="alice", FaceIds=[fid(3)], UserMatchThreshold=100
    )
    [entry] = hundred["UnsuccessfulFaceAssociations"]
    assert entry["Reasons"] == ["LOW_MATCH_CONFIDENCE"]
    assert 99.9 < entry["Confidence"] < 100


def test_empty_user_takes_a_whole_batch_unchecked(fake: Any, client: ClientFactory) -> None:
    """A user without faces gets no threshold check, for every face of that call."""
    rek = client()
    response = rek.associate_faces(
        CollectionId="c", UserId="dave", FaceIds=[fid(30), fid(40), fid(3)], UserMatchThreshold=99
    )
    assert response["AssociatedFaces"] == [
        {"FaceId": fid(30)},
        {"FaceId": fid(40)},
        {"FaceId": fid(3)},
    ]
    assert response["UnsuccessfulFaceAssociations"] == []
    # from now on dave has faces, and new ones are checked against them
    later = rek.associate_faces(CollectionId="c", UserId="dave", FaceIds=[fid(11), fid(31)])
    [entry] = later["UnsuccessfulFaceAssociations"]
    assert entry["FaceId"] == fid(11)  # bob resembles none of carol, erin, alice
    assert entry["Reasons"] == ["LOW_MATCH_CONFIDENCE"]
    assert entry["Confidence"] < 50
    # a user's similarity is the best of its faces': carol's other face matches carol's
    assert later["AssociatedFaces"] == [{"FaceId": fid(31)}]


def test_threshold_uses_the_vector_from_before_the_call(fake: Any, client: ClientFactory) -> None:
    """Faces associated earlier in the same call do not move the bar for later ones."""
    rek = client()
    rek.associate_faces(CollectionId="c", UserId="dave", FaceIds=[fid(30)])  # carol
    response = rek.associate_faces(
        CollectionId="c", UserId="dave", FaceIds=[fid(31), fid(40)], UserMatchThreshold=50
    )
    # erin (fid 40) is compared with carol's vector, not with the carol+carol mean
    assert response["AssociatedFaces"] == [{"FaceId": fid(31)}]
    assert response["UnsuccessfulFaceAssociations"][0]["FaceId"] == fid(40)


def test_duplicate_face_ids_count_once(fake: Any, client: ClientFactory) -> None:
    rek = client()
    response = rek.associate_faces(
        CollectionId="c",
        UserId="alice",
        FaceIds=[fid(3), UNKNOWN, fid(3), UNKNOWN, fid(10), fid(10)],
    )
    assert response["AssociatedFaces"] == [{"FaceId": fid(3)}]
    assert [u["FaceId"] for u in response["UnsuccessfulFaceAssociations"]] == [UNKNOWN, fid(10)]
    out = rek.disassociate_faces(CollectionId="c", UserId="alice", FaceIds=[fid(3), fid(3)])
    assert out["DisassociatedFaces"] == [{"FaceId": fid(3)}]


def test_nothing_to_do_answers_the_current_status(fake: Any, client: ClientFactory) -> None:
    rek = client()
    response = rek.associate_faces(CollectionId="c", UserId="alice", FaceIds=[fid(1), fid(2)])
    assert body(response) == {
        "AssociatedFaces": [],
        "UnsuccessfulFaceAssociations": [],
        "UserStatus": "ACTIVE",
    }


# -- AssociateFaces: errors ---------------------------------------------------------------------


def test_associate_to_a_missing_user_or_collection(fake: Any, client: ClientFactory) -> None:
    rek = client()
    before = dump(fake)
    with pytest.raises(rek.exceptions.ResourceNotFoundException) as excinfo:
        rek.associate_faces(CollectionId="c", UserId="ghost", FaceIds=[fid(3)])
    assert error_of(excinfo) == (
        "ResourceNotFoundException",
        "The user id: ghost does not exist in the collection: c",
    )
    with pytest.raises(rek.exceptions.ResourceNotFoundException) as excinfo:
        rek.associate_faces(CollectionId="nope", UserId="alice", FaceIds=[fid(3)])
    assert error_of(excinfo)[1] == "The collection id: nope does not exist"
    assert dump(fake) == before


def test_face_ids_are_validated_before_anything(fake: Any, client: ClientFactory) -> None:
    rek = client(parameter_validation=False)
    before = dump(fake)
    with pytest.raises(rek.exceptions.ClientError) as excinfo:
        rek.associate_faces(CollectionId="c", UserId="alice", FaceIds=[fid(3), "NOT-A-UUID"])
    code, message = error_of(excinfo)
    assert code == "ValidationException"
    assert "at 'faceIds'" in message
    assert dump(fake) == before


# -- the 100-face quota ---------------------------------------------------------------------------

QUOTA: dict[str, Any] = {
    "collections": {
        "c": {
            "users": {
                "full": {"faces": [{"face_id": fid(1000 + i)} for i in range(100)]},
                "nearly": {"faces": [{"face_id": fid(2000 + i)} for i in range(98)]},
            },
            "faces": [{"face_id": fid(3000 + i), "identity": "nearly"} for i in range(5)]
            + [{"face_id": fid(4000), "identity": "full"}, {"face_id": fid(4001), "identity": "x"}],
        }
    }
}


def test_user_at_100_faces_is_over_quota(client: ClientFactory) -> None:
    with rekostub.stub(fixture=QUOTA) as fake:
        rek = client()
        before = dump(fake)
        with pytest.raises(rek.exceptions.ServiceQuotaExceededException) as excinfo:
            rek.associate_faces(CollectionId="c", UserId="full", FaceIds=[fid(4000)])
        assert error_of(excinfo) == (
            "ServiceQuotaExceededException",
            "The size of the resource exceeds the allowed limit. For more information, see "
            "Guidelines and quotas in Amazon Rekognition.",
        )
        assert dump(fake) == before
        # taking one off makes room for one
        rek.disassociate_faces(CollectionId="c", UserId="full", FaceIds=[fid(1000)])
        ok = rek.associate_faces(CollectionId="c", UserId="full", FaceIds=[fid(4000)])
        assert ok["AssociatedFaces"] == [{"FaceId": fid(4000)}]
        assert len(fake.state.collection("c").users["full"].face_ids) == 100


def test_batch_crossing_100_associates_what_fits(client: ClientFactory) -> None:
    with rekostub.stub(fixture=QUOTA) as fake:
        rek = client()
        batch = [fid(4001), fid(2000)] + [fid(3000 + i) for i in range(5)]
        response = rek.associate_faces(CollectionId="c", UserId="nearly", FaceIds=batch)
        # another person's face fails on its own merits; one already on the user takes no room
        assert response["AssociatedFaces"] == [{"FaceId": fid(3000)}, {"FaceId": fid(3001)}]
        unsuccessful = response["UnsuccessfulFaceAssociations"]
        assert unsuccessful[0]["FaceId"] == fid(4001)
        assert "Confidence" in unsuccessful[0]
        assert unsuccessful[1:] == [
            {"FaceId": fid(3000 + i), "Reasons": ["LOW_MATCH_CONFIDENCE"]} for i in (2, 3, 4)
        ]
        assert response["UserStatus"] == "UPDATING"
        assert len(fake.state.collection("c").users["nearly"].face_ids) == 100
        with pytest.raises(rek.exceptions.ServiceQuotaExceededException):
            rek.associate_faces(CollectionId="c", UserId="nearly", FaceIds=[fid(3004)])


# -- DisassociateFaces ----------------------------------------------------------------------------


def test_disassociate_reports_each_face(fake: Any, client: ClientFactory) -> None:
    rek = client()
    response = rek.disassociate_faces(
        CollectionId="c", UserId="alice", FaceIds=[fid(2), fid(3), fid(10), UNKNOWN]
    )
    assert body(response) == {
        "DisassociatedFaces": [{"FaceId": fid(2)}],
        # fid(3) is on no user: ignored
        "UnsuccessfulFaceDisassociations": [
            {"FaceId": fid(10), "UserId": "bob", "Reasons": ["ASSOCIATED_TO_A_DIFFERENT_USER"]},
            {"FaceId": UNKNOWN, "Reasons": ["FACE_NOT_FOUND"]},
        ],
        "UserStatus": "UPDATING",
    }
    col = fake.state.collection("c")
    assert list(col.users["alice"].face_ids) == [fid(1)]
    assert col.faces[fid(2)].user_id is None
    assert col.faces[fid(10)].user_id == "bob"
    assert statuses(rek)["alice"] == "ACTIVE"


def test_last_face_out_makes_the_user_created(fake: Any, client: ClientFactory) -> None:
    rek = client()
    out = rek.disassociate_faces(CollectionId="c", UserId="bob", FaceIds=[fid(10)])
    assert out["DisassociatedFaces"] == [{"FaceId": fid(10)}]
    assert out["UserStatus"] == "UPDATING"
    assert statuses(rek)["bob"] == "CREATED"
    assert "bob" not in matched(rek, FaceId=fid(11))
    assert rek.search_users(CollectionId="c", UserId="bob")["UserMatches"] == []
    # an empty user again: the next association is not threshold-checked
    back = rek.associate_faces(
        CollectionId="c", UserId="bob", FaceIds=[fid(40)], UserMatchThreshold=100
    )
    assert back["AssociatedFaces"] == [{"FaceId": fid(40)}]


def test_disassociate_nothing_changes_nothing(fake: Any, client: ClientFactory) -> None:
    rek = client()
    before = dump(fake)
    out = rek.disassociate_faces(CollectionId="c", UserId="dave", FaceIds=[fid(3), fid(1)])
    assert body(out) == {
        "DisassociatedFaces": [],
        "UnsuccessfulFaceDisassociations": [
            {"FaceId": fid(1), "UserId": "alice", "Reasons": ["ASSOCIATED_TO_A_DIFFERENT_USER"]}
        ],
        "UserStatus": "CREATED",
    }
    assert dump(fake) == before


def test_disassociate_from_a_missing_user_or_collection(fake: Any, client: ClientFactory) -> None:
    rek = client()
    before = dump(fake)
    with pytest.raises(rek.exceptions.ResourceNotFoundException) as excinfo:
        rek.disassociate_faces(CollectionId="c", UserId="ghost", FaceIds=[fid(1)])
    assert error_of(excinfo)[1] == "The user id: ghost does not exist in the collection: c"
    with pytest.raises(rek.exceptions.ResourceNotFoundException) as excinfo:
        rek.disassociate_faces(CollectionId="nope", UserId="alice", FaceIds=[fid(1)])
    assert error_of(excinfo)[1] == "The collection id: nope does not exist"
    assert dump(fake) == before


# -- search sees every change at once --------------------------------------------------------------


def test_search_users_follows_associations(fake: Any, client: ClientFactory) -> None:
    rek = client()
    assert "dave" not in matched(rek, FaceId=fid(30))
    rek.associate_faces(CollectionId="c", UserId="dave", FaceIds=[fid(30)])
    assert matched(rek, FaceId=fid(31)) == {"dave": "ACTIVE"}
    assert "dave" in matched(rek, UserId="alice", UserMatchThreshold=0)
    rek.disassociate_faces(CollectionId="c", UserId="dave", FaceIds=[fid(30)])
    assert matched(rek, FaceId=fid(31)) == {}
    # the fixture's alice, moved through the API
    rek.disassociate_faces(CollectionId="c", UserId="alice", FaceIds=[fid(1), fid(2)])
    rek.associate_faces(CollectionId="c", UserId="bob", FaceIds=[fid(1)], UserMatchThreshold=0)
    found = rek.search_users(CollectionId="c", FaceId=fid(3), UserMatchThreshold=40)
    [match] = found["UserMatches"]
    assert match["User"]["UserId"] == "bob"
    # a user scores the best of its faces': bob now holds alice's fid 1
    assert match["Similarity"] > 99.9

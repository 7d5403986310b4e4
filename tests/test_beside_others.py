"""rekostub beside the other ways of faking AWS: moto's mock_aws and botocore's Stubber."""

from __future__ import annotations

import pytest
from botocore.stub import Stubber
from conftest import ALICE_1, REGION, STAFF, ClientFactory

import rekostub


def test_under_moto_rekostub_answers_rekognition_and_moto_the_rest(
    client: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    moto = pytest.importorskip("moto")
    import boto3

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")  # moto's own advice: fake credentials
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with moto.mock_aws(), rekostub.stub(fixture=STAFF) as fake:
        rekognition = client()
        found = rekognition.search_users(CollectionId="staff", FaceId=ALICE_1)["UserMatches"]
        s3 = boto3.session.Session().client("s3", region_name=REGION)
        s3.create_bucket(Bucket="photos")
        s3.put_object(Bucket="photos", Key="alice.png", Body=rekostub.face_image("alice"))
        listed = [o["Key"] for o in s3.list_objects_v2(Bucket="photos")["Contents"]]
        with pytest.raises(rekostub.NotEmulatedError, match="DetectLabels"):
            rekognition.detect_labels(Image={"Bytes": b"not emulated: refused, not moto's"})
    assert found[0]["User"]["UserId"] == "alice"
    assert listed == ["alice.png"]  # moto answered S3
    assert [c.operation for c in fake.calls] == ["SearchUsers"]  # refused calls get no answer


def test_a_stubber_drives_its_client_while_rekostub_answers_the_others(
    client: ClientFactory,
) -> None:
    scripted, other = client(), client()
    with rekostub.stub(fixture=STAFF) as fake, Stubber(scripted) as stubber:
        stubber.add_response("search_users", {"UserMatches": [], "FaceModelVersion": "6.0"})
        by_stubber = scripted.search_users(CollectionId="staff", FaceId=ALICE_1)
        by_rekostub = other.search_users(CollectionId="staff", FaceId=ALICE_1)
        stubber.assert_no_pending_responses()
    assert by_stubber["FaceModelVersion"] == "6.0"
    assert by_stubber["UserMatches"] == []
    assert by_rekostub["UserMatches"][0]["User"]["UserId"] == "alice"
    assert len(fake.calls) == 1  # the Stubber's call never reached rekostub

"""``S3Object`` images beyond the fixture: moto's in-process S3 and ``fake.s3_images``."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any, Optional

import boto3
import botocore.client
import pytest
from conftest import REGION, STAFF, ClientFactory, error_of

import rekostub

moto = pytest.importorskip("moto")

MISSING_TEXT = (
    "Unable to get object metadata from S3. Check object key, region and/or access permissions."
)
EMPTY: dict[str, Any] = {"collections": {"people": {"users": {"frank": {}}}}}


@pytest.fixture
def moto_s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An S3 client answered by moto's mock_aws (fake credentials, as moto advises)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with moto.mock_aws():
        s3 = boto3.session.Session().client("s3", region_name=REGION)
        s3.create_bucket(Bucket="uploads")
        yield s3
        s3.close()


def test_an_uploaded_photo_is_indexed_and_searched_from_motos_s3(
    moto_s3: Any, client: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    moto_s3.put_object(Bucket="uploads", Key="enrol/frank.png", Body=rekostub.face_image("frank"))
    moto_s3.put_object(Bucket="uploads", Key="door/cam1.png", Body=rekostub.face_image("frank"))
    image = {"S3Object": {"Bucket": "uploads", "Name": "enrol/frank.png"}}
    probe = {"S3Object": {"Bucket": "uploads", "Name": "door/cam1.png"}}
    services: list[str] = []
    make_api_call = botocore.client.BaseClient._make_api_call

    def spy(self: Any, operation_name: str, api_params: Any) -> Any:
        services.append(self.meta.service_model.service_name)
        return make_api_call(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", spy)
    with rekostub.stub(fixture=EMPTY) as fake:
        c = client()
        indexed = c.index_faces(CollectionId="people", Image=image, ExternalImageId="frank")
        (record,) = indexed["FaceRecords"]
        c.associate_faces(CollectionId="people", UserId="frank", FaceIds=[record["Face"]["FaceId"]])
        found = c.search_users_by_image(CollectionId="people", Image=probe)
    assert [m["User"]["UserId"] for m in found["UserMatches"]] == ["frank"]
    assert found["UserMatches"][0]["Similarity"] > 99
    # rekostub read moto's backend directly: no S3 client call was made to fetch the photos
    assert services == ["rekognition"] * 3
    assert [c.operation for c in fake.calls] == [
        "IndexFaces",
        "AssociateFaces",
        "SearchUsersByImage",
    ]


def test_a_version_of_an_object_in_motos_s3(moto_s3: Any, client: ClientFactory) -> None:
    moto_s3.put_bucket_versioning(Bucket="uploads", VersioningConfiguration={"Status": "Enabled"})
    first = moto_s3.put_object(Bucket="uploads", Key="p.png", Body=rekostub.face_image("alice"))
    moto_s3.put_object(Bucket="uploads", Key="p.png", Body=rekostub.face_image("bob", "carol"))
    with rekostub.stub(fixture=STAFF):
        c = client()
        old = c.detect_faces(
            Image={
                "S3Object": {"Bucket": "uploads", "Name": "p.png", "Version": first["VersionId"]}
            }
        )
        new = c.detect_faces(Image={"S3Object": {"Bucket": "uploads", "Name": "p.png"}})
    assert len(old["FaceDetails"]) == 1
    assert len(new["FaceDetails"]) == 2


def test_a_key_missing_from_motos_s3_keeps_awss_text_and_logs_how_to_declare_it(
    moto_s3: Any, client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    with rekostub.stub(fixture=STAFF) as fake:
        c = client()
        with pytest.raises(c.exceptions.InvalidS3ObjectException) as excinfo:
            c.search_users_by_image(
                CollectionId="staff", Image={"S3Object": {"Bucket": "uploads", "Name": "nope.png"}}
            )
    assert error_of(excinfo) == ("InvalidS3ObjectException", MISSING_TEXT)
    hint = fake.calls[-1].error.hint  # type: ignore[union-attr]
    assert hint is not None
    assert "s3://uploads/nope.png" in hint
    assert "mock_aws is active but its S3 has no such object" in hint
    assert "fake.s3_images" in hint
    assert '"s3://uploads/nope.png": {"file"' in hint
    assert any(
        r.name == "rekostub" and "s3://uploads/nope.png" in r.message for r in caplog.records
    )


def test_without_mock_aws_an_undeclared_key_is_missing(client: ClientFactory) -> None:
    with rekostub.stub(fixture=STAFF) as fake:
        c = client()
        with pytest.raises(c.exceptions.InvalidS3ObjectException):
            c.detect_faces(Image={"S3Object": {"Bucket": "uploads", "Name": "a.png"}})
    hint = fake.calls[-1].error.hint  # type: ignore[union-attr]
    assert hint is not None
    assert "moto's mock_aws is not active" in hint


def test_moto_stopped_means_its_objects_are_gone_for_rekostub(
    client: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    mock = moto.mock_aws()
    mock.start()
    try:  # stopped whatever happens: a mock left on would answer every later test's clients
        s3 = boto3.session.Session().client("s3", region_name=REGION)
        s3.create_bucket(Bucket="uploads")
        s3.put_object(Bucket="uploads", Key="a.png", Body=rekostub.face_image("alice"))
        s3.close()
    finally:
        mock.stop()
    with rekostub.stub(fixture=STAFF):
        c = client()
        with pytest.raises(c.exceptions.InvalidS3ObjectException):
            c.detect_faces(Image={"S3Object": {"Bucket": "uploads", "Name": "a.png"}})


def test_the_resolver_hook_serves_objects_and_none_means_missing(client: ClientFactory) -> None:
    photos = {("media", "alice.png", None): rekostub.face_image("alice")}
    asked: list[tuple[str, str, Optional[str]]] = []

    def resolver(bucket: str, key: str, version: Optional[str]) -> Optional[bytes]:
        asked.append((bucket, key, version))
        return photos.get((bucket, key, version))

    with rekostub.stub(fixture=STAFF) as fake:
        fake.s3_images = resolver
        c = client()
        found = c.search_users_by_image(
            CollectionId="staff", Image={"S3Object": {"Bucket": "media", "Name": "alice.png"}}
        )
        with pytest.raises(c.exceptions.InvalidS3ObjectException):
            c.detect_faces(
                Image={"S3Object": {"Bucket": "media", "Name": "alice.png", "Version": "v2"}}
            )
    assert found["UserMatches"][0]["User"]["UserId"] == "alice"
    assert asked == [("media", "alice.png", None), ("media", "alice.png", "v2")]


def test_the_fixture_wins_over_the_hook_and_the_hook_over_moto(
    moto_s3: Any, client: ClientFactory
) -> None:
    moto_s3.put_object(Bucket="uploads", Key="x.png", Body=rekostub.face_image("carol"))
    fixture = {**STAFF, "images": {"s3://uploads/declared.png": {"faces": ["alice"]}}}
    with rekostub.stub(fixture=fixture) as fake:
        fake.s3_images = lambda b, k, v: rekostub.face_image("bob") if k == "x.png" else None
        c = client()

        def who(key: str) -> list[str]:
            found = c.search_users_by_image(
                CollectionId="staff", Image={"S3Object": {"Bucket": "uploads", "Name": key}}
            )
            return [m["User"]["UserId"] for m in found["UserMatches"]]

        assert who("declared.png") == ["alice"]
        assert who("x.png") == ["bob"]
        fake.s3_images = None
        assert who("x.png") == ["carol"]  # now moto's object


def test_hook_answers_are_checked_like_bytes(client: ClientFactory) -> None:
    with rekostub.stub(fixture=STAFF) as fake:
        c = client()
        fake.s3_images = lambda b, k, v: b"not an image"
        with pytest.raises(c.exceptions.InvalidImageFormatException):
            c.detect_faces(Image={"S3Object": {"Bucket": "bkt", "Name": "k"}})
        fake.s3_images = lambda b, k, v: b"\xff\xd8" + bytes(16 * 1024 * 1024)
        with pytest.raises(c.exceptions.ImageTooLargeException):
            c.detect_faces(Image={"S3Object": {"Bucket": "bkt", "Name": "k"}})
        fake.s3_images = lambda b, k, v: "a str"  # type: ignore[assignment,return-value]
        with pytest.raises(rekostub.RekostubError, match="must return the object's bytes"):
            c.detect_faces(Image={"S3Object": {"Bucket": "bkt", "Name": "k"}})


def test_s3_images_takes_a_callable_or_none() -> None:
    fake = rekostub.FakeRekognition()
    assert fake.s3_images is None
    with pytest.raises(TypeError, match="callable"):
        fake.s3_images = b"bytes"  # type: ignore[assignment]


def test_the_hint_goes_to_the_rekostub_logger_at_warning(
    client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="rekostub")
    with rekostub.stub(fixture=STAFF):
        c = client()
        with pytest.raises(c.exceptions.InvalidS3ObjectException):
            c.detect_faces(Image={"S3Object": {"Bucket": "bkt", "Name": "k"}})
    (record,) = [r for r in caplog.records if r.name == "rekostub"]
    assert record.levelno == logging.WARNING
    assert "DetectFaces answered InvalidS3ObjectException" in record.getMessage()


def test_motos_bucket_is_found_without_its_owner_index(
    moto_s3: Any, client: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Older moto versions keep no (partition, account) index of buckets: every backend is
    searched instead."""
    import moto.s3.models

    moto_s3.put_object(Bucket="uploads", Key="a.png", Body=rekostub.face_image("alice"))
    # Restored before moto_s3's mock_aws ends and resets its backends: restored after, moto's
    # real index would keep "uploads" and every later test creating it would fail.
    with monkeypatch.context() as patch, rekostub.stub(fixture=STAFF):
        patch.setattr(moto.s3.models.s3_backends, "bucket_accounts", {}, raising=False)
        found = client().search_users_by_image(
            CollectionId="staff", Image={"S3Object": {"Bucket": "uploads", "Name": "a.png"}}
        )
    assert found["UserMatches"][0]["User"]["UserId"] == "alice"

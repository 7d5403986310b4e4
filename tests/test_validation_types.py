"""The validation walker (rekostub._validation.request) on JSON values of the wrong type: a
SerializationException in the words of AWS's JSON deserializer, raised before any constraint."""

from __future__ import annotations

from typing import Any

import pytest
from _validation_support import b64, op, unreadable

from rekostub._validation.request import validate_request

# --------------------------------------------------------------------------- wrong JSON types


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"CollectionId": 5},
            "class com.amazon.coral.value.json.numbers.TruncatingBigNumber "
            "can not be converted to an String",
        ),
        ({"CollectionId": True}, "class java.lang.Boolean can not be converted to an String"),
        ({"CollectionId": ["c"]}, "Start of list found where not expected"),
        ({"CollectionId": {"c": 1}}, "Start of structure or map found where not expected."),
        (
            {"CollectionId": "c", "MaxUsers": "5"},
            "class java.lang.String can not be converted to an Integer",
        ),
        (
            {"CollectionId": "c", "MaxUsers": True},
            "class java.lang.Boolean can not be converted to an Integer",
        ),
        (
            {"CollectionId": "c", "MaxUsers": 1.5},
            "class java.math.BigDecimal can not be converted to an Integer",
        ),
        (
            {"CollectionId": "c", "UserMatchThreshold": "80"},
            "class java.lang.String can not be converted to an Float",
        ),
        (
            {"CollectionId": "c", "UserMatchThreshold": False},
            "class java.lang.Boolean can not be converted to an Float",
        ),
    ],
)
def test_wrong_json_type_is_a_serialization_exception(body: Any, message: str) -> None:
    assert unreadable("SearchUsers", body) == message


def test_wrong_json_type_for_containers_and_blobs() -> None:
    image = {"Bytes": b64(b"x")}
    assert unreadable("IndexFaces", {"CollectionId": "c", "Image": "x"}) == "Expected null"
    assert unreadable("IndexFaces", {"CollectionId": "c", "Image": [image]}) == (
        "Start of list found where not expected"
    )
    body: dict[str, Any] = {"CollectionId": "c", "Image": image, "DetectionAttributes": "ALL"}
    assert unreadable("IndexFaces", body) == "Expected list or null"
    body = {"CollectionId": "c", "Image": image, "DetectionAttributes": {"a": "ALL"}}
    assert unreadable("IndexFaces", body) == "Start of structure or map found where not expected."
    assert unreadable("CreateCollection", {"CollectionId": "c", "Tags": "a=b"}) == (
        "Expected map or null"
    )
    assert unreadable("CreateCollection", {"CollectionId": "c", "Tags": {"a": 1}}) == (
        "class com.amazon.coral.value.json.numbers.TruncatingBigNumber "
        "can not be converted to an String"
    )
    assert unreadable("SearchFacesByImage", {"CollectionId": "c", "Image": {"Bytes": 7}}) == (
        "class com.amazon.coral.value.json.numbers.TruncatingBigNumber "
        "can not be converted to a Blob"
    )
    body = {"CollectionId": "c", "Image": image, "DetectionAttributes": ["ALL", 3]}
    assert unreadable("IndexFaces", body) == (
        "class com.amazon.coral.value.json.numbers.TruncatingBigNumber "
        "can not be converted to an String"
    )


def test_boolean_members() -> None:
    arn = "arn:aws:rekognition:us-east-1:123456789012:project/p/dataset/train/1"
    body: dict[str, Any] = {"DatasetArn": arn, "Labeled": True, "HasErrors": False}
    assert validate_request(op("ListDatasetEntries"), body) is body
    body = {"DatasetArn": arn, "Labeled": "true"}
    assert unreadable("ListDatasetEntries", body) == "'TRUE' can not be converted to an Boolean"
    body = {"DatasetArn": arn, "HasErrors": 0}
    assert unreadable("ListDatasetEntries", body) == (
        "class com.amazon.coral.value.json.numbers.TruncatingBigNumber "
        "can not be converted to an Boolean"
    )


def test_type_errors_win_over_constraint_errors() -> None:
    body = {"CollectionId": "bad id", "MaxUsers": "5"}
    assert unreadable("SearchUsers", body) == (
        "class java.lang.String can not be converted to an Integer"
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            "abc",
            "'abc' can not be converted to a Blob: "
            "Base64 encoded length is expected a multiple of 4 bytes but found: 3",
        ),
        ("ab!d", "'ab!d' can not be converted to a Blob: Invalid Base64 character: '!'"),
        ("ab=c", "'ab=c' can not be converted to a Blob: Invalid Base64 character: '='"),
        (
            "YR==",
            "'YR==' can not be converted to a Blob: "
            "Invalid last non-pad Base64 character dectected",
        ),
        ("aGk=ab==", "'aGk=ab==' can not be converted to a Blob: Invalid Base64 character: '='"),
    ],
)
def test_unparseable_base64(data: str, message: str) -> None:
    assert unreadable("SearchFacesByImage", {"CollectionId": "c", "Image": {"Bytes": data}}) == (
        message
    )


def test_body_not_an_object() -> None:
    assert unreadable("SearchUsers", ["c"]) == "Start of list found where not expected"
    assert unreadable("SearchUsers", "c") == "Expected null"
    assert unreadable("SearchUsers", 5) == "Expected null"


def test_integral_float_for_an_integer_is_taken_as_the_integer() -> None:
    out = validate_request(op("SearchUsers"), {"CollectionId": "c", "MaxUsers": 5.0})
    assert out["MaxUsers"] == 5
    assert type(out["MaxUsers"]) is int

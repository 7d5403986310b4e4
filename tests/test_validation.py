"""The model-driven validation walker (rekostub._validation), on botocore's real Rekognition model
and on a small synthetic model for the types Rekognition's inputs do not use."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import warnings
from typing import Any, Optional

import botocore.session
import pytest
from botocore.model import OperationModel, ServiceModel, Shape
from botocore.serialize import create_serializer
from botocore.validate import ParamValidator

from rekostub._errors import ServiceError
from rekostub._validation import compile_java_pattern, shape_problems, validate_request

MODEL: ServiceModel = botocore.session.get_session().get_service_model("rekognition")

FACE = "11111111-2222-4333-8444-555555555555"
FACE_RE = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
COLLECTION_RE = r"[a-zA-Z0-9_.\-]+"
USER_RE = r"[a-zA-Z0-9_.\-:]+"
QUALITY = "[NONE, AUTO, LOW, MEDIUM, HIGH]"
ATTRIBUTES = (
    "[DEFAULT, ALL, AGE_RANGE, BEARD, EMOTIONS, EYE_DIRECTION, EYEGLASSES, EYES_OPEN, GENDER, "
    "MOUTH_OPEN, MUSTACHE, FACE_OCCLUDED, SMILE, SUNGLASSES]"
)
TAG_KEY_RE = r"^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]*$"
TAG_VALUE_RE = r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$"


def op(name: str) -> OperationModel:
    return MODEL.operation_model(name)


def error(operation: str, body: Any) -> ServiceError:
    with pytest.raises(ServiceError) as info:
        validate_request(op(operation), body)
    return info.value


def invalid(operation: str, body: Any) -> str:
    """The ValidationException message for ``body``."""
    exc = error(operation, body)
    assert exc.code == "ValidationException", exc.message
    assert exc.status == 400
    return exc.message


def unreadable(operation: str, body: Any) -> str:
    """The SerializationException message for ``body``."""
    exc = error(operation, body)
    assert exc.code == "SerializationException", exc.message
    assert exc.status == 400
    return exc.message


def one(item: str) -> str:
    return f"1 validation error detected: {item}"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# --------------------------------------------------------------------------- each violation


def test_string_too_long() -> None:
    assert invalid("SearchUsers", {"CollectionId": "c" * 256}) == one(
        f"Value '{'c' * 256}' at 'collectionId' failed to satisfy constraint: "
        "Member must have length less than or equal to 255"
    )


def test_empty_string_fails_length_then_pattern() -> None:
    assert invalid("SearchUsers", {"CollectionId": ""}) == (
        "2 validation errors detected: "
        "Value '' at 'collectionId' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1; "
        "Value '' at 'collectionId' failed to satisfy constraint: "
        f"Member must satisfy regular expression pattern: {COLLECTION_RE}"
    )


def test_string_length_counts_characters_not_bytes() -> None:
    # 128 two-byte characters are within UserId's 128 (and fail only its ASCII pattern).
    message = invalid("SearchUsers", {"CollectionId": "c", "UserId": "é" * 128})
    assert message == one(
        f"Value '{'é' * 128}' at 'userId' failed to satisfy constraint: "
        f"Member must satisfy regular expression pattern: {USER_RE}"
    )


def test_integer_bounds() -> None:
    assert invalid("SearchUsers", {"CollectionId": "c", "MaxUsers": 600}) == one(
        "Value '600' at 'maxUsers' failed to satisfy constraint: "
        "Member must have value less than or equal to 500"
    )
    assert invalid("SearchUsers", {"CollectionId": "c", "MaxUsers": 0}) == one(
        "Value '0' at 'maxUsers' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1"
    )


def test_float_bounds_print_the_model_bound_and_a_java_float() -> None:
    assert invalid("SearchUsers", {"CollectionId": "c", "UserMatchThreshold": 101.5}) == one(
        "Value '101.5' at 'userMatchThreshold' failed to satisfy constraint: "
        "Member must have value less than or equal to 100"
    )
    # A JSON 101 for a float shape is the Java Float 101.0.
    assert invalid("SearchUsers", {"CollectionId": "c", "UserMatchThreshold": 101}) == one(
        "Value '101.0' at 'userMatchThreshold' failed to satisfy constraint: "
        "Member must have value less than or equal to 100"
    )
    assert invalid("SearchUsers", {"CollectionId": "c", "UserMatchThreshold": -0.5}) == one(
        "Value '-0.5' at 'userMatchThreshold' failed to satisfy constraint: "
        "Member must have value greater than or equal to 0"
    )


def test_bounds_are_inclusive() -> None:
    body = {"CollectionId": "c" * 255, "UserMatchThreshold": 100, "MaxUsers": 500}
    assert validate_request(op("SearchUsers"), body) is body
    body = {"CollectionId": "c", "UserMatchThreshold": 0.0, "MaxUsers": 1}
    assert validate_request(op("SearchUsers"), body) is body


def test_pattern_must_match_the_whole_value() -> None:
    assert invalid("SearchUsers", {"CollectionId": "c", "UserId": "alice bob"}) == one(
        "Value 'alice bob' at 'userId' failed to satisfy constraint: "
        f"Member must satisfy regular expression pattern: {USER_RE}"
    )
    # A prefix that matches is not enough, nor is a trailing newline.
    for bad in ("alice!", "alice\n", "!alice"):
        assert "regular expression pattern" in invalid(
            "SearchUsers", {"CollectionId": "c", "UserId": bad}
        )
    assert validate_request(op("SearchUsers"), {"CollectionId": "c", "UserId": "a.b-c_d:e"})


def test_enum() -> None:
    body = {"CollectionId": "c", "Image": {"Bytes": b64(b"x")}, "QualityFilter": "auto"}
    assert invalid("IndexFaces", body) == one(
        "Value 'auto' at 'qualityFilter' failed to satisfy constraint: "
        f"Member must satisfy enum value set: {QUALITY}"
    )


def test_missing_required_member_is_null() -> None:
    assert invalid("SearchUsers", {}) == one(
        "Value null at 'collectionId' failed to satisfy constraint: Member must not be null"
    )
    # JSON null is the same as absent.
    assert invalid("SearchUsers", {"CollectionId": None}) == one(
        "Value null at 'collectionId' failed to satisfy constraint: Member must not be null"
    )


def test_missing_required_nested_member() -> None:
    assert invalid("IndexFaces", {"CollectionId": "c"}) == one(
        "Value null at 'image' failed to satisfy constraint: Member must not be null"
    )
    # Image's own members are all optional: an empty Image passes the model's checks.
    assert validate_request(op("IndexFaces"), {"CollectionId": "c", "Image": {}})
    body = {"Settings": {"ChallengePreferences": [{"Type": "FaceMovementChallenge"}, {}]}}
    assert invalid("CreateFaceLivenessSession", body) == one(
        "Value null at 'settings.challengePreferences.2.member.type' failed to satisfy "
        "constraint: Member must not be null"
    )


def test_several_violations_count_and_model_order() -> None:
    body = {
        "MaxUsers": 600,
        "UserMatchThreshold": 101.5,
        "UserId": "alice bob",
        "CollectionId": "c" * 256,
    }
    assert invalid("SearchUsers", body) == (
        "4 validation errors detected: "
        f"Value '{'c' * 256}' at 'collectionId' failed to satisfy constraint: "
        "Member must have length less than or equal to 255; "
        "Value 'alice bob' at 'userId' failed to satisfy constraint: "
        f"Member must satisfy regular expression pattern: {USER_RE}; "
        "Value '101.5' at 'userMatchThreshold' failed to satisfy constraint: "
        "Member must have value less than or equal to 100; "
        "Value '600' at 'maxUsers' failed to satisfy constraint: "
        "Member must have value less than or equal to 500"
    )


def test_depth_first_order() -> None:
    body = {
        "Image": {"Bytes": ""},
        "CollectionId": "bad id",
        "QualityFilter": "BEST",
        "DetectionAttributes": ["SMILE", "SMIRK"],
        "MaxFaces": 0,
    }
    assert invalid("IndexFaces", body) == (
        "5 validation errors detected: "
        "Value 'bad id' at 'collectionId' failed to satisfy constraint: "
        f"Member must satisfy regular expression pattern: {COLLECTION_RE}; "
        "Value 'java.nio.HeapByteBuffer[pos=0 lim=0 cap=0]' at 'image.bytes' failed to satisfy "
        "constraint: Member must have length greater than or equal to 1; "
        "Value '[SMILE, SMIRK]' at 'detectionAttributes' failed to satisfy constraint: "
        f"Member must satisfy constraint: [Member must satisfy enum value set: {ATTRIBUTES}]; "
        "Value '0' at 'maxFaces' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1; "
        "Value 'BEST' at 'qualityFilter' failed to satisfy constraint: "
        f"Member must satisfy enum value set: {QUALITY}"
    )


# --------------------------------------------------------------------------- lists, maps, blobs


def test_list_of_scalars_reports_once_at_the_list_with_all_item_constraints() -> None:
    body = {"CollectionId": "c", "FaceIds": ["xyz", FACE, "ABC"]}
    assert invalid("DeleteFaces", body) == one(
        f"Value '[xyz, {FACE}, ABC]' at 'faceIds' failed to satisfy constraint: "
        f"Member must satisfy constraint: [Member must satisfy regular expression pattern: "
        f"{FACE_RE}]"
    )
    body = {"ProjectNames": ["ok", "not ok"]}
    assert invalid("DescribeProjects", body) == one(
        "Value '[ok, not ok]' at 'projectNames' failed to satisfy constraint: "
        "Member must satisfy constraint: [Member must have length less than or equal to 255, "
        "Member must have length greater than or equal to 1, "
        f"Member must satisfy regular expression pattern: {COLLECTION_RE}]"
    )


def test_null_item_in_a_list_of_scalars() -> None:
    body = {"CollectionId": "c", "FaceIds": [FACE, None]}
    assert invalid("DeleteFaces", body) == one(
        f"Value '[{FACE}, null]' at 'faceIds' failed to satisfy constraint: "
        f"Member must satisfy constraint: [Member must satisfy regular expression pattern: "
        f"{FACE_RE}, Member must not be null]"
    )


def test_list_length() -> None:
    assert invalid("DeleteFaces", {"CollectionId": "c", "FaceIds": []}) == one(
        "Value '[]' at 'faceIds' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1"
    )
    faces = [FACE] * 4097
    assert invalid("DeleteFaces", {"CollectionId": "c", "FaceIds": faces}) == one(
        f"Value '[{', '.join(faces)}]' at 'faceIds' failed to satisfy constraint: "
        "Member must have length less than or equal to 4096"
    )
    body = {"CollectionId": "c", "FaceIds": [FACE] * 4096}
    assert validate_request(op("DeleteFaces"), body) is body


def test_list_of_enums() -> None:
    body = {"CollectionId": "c", "Image": {"Bytes": b64(b"x")}, "DetectionAttributes": ["FOO"]}
    assert invalid("IndexFaces", body) == one(
        "Value '[FOO]' at 'detectionAttributes' failed to satisfy constraint: "
        f"Member must satisfy constraint: [Member must satisfy enum value set: {ATTRIBUTES}]"
    )


def test_structure_inside_a_list_is_at_index_member() -> None:
    body = {"Datasets": [{"Arn": "nope"}]}
    pattern = MODEL.shape_for("DatasetArn").metadata["pattern"]
    assert invalid("DistributeDatasetEntries", body) == (
        # A structure inside a value is printed as Java's toString of the shape's class.
        "3 validation errors detected: "
        "Value '[DistributeDataset(arn=nope)]' at 'datasets' failed to satisfy constraint: "
        "Member must have length greater than or equal to 2; "
        "Value 'nope' at 'datasets.1.member.arn' failed to satisfy constraint: "
        "Member must have length greater than or equal to 20; "
        "Value 'nope' at 'datasets.1.member.arn' failed to satisfy constraint: "
        f"Member must satisfy regular expression pattern: {pattern}"
    )


def test_map_keys_then_values_each_reported_once() -> None:
    body = {"CollectionId": "c", "Tags": {"aws:a": "x", "ok": "v" * 257, "aws:b": "y"}}
    shown = f"{{aws:a=x, ok={'v' * 257}, aws:b=y}}"
    assert invalid("CreateCollection", body) == (
        "2 validation errors detected: "
        f"Value '{shown}' at 'tags' failed to satisfy constraint: Map keys must satisfy "
        "constraint: [Member must have length less than or equal to 128, "
        "Member must have length greater than or equal to 1, "
        f"Member must satisfy regular expression pattern: {TAG_KEY_RE}]; "
        f"Value '{shown}' at 'tags' failed to satisfy constraint: Map value must satisfy "
        "constraint: [Member must have length less than or equal to 256, "
        "Member must have length greater than or equal to 0, "
        f"Member must satisfy regular expression pattern: {TAG_VALUE_RE}]"
    )


def test_map_size() -> None:
    tags = {f"k{i}": "v" for i in range(201)}
    message = invalid("CreateCollection", {"CollectionId": "c", "Tags": tags})
    assert message.startswith("1 validation error detected: Value '{k0=v, k1=v, ")
    assert message.endswith(
        "k200=v}' at 'tags' failed to satisfy constraint: "
        "Member must have length less than or equal to 200"
    )


def test_unicode_property_classes_in_patterns() -> None:
    tags = {"héllo wörld 123": "Ünïcødé\u00a0ok", "日本": "٣"}
    body = {"CollectionId": "c", "Tags": tags}
    assert validate_request(op("CreateCollection"), body) is body
    for bad_key in ("a!b", "tab\tkey", "aws:x"):
        message = invalid("CreateCollection", {"CollectionId": "c", "Tags": {bad_key: "v"}})
        assert "Map keys must satisfy constraint" in message


def test_empty_image_bytes_min_length() -> None:
    body = {"CollectionId": "c", "Image": {"Bytes": ""}}
    assert invalid("SearchFacesByImage", body) == one(
        "Value 'java.nio.HeapByteBuffer[pos=0 lim=0 cap=0]' at 'image.bytes' "
        "failed to satisfy constraint: Member must have length greater than or equal to 1"
    )


def test_image_bytes_max_length() -> None:
    size = 5242880
    body = {"CollectionId": "c", "Image": {"Bytes": b64(b"\xff" * (size + 1))}}
    assert invalid("SearchFacesByImage", body) == one(
        f"Value 'java.nio.HeapByteBuffer[pos=0 lim={size + 1} cap={size + 1}]' at "
        "'image.bytes' failed to satisfy constraint: "
        "Member must have length less than or equal to 5242880"
    )
    body = {"CollectionId": "c", "Image": {"Bytes": b64(b"\xff" * size)}}
    assert validate_request(op("SearchFacesByImage"), body)["Image"]["Bytes"] == b"\xff" * size


def test_blob_is_decoded_and_the_body_copied_only_then() -> None:
    image = {"Bytes": b64(b"\x89PNG data")}
    body = {"CollectionId": "c", "Image": image, "Unknown": {"kept": True}}
    out = validate_request(op("SearchFacesByImage"), body)
    assert out == {
        "CollectionId": "c",
        "Image": {"Bytes": b"\x89PNG data"},
        "Unknown": {"kept": True},
    }
    assert out is not body
    assert body["Image"] is image
    assert image["Bytes"] == b64(b"\x89PNG data")  # the input is not modified
    s3 = {"CollectionId": "c", "Image": {"S3Object": {"Bucket": "bucket", "Name": "k"}}}
    assert validate_request(op("SearchFacesByImage"), s3) is s3


def test_unknown_members_are_ignored() -> None:
    body = {"CollectionId": "c", "Bogus": 5, "collectionId": [1, 2]}
    assert validate_request(op("SearchUsers"), body) is body


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


# --------------------------------------------------------------------------- synthetic model

SYNTHETIC: dict[str, Any] = {
    "metadata": {
        "apiVersion": "2020-01-01",
        "endpointPrefix": "synthetic",
        "jsonVersion": "1.1",
        "protocol": "json",
        "serviceId": "Synthetic",
        "signatureVersion": "v4",
        "targetPrefix": "Synthetic",
    },
    "operations": {
        "Do": {
            "name": "Do",
            "http": {"method": "POST", "requestUri": "/"},
            "input": {"shape": "DoRequest"},
        }
    },
    "shapes": {
        "DoRequest": {
            "type": "structure",
            "members": {
                "When": {"shape": "Stamp"},
                "Stamps": {"shape": "StampList"},
                "Doc": {"shape": "Doc"},
                "Big": {"shape": "Big"},
                "Ratio": {"shape": "Ratio"},
                "Flag": {"shape": "Flag"},
                "Groups": {"shape": "GroupMap"},
                "Grid": {"shape": "Grid"},
                "Node": {"shape": "Node"},
                "Blobs": {"shape": "BlobList"},
            },
        },
        "Stamp": {"type": "timestamp"},
        "StampList": {"type": "list", "member": {"shape": "Stamp"}},
        "Doc": {"type": "structure", "members": {}, "document": True},
        "Big": {"type": "long", "min": 1, "max": 10000000000},
        "Ratio": {"type": "double", "min": 0.0, "max": 1.0},
        "Flag": {"type": "boolean"},
        "GroupMap": {"type": "map", "key": {"shape": "Name"}, "value": {"shape": "Group"}},
        "Name": {"type": "string", "min": 1, "max": 5},
        "Group": {"type": "structure", "required": ["Id"], "members": {"Id": {"shape": "Name"}}},
        "Grid": {"type": "list", "member": {"shape": "Row"}},
        "Row": {"type": "list", "member": {"shape": "Name"}, "max": 2},
        "Node": {
            "type": "structure",
            "members": {"Label": {"shape": "Name"}, "Child": {"shape": "Node"}},
        },
        "BlobList": {"type": "list", "member": {"shape": "Blob"}},
        "Blob": {"type": "blob", "max": 2},
    },
}
SYNTH = ServiceModel(SYNTHETIC, service_name="synthetic").operation_model("Do")


def synth_invalid(body: Any) -> str:
    with pytest.raises(ServiceError) as info:
        validate_request(SYNTH, body)
    assert info.value.code == "ValidationException", info.value.message
    return info.value.message


def test_timestamps_become_aware_datetimes() -> None:
    out = validate_request(SYNTH, {"When": 1700000000.5, "Stamps": [0, "2024-01-02T03:04:05Z"]})
    utc = dt.timezone.utc
    assert out["When"] == dt.datetime(2023, 11, 14, 22, 13, 20, 500000, tzinfo=utc)
    assert out["Stamps"] == [
        dt.datetime(1970, 1, 1, tzinfo=utc),
        dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=utc),
    ]
    with pytest.raises(ServiceError) as info:
        validate_request(SYNTH, {"When": True})
    assert info.value.code == "SerializationException"
    assert info.value.message == "class java.lang.Boolean can not be converted to an Date"


def test_document_accepts_anything() -> None:
    for doc in ({"a": [1, {"b": None}]}, [1, 2], "text", 3.5, True):
        body = {"Doc": doc}
        assert validate_request(SYNTH, body) is body


def test_long_and_double() -> None:
    assert validate_request(SYNTH, {"Big": 10000000000, "Ratio": 1})["Big"] == 10000000000
    assert synth_invalid({"Big": 10000000001, "Ratio": 1.5}) == (
        "2 validation errors detected: "
        "Value '10000000001' at 'big' failed to satisfy constraint: "
        "Member must have value less than or equal to 10000000000; "
        "Value '1.5' at 'ratio' failed to satisfy constraint: "
        "Member must have value less than or equal to 1.0"
    )
    assert synth_invalid({"Ratio": -12345678.0}) == one(
        "Value '-1.2345678E7' at 'ratio' failed to satisfy constraint: "
        "Member must have value greater than or equal to 0.0"
    )
    with pytest.raises(ServiceError) as info:
        validate_request(SYNTH, {"Flag": "yes"})
    assert info.value.message == "'YES' can not be converted to an Boolean"
    with pytest.raises(ServiceError) as info:
        validate_request(SYNTH, {"Flag": 1})
    assert info.value.message == (
        "class com.amazon.coral.value.json.numbers.TruncatingBigNumber "
        "can not be converted to an Boolean"
    )


def test_map_of_structures_and_list_of_lists() -> None:
    body = {"Groups": {"toolong": {"Id": "a"}, "g": {}}, "Grid": [["a"], ["a", "b", "c"]]}
    assert synth_invalid(body) == (
        "3 validation errors detected: "
        "Value '{toolong=Group(id=a), g=Group()}' at 'groups' failed to satisfy constraint: "
        "Map keys must satisfy constraint: [Member must have length less than or equal to 5, "
        "Member must have length greater than or equal to 1]; "
        "Value null at 'groups.g.member.id' failed to satisfy constraint: "
        "Member must not be null; "
        "Value '[a, b, c]' at 'grid.2.member' failed to satisfy constraint: "
        "Member must have length less than or equal to 2"
    )


def test_recursive_structure() -> None:
    body = {"Node": {"Label": "a", "Child": {"Child": {"Label": "toolong"}}}}
    assert synth_invalid(body) == one(
        "Value 'toolong' at 'node.child.child.label' failed to satisfy constraint: "
        "Member must have length less than or equal to 5"
    )


def test_list_of_blobs_is_decoded() -> None:
    out = validate_request(SYNTH, {"Blobs": [b64(b"ab"), b64(b"")]})
    assert out["Blobs"] == [b"ab", b""]
    assert synth_invalid({"Blobs": [b64(b"abc")]}) == one(
        "Value '[java.nio.HeapByteBuffer[pos=0 lim=3 cap=3]]' at 'blobs' failed to satisfy "
        "constraint: Member must satisfy constraint: "
        "[Member must have length less than or equal to 2]"
    )


# --------------------------------------------------------------------------- shape_problems


def test_shape_problems_on_an_output_shape() -> None:
    output = op("DetectLabels").output_shape
    scripted = {
        "Labels": [
            {"Name": "Cat", "Confidence": "abc"},
            {"Name": 5, "Confidence": 101.5},
            {"Name": "Dog", "Confidence": 99.5, "Parents": "Animal"},
        ],
        "LabelModelVersion": "3.0",
    }
    assert shape_problems(output, scripted) == [
        "Value 'abc' at 'labels.1.member.confidence' is not a number",
        "Value '5' at 'labels.2.member.name' is not a string",
        "Value '101.5' at 'labels.2.member.confidence' failed to satisfy constraint: "
        "Member must have value less than or equal to 100",
        "Value 'Animal' at 'labels.3.member.parents' is not a list",
    ]
    good = {"Labels": [{"Name": "Cat", "Confidence": 99.1}], "LabelModelVersion": "3.0"}
    assert shape_problems(output, good) == []


def test_shape_problems_python_forms() -> None:
    image = MODEL.shape_for("Image")
    assert shape_problems(image, {"Bytes": b"\xff\xd8"}) == []
    assert shape_problems(image, {"Bytes": b""}) == [
        "Value 'java.nio.HeapByteBuffer[pos=0 lim=0 cap=0]' at 'bytes' failed to satisfy "
        "constraint: Member must have length greater than or equal to 1"
    ]
    assert shape_problems(image, {"Bytes": "/9j/"}, "image") == [
        "Value '/9j/' at 'image.bytes' is not bytes"
    ]
    assert shape_problems(image, "x") == ["Value 'x' is not a structure"]
    collection = op("DescribeCollection").output_shape
    when = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    assert shape_problems(collection, {"CreationTimestamp": when, "FaceCount": 3}) == []
    assert shape_problems(collection, {"CreationTimestamp": 1700000000}) == []
    assert shape_problems(collection, {"CreationTimestamp": "yesterday", "FaceCount": 1.5}) == [
        "Value '1.5' at 'faceCount' is not an integer",
        "Value 'yesterday' at 'creationTimestamp' is not a timestamp (a datetime or epoch seconds)",
    ]


def test_shape_problems_same_violation_texts_as_requests() -> None:
    shape = op("SearchUsers").input_shape
    assert shape_problems(shape, {"CollectionId": "a b", "MaxUsers": 501}) == [
        "Value 'a b' at 'collectionId' failed to satisfy constraint: "
        f"Member must satisfy regular expression pattern: {COLLECTION_RE}",
        "Value '501' at 'maxUsers' failed to satisfy constraint: "
        "Member must have value less than or equal to 500",
    ]
    assert shape_problems(shape, {}) == [
        "Value null at 'collectionId' failed to satisfy constraint: Member must not be null"
    ]


# --------------------------------------------------------------------------- the whole model

CANDIDATES = [
    "a",
    "abc",
    "a-1",
    "1",
    "1.0.0",
    FACE,
    "arn:aws:rekognition:us-east-1:123456789012:project/p/1",
    "arn:aws:rekognition:us-east-1:123456789012:project/p/version/v/1",
    "arn:aws:rekognition:us-east-1:123456789012:project/p/dataset/train/1",
    "arn:aws:kinesisvideo:us-east-1:123456789012:stream/s/1",
    "arn:aws:kinesis:us-east-1:123456789012:stream/s",
    "arn:aws:iam::123456789012:role/r",
    "arn:aws:sns:us-east-1:123456789012:topic",
    "arn:aws:rekognition:us-east-1:123456789012:collection/c" + "x" * 20,
]


def sample_string(shape: Shape) -> Optional[str]:
    metadata = shape.metadata
    if metadata.get("enum"):
        return str(metadata["enum"][0])
    least = max(int(metadata.get("min", 1)), 1)
    for candidate in [*CANDIDATES, "a" * least]:
        if not shape_problems(shape, candidate):
            return candidate
    return None


def sample(shape: Shape, missing: list[str]) -> Any:
    """The smallest valid Python-form value: required members only, minimal lists."""
    metadata = shape.metadata
    kind = shape.type_name
    if kind == "structure":
        required = metadata.get("required", [])
        return {n: sample(m, missing) for n, m in shape.members.items() if n in required}
    if kind == "list":
        return [sample(shape.member, missing) for _ in range(int(metadata.get("min", 0)))]
    if kind == "map":
        return {}
    if kind == "string":
        value = sample_string(shape)
        if value is None:
            missing.append(shape.name)
        return value
    if kind in ("integer", "long"):
        return int(metadata.get("min", 1))
    if kind in ("float", "double"):
        return float(metadata.get("min", 0.5))
    if kind == "boolean":
        return True
    if kind == "blob":
        return b"x" * max(int(metadata.get("min", 1)), 1)
    if kind == "timestamp":
        return dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    raise AssertionError(f"unexpected shape type {kind}")


def test_the_model_has_75_operations() -> None:
    assert len(MODEL.operation_names) == 75


@pytest.mark.parametrize("name", MODEL.operation_names)
def test_minimal_valid_request_passes_for_every_operation(name: str) -> None:
    operation = op(name)
    missing: list[str] = []
    params = sample(operation.input_shape, missing)
    assert not missing, f"no sample value for {missing}"
    # botocore's own client-side validator accepts it too...
    report = ParamValidator().validate(params, operation.input_shape)
    assert not report.has_errors(), report.generate_report()
    # ...and what botocore puts on the wire validates and comes back in Python form.
    request = create_serializer("json", include_validation=False).serialize_to_request(
        params, operation
    )
    body = json.loads(request["body"] or b"{}")
    assert validate_request(operation, body) == params
    assert shape_problems(operation.input_shape, params) == []


def test_what_botocore_rejects_client_side_the_fake_rejects_too() -> None:
    operation = op("SearchUsers")
    for params in ({}, {"CollectionId": ""}, {"CollectionId": "c", "MaxUsers": 0}):
        assert ParamValidator().validate(params, operation.input_shape).has_errors()
        with pytest.raises(ServiceError):
            validate_request(operation, params)


def all_patterns() -> set[str]:
    patterns = set()
    for name in MODEL.shape_names:
        pattern = MODEL.shape_for(name).metadata.get("pattern")
        if pattern:
            patterns.add(pattern)
    return patterns


def test_every_pattern_in_the_model_compiles() -> None:
    patterns = all_patterns()
    assert TAG_KEY_RE in patterns
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for pattern in patterns:
            assert isinstance(compile_java_pattern(pattern), re.Pattern), pattern


def test_java_pattern_translation() -> None:
    letters = compile_java_pattern(r"\p{L}+")
    assert letters.fullmatch("héλ日")
    assert not letters.fullmatch("a1")
    not_letters = compile_java_pattern(r"[\P{L}]+")
    assert not_letters.fullmatch("12 !")
    assert not not_letters.fullmatch("1a")
    assert compile_java_pattern(r"\p{Lu}\p{IsLl}").fullmatch("Ab")
    assert compile_java_pattern(r"\p{Alpha}+").fullmatch("abZ")
    assert not compile_java_pattern(r"\p{Alpha}+").fullmatch("é")
    # Java's \d \w \s are ASCII; '.' stops at every Java line terminator.
    assert not compile_java_pattern(r"\d+").fullmatch("٣")
    assert not compile_java_pattern(".+").fullmatch("a\rb")
    assert not compile_java_pattern(".+").fullmatch("a\u2028b")
    assert compile_java_pattern(r"\Qa.b\E").fullmatch("a.b")
    assert not compile_java_pattern(r"\Qa.b\E").fullmatch("axb")
    assert compile_java_pattern(r"\x{1F600}").fullmatch("\U0001f600")
    with pytest.raises(ValueError, match="intersection"):
        compile_java_pattern("[a-z&&[^b]]")
    with pytest.raises(ValueError, match="unsupported"):
        compile_java_pattern(r"\p{IsLatin}")

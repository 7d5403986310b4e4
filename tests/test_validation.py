"""The model-driven validation walker (rekostub._validation) on botocore's real Rekognition model:
each constraint violation, with its wording and order, and lists, maps and blobs. Wrong JSON types,
the synthetic model, ``shape_problems`` and the whole model are in the other ``test_validation_*``
files; their shared helpers in ``_validation_support``."""

from __future__ import annotations

from _validation_support import (
    ATTRIBUTES,
    COLLECTION_RE,
    FACE,
    FACE_RE,
    MODEL,
    QUALITY,
    TAG_KEY_RE,
    TAG_VALUE_RE,
    USER_RE,
    b64,
    invalid,
    one,
    op,
)

from rekostub._validation.request import validate_request

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
    # a structure inside a list (a model shape every supported botocore has)
    arn = "arn:aws:rekognition:us-east-1:123456789012:project/p/dataset/train/1"
    body = {"Datasets": [{"Arn": arn}, {}]}
    assert invalid("DistributeDatasetEntries", body) == one(
        "Value null at 'datasets.2.member.arn' failed to satisfy constraint: "
        "Member must not be null"
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

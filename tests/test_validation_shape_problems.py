"""``shape_problems`` (rekostub._validation): the same walk on values already in Python form,
returning violation and plain type texts instead of raising."""

from __future__ import annotations

import datetime as dt

from _validation_support import COLLECTION_RE, MODEL, op

from rekostub._validation.request import shape_problems

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

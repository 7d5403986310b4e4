"""The validation walker (rekostub._validation.request) on a small synthetic model, for the types
Rekognition's inputs do not use: timestamps, documents, long and double, maps of structures, lists
of lists, recursive structures and lists of blobs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from _validation_support import b64, one
from botocore.model import ServiceModel

from rekostub._common.errors import ServiceError
from rekostub._validation.request import validate_request

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

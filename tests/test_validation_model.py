"""The validation walker (rekostub._validation) over botocore's whole Rekognition model: a minimal
valid request for every operation passes, what botocore rejects is rejected, and every pattern of
the model compiles from Java's regex dialect."""

from __future__ import annotations

import datetime as dt
import json
import re
import warnings
from typing import Any, Optional

import pytest
from _validation_support import FACE, MODEL, TAG_KEY_RE, op
from botocore.model import Shape
from botocore.serialize import create_serializer
from botocore.validate import ParamValidator

from rekostub._common.errors import ServiceError
from rekostub._validation.request import compile_java_pattern, shape_problems, validate_request

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

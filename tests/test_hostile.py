"""Hostile requests (issue 13): what reached the caller as a Python exception now gets the
service's answer, through real boto3 clients.

Each case edits the request botocore built just before it is signed (a ``before-sign`` handler),
so the body or target is exactly what a client that skips botocore's serializer could send.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any, Callable

import botocore.serialize
import pytest
from botocore.exceptions import ClientError
from conftest import ALICE_1, ALICE_2, STAFF, STRANGER, ClientFactory, error_of

import rekostub
from rekostub._common.names import service_model
from rekostub._operations.registry import OPERATIONS
from rekostub._validation.patterns import LINEAR_FORMS, compile_java_pattern

IMAGE = rekostub.face_image("alice")

#: A valid request for every emulated operation, against STAFF.
VALID: dict[str, dict[str, Any]] = {
    "AssociateFaces": {"CollectionId": "staff", "UserId": "dave", "FaceIds": [STRANGER]},
    "CompareFaces": {"SourceImage": {"Bytes": IMAGE}, "TargetImage": {"Bytes": IMAGE}},
    "CreateCollection": {"CollectionId": "new"},
    "CreateUser": {"CollectionId": "staff", "UserId": "erin"},
    "DeleteCollection": {"CollectionId": "staff"},
    "DeleteFaces": {"CollectionId": "staff", "FaceIds": [STRANGER]},
    "DeleteUser": {"CollectionId": "staff", "UserId": "dave"},
    "DescribeCollection": {"CollectionId": "staff"},
    "DetectFaces": {"Image": {"Bytes": IMAGE}},
    "DisassociateFaces": {"CollectionId": "staff", "UserId": "alice", "FaceIds": [ALICE_2]},
    "IndexFaces": {"CollectionId": "staff", "Image": {"Bytes": IMAGE}},
    "ListCollections": {},
    "ListFaces": {"CollectionId": "staff"},
    "ListUsers": {"CollectionId": "staff"},
    "SearchFaces": {"CollectionId": "staff", "FaceId": ALICE_1},
    "SearchFacesByImage": {"CollectionId": "staff", "Image": {"Bytes": IMAGE}},
    "SearchUsers": {"CollectionId": "staff", "UserId": "alice"},
    "SearchUsersByImage": {"CollectionId": "staff", "Image": {"Bytes": IMAGE}},
}


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


def _optional_members() -> Iterator[tuple[str, str]]:
    model = service_model()
    for operation in sorted(OPERATIONS):
        shape = model.operation_model(operation).input_shape
        required = set(shape.required_members)
        for member in shape.members:
            if member not in required:
                yield operation, member


def rewrite(client: Any, edit: Callable[[Any], None]) -> None:
    """Run ``edit(request)`` on every request ``client`` builds, just before it is signed."""

    def handler(request: Any, **_: Any) -> None:
        edit(request)

    client.meta.events.register("before-sign.rekognition", handler)


def set_body(client: Any, change: Callable[[dict[str, Any]], Any]) -> None:
    """Replace each request's JSON body by ``change(body)`` (bytes: sent as they are)."""

    def edit(request: Any) -> None:
        new = change(json.loads(request.data or b"{}"))
        request.data = new if isinstance(new, bytes) else json.dumps(new).encode()

    rewrite(client, edit)


# -- item 2: JSON null, deep nesting, unknown targets ----------------------------------------


def test_every_emulated_operation_has_a_valid_request_here() -> None:
    assert set(VALID) == set(OPERATIONS)


def _outcome(c: Any, operation: str, params: dict[str, Any]) -> tuple[Any, Any]:
    """(the call the fake logged, the error code or None) of one call against STAFF."""
    with rekostub.stub(fixture=STAFF) as fake:
        try:
            getattr(c, _snake(operation))(**params)
        except ClientError as exc:
            return fake.calls[0], exc.response["Error"]["Code"]
    return fake.calls[0], None


@pytest.mark.parametrize(("operation", "member"), list(_optional_members()))
def test_null_for_an_optional_member_is_an_absent_member(
    client: ClientFactory, operation: str, member: str
) -> None:
    """``"MaxUsers": null`` raised TypeError; now the operation never sees the member."""
    params = {k: v for k, v in VALID[operation].items() if k != member}
    plain = client(parameter_validation=False)
    nulled = client(parameter_validation=False)
    set_body(nulled, lambda body: {**body, member: None})
    call, code = _outcome(nulled, operation, params)
    assert member not in call.params
    assert code == _outcome(plain, operation, params)[1]


@pytest.mark.parametrize("depth", [101, 1_000, 100_000])
def test_a_body_nested_deeper_than_100_levels_is_a_serialization_exception(
    client: ClientFactory, depth: int
) -> None:
    """The whole body nests ``depth`` deep: the object, then ``depth - 1`` lists."""
    c = client()
    inner = depth - 1
    set_body(
        c, lambda _: b'{"CollectionId": "staff", "Extra": ' + b"[" * inner + b"]" * inner + b"}"
    )
    with rekostub.stub(fixture=STAFF), pytest.raises(ClientError) as exc:
        c.describe_collection(CollectionId="staff")
    code, message = error_of(exc)
    assert code == "SerializationException"
    assert f"{depth} deep" in message


def test_a_body_nested_100_deep_is_answered(client: ClientFactory) -> None:
    c = client()
    set_body(c, lambda _: b'{"CollectionId": "staff", "Extra": ' + b"[" * 99 + b"]" * 99 + b"}")
    with rekostub.stub(fixture=STAFF):
        assert c.describe_collection(CollectionId="staff")["UserCount"] == 4


def test_brackets_inside_strings_do_not_count_as_nesting(client: ClientFactory) -> None:
    c = client()
    set_body(c, lambda body: {**body, "Unknown": '\\"[' * 5_000})
    with rekostub.stub(fixture=STAFF):
        assert c.describe_collection(CollectionId="staff")["UserCount"] == 4


@pytest.mark.parametrize("target", ["RekognitionService.NoSuchThing", "RekognitionService."])
def test_an_unknown_operation_is_unknown_operation_exception(
    client: ClientFactory, target: str
) -> None:
    c = client()

    def edit(request: Any) -> None:
        request.headers["X-Amz-Target"] = target

    rewrite(c, edit)
    with rekostub.stub(fixture=STAFF), pytest.raises(ClientError) as exc:
        c.list_collections()
    code, message = error_of(exc)
    assert code == "UnknownOperationException"
    assert target in message


# -- item 7: non-finite numbers ---------------------------------------------------------------


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_threshold_as_botocore_sends_it_is_out_of_range(
    client: ClientFactory, value: float
) -> None:
    """botocore writes NaN/Infinity as the strings "NaN"/"Infinity"/"-Infinity" (older
    botocore, before its JSON serializer's ``_handle_float``, wrote bare tokens: those are not
    JSON, so they are a SerializationException, as the bare-token test below shows)."""
    c = client(parameter_validation=False)
    with rekostub.stub(fixture=STAFF) as fake, pytest.raises(ClientError) as exc:
        c.search_users(CollectionId="staff", UserId="alice", UserMatchThreshold=value)
    code, message = error_of(exc)
    if not hasattr(botocore.serialize.JSONSerializer, "_handle_float"):
        assert code == "SerializationException"  # refused by the wire, before the fake
        assert len(fake.calls) == 0
        return
    assert code == "ValidationException"
    assert fake.calls[0].error is not None
    shown = {math.inf: "Infinity", -math.inf: "-Infinity"}.get(value, "NaN")
    assert f"Value '{shown}' at 'userMatchThreshold' failed to satisfy constraint" in message
    if value != value:  # NaN is in no range: both bounds are reported
        assert "less than or equal to 100" in message
        assert "greater than or equal to 0" in message


@pytest.mark.parametrize("token", [b"NaN", b"Infinity", b"-Infinity"])
def test_a_bare_nan_token_is_not_json(client: ClientFactory, token: bytes) -> None:
    c = client()
    set_body(
        c,
        lambda _: (
            b'{"CollectionId": "staff", "UserId": "alice", "UserMatchThreshold": ' + token + b"}"
        ),
    )
    with rekostub.stub(fixture=STAFF), pytest.raises(ClientError) as exc:
        c.search_users(CollectionId="staff", UserId="alice")
    code, message = error_of(exc)
    assert code == "SerializationException"
    assert token.decode().lstrip("-") in message


def test_a_nan_string_for_an_integer_member_is_a_serialization_exception(
    client: ClientFactory,
) -> None:
    c = client()
    set_body(c, lambda body: {**body, "MaxUsers": "NaN"})
    with rekostub.stub(fixture=STAFF), pytest.raises(ClientError) as exc:
        c.search_users(CollectionId="staff", UserId="alice")
    assert error_of(exc)[0] == "SerializationException"


# -- item 6: patterns in linear time ----------------------------------------------------------

_ALPHABET = [
    *"a1Z_-:. \t\x0b\x0c\n\r\x85\u2028\u2029é",
    "arn:aws:sns:",
    "123456789012",
]


@pytest.mark.parametrize("source", sorted(LINEAR_FORMS))
def test_each_linear_form_decides_exactly_what_its_pattern_does(source: str) -> None:
    hypothesis = pytest.importorskip("hypothesis")
    st = pytest.importorskip("hypothesis.strategies")
    compiled = compile_java_pattern(source)
    linear = LINEAR_FORMS[source]

    @hypothesis.settings(max_examples=3_000, database=None, derandomize=True, deadline=None)
    @hypothesis.given(st.lists(st.sampled_from(_ALPHABET), max_size=10).map("".join))
    def same(value: str) -> None:
        assert linear(value) == (compiled.fullmatch(value) is not None)

    same()


def test_each_linear_form_is_a_pattern_of_the_model() -> None:
    model = service_model()
    patterns = {model.shape_for(n).metadata.get("pattern") for n in model.shape_names}
    assert set(LINEAR_FORMS) <= patterns


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("arn:aws:sns:us-east-1:123456789012:topic", True),
        ("arn:aws:sns:" + ":aaaaaaaaaaaa:" * 20_000 + "\n", False),
        ("arn:aws:sns:" + ":aaaaaaaaaaaa:" * 20_000 + "x", True),
    ],
)
def test_a_262k_character_topic_arn_is_checked(value: str, valid: bool) -> None:
    """The pattern that took 21 s at this size (the value is still checked, not skipped)."""
    from rekostub._validation import shape_problems

    shape = service_model().shape_for("SNSTopicArn")
    problems = shape_problems(shape, value, "snsTopicArn")
    assert (problems == []) is valid


def test_a_long_blank_query_string_fails_its_pattern() -> None:
    from rekostub._validation import shape_problems

    shape = service_model().shape_for("QueryString")
    (problem,) = [p for p in shape_problems(shape, " " * 32_768 + "\n") if "pattern" in p]
    assert problem.endswith("Member must satisfy regular expression pattern: .*\\S.*")

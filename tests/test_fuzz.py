"""A model-driven fuzz (issue 13): requests generated from botocore's input shapes for every
Rekognition operation, sent by a real boto3 client with parameter validation off, whose endpoint
is a loopback listener counting connections.

Asserted for every request: the only exception is botocore's ``ClientError`` (or, for an
operation rekostub does not emulate, its documented ``NotEmulatedError``), every error code is
one the service answers, and no connection ever reaches the listener. Examples are bounded and
derandomized, so the run is deterministic and takes a few seconds.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
from typing import Any

import pytest
from botocore.exceptions import ClientError
from conftest import STAFF, ClientFactory, Listener

import rekostub
from rekostub._common.errors import NotEmulatedError
from rekostub._common.names import service_model
from rekostub._operations.registry import OPERATIONS

hypothesis = pytest.importorskip("hypothesis")
st = pytest.importorskip("hypothesis.strategies")

MODEL = service_model()
OPERATION_NAMES = sorted(MODEL.operation_names)
#: Every code the service may answer: the model's error shapes and the protocol's own.
AWS_CODES = {
    shape.name for name in OPERATION_NAMES for shape in MODEL.operation_model(name).error_shapes
} | {"ValidationException", "SerializationException", "UnknownOperationException"}
MAX_DEPTH = 4
#: Requests per run; REKOSTUB_FUZZ_EXAMPLES=5000 runs a longer campaign.
EXAMPLES = int(os.environ.get("REKOSTUB_FUZZ_EXAMPLES", "200"))

IMAGES = [rekostub.face_image("alice"), rekostub.face_image("bob", "carol")]
BAD_IMAGES = [
    b"",
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
    b"\xff\xd8\xff" + b"\x00" * 40,
    b"GIF89a",
]
#: Ids of STAFF; and values that exercise the checks: boundaries, line ends, long strings.
STRINGS = ["staff", "alice", "bob", "dave", "a11ce000-0000-4000-8000-000000000001"]
BAD_STRINGS = [
    "",
    " ",
    "x" * 256,
    "\n",
    "arn:aws:sns:us-east-1:123456789012:t",
    "s" * 5_000,
]


def _mostly(usual: Any, rare: Any) -> Any:
    """``usual`` 19 times in 20, else ``rare``."""
    return st.integers(0, 19).flatmap(lambda n: rare if n == 0 else usual)


def _strings(shape: Any) -> Any:
    enum = shape.metadata.get("enum")
    usual = st.sampled_from(enum) if enum else st.sampled_from(STRINGS)
    if shape.name == "CollectionId":
        usual = st.just("staff")
    return _mostly(usual, st.one_of(st.sampled_from(BAD_STRINGS), st.text(max_size=12)))


def _scalar_noise() -> Any:
    """A JSON scalar of any type: botocore passes it on unchanged for most scalar shapes."""
    return st.one_of(st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.text(max_size=4))


def strategy(shape: Any, depth: int = 0) -> Any:
    """Values for ``shape``: mostly well-typed, sometimes out of range or of another type."""
    kind = shape.type_name
    if kind == "structure":
        if depth >= MAX_DEPTH:
            return st.just({})
        members = {name: strategy(member, depth + 1) for name, member in shape.members.items()}
        required = set(shape.required_members)
        return st.fixed_dictionaries(
            {k: v for k, v in members.items() if k in required},
            # an optional member may be sent as JSON null (botocore sends None as null)
            optional={k: st.one_of(v, st.none()) for k, v in members.items() if k not in required},
        )
    if kind == "list":
        if depth >= MAX_DEPTH:
            return st.just([])
        return st.lists(strategy(shape.member, depth + 1), max_size=3)
    if kind == "map":
        if depth >= MAX_DEPTH:
            return st.just({})
        return st.dictionaries(st.text(max_size=6), strategy(shape.value, depth + 1), max_size=2)
    if kind == "string":
        return _mostly(_strings(shape), _scalar_noise())
    if kind in ("integer", "long"):
        return _mostly(st.integers(-5, 5_000), st.one_of(st.integers(), _scalar_noise()))
    if kind in ("float", "double"):
        return _mostly(
            st.floats(-10, 110),
            st.one_of(
                st.sampled_from([math.nan, math.inf, -math.inf]),
                st.floats(),
                st.integers(-(2**70), 2**70),
            ),
        )
    if kind == "boolean":
        return _mostly(st.booleans(), _scalar_noise())
    if kind == "blob":
        return _mostly(
            st.sampled_from(IMAGES), st.one_of(st.sampled_from(BAD_IMAGES), st.binary(max_size=64))
        )
    if kind == "timestamp":
        return st.one_of(
            st.datetimes(min_value=_dt.datetime(1970, 1, 2), max_value=_dt.datetime(2100, 1, 1)),
            st.integers(0, 2**31),
        )
    return st.none()


def requests() -> Any:
    """(operation, params) for any operation of the model."""

    def for_operation(name: str) -> Any:
        shape = MODEL.operation_model(name).input_shape
        params = strategy(shape) if shape is not None else st.just({})
        return st.tuples(st.just(name), params)

    emulated = sorted(OPERATIONS)
    others = [name for name in OPERATION_NAMES if name not in OPERATIONS]
    # Three in four requests go to an emulated operation, where the answers are rekostub's own.
    names = st.one_of(
        st.sampled_from(emulated),
        st.sampled_from(emulated),
        st.sampled_from(emulated),
        st.sampled_from(others),
    )
    return names.flatmap(for_operation)


def _method(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


@pytest.fixture
def escape_client(listener: Listener, client: ClientFactory) -> Any:
    """A client whose requests, were any sent, would reach the listener."""
    return client(
        endpoint_url=listener.url,
        parameter_validation=False,
        retries={"total_max_attempts": 1, "mode": "standard"},
        connect_timeout=1,
        read_timeout=1,
    )


def test_fuzzed_requests_get_aws_answers_and_never_leave(
    escape_client: Any, listener: Listener
) -> None:
    seen: dict[str, int] = {}

    @hypothesis.settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(requests())
    def one(request: tuple[str, dict[str, Any]]) -> None:
        name, params = request
        code: Any = None
        try:
            with rekostub.stub(fixture=STAFF):  # each request meets the same state
                getattr(escape_client, _method(name))(**params)
            outcome = "ok"
        except ClientError as exc:
            code = outcome = exc.response["Error"]["Code"]
        except NotEmulatedError:
            outcome = "not emulated"
        except Exception as exc:
            # botocore's own serializer may refuse a value before anything is sent (a string
            # for a float shape): not rekostub's to answer. Anything raised in rekostub is a bug.
            if _raised_in_rekostub(exc):
                raise
            outcome = f"botocore refused: {type(exc).__name__}"
        seen[outcome] = seen.get(outcome, 0) + 1
        assert code is None or code in AWS_CODES, (name, params, code)
        assert outcome != "not emulated" or name not in OPERATIONS, (name, params)

    one()
    assert listener.connections == 0
    assert sum(seen.values()) >= EXAMPLES
    print(sorted(seen.items()))
    assert {"ok", "ValidationException"} <= set(seen)


def _raised_in_rekostub(exc: BaseException) -> bool:
    """Whether any frame of ``exc``'s traceback is rekostub's own code."""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_globals.get("__name__", "").startswith("rekostub"):
            return True
        tb = tb.tb_next
    return False


def test_non_finite_floats_are_generated() -> None:
    """The float strategy reaches NaN and the infinities (botocore sends them as strings)."""
    found: set[str] = set()

    @hypothesis.settings(max_examples=300, derandomize=True, database=None)
    @hypothesis.given(strategy(MODEL.shape_for("Percent")))
    def collect(value: float) -> None:
        if isinstance(value, float) and not math.isfinite(value):
            found.add(repr(value))

    collect()
    assert found

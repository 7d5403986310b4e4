"""The fake's handle: the object tests hold. Dispatches decoded requests to operations."""

from __future__ import annotations

import collections
import copy
import functools
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Optional, Union, overload

from botocore.model import OperationNotFoundError

import rekostub._operations  # noqa: F401  (registers every emulated operation)
from rekostub._common.errors import NotEmulatedError, RekostubError, ServiceError
from rekostub._common.names import api_name, service_model
from rekostub._engine.state import State
from rekostub._fixtures.load import FixtureSource, load_fixture
from rekostub._images.s3 import S3Resolver
from rekostub._operations.registry import OPERATIONS, RequestContext
from rekostub._service.build import state_from_fixture
from rekostub._service.calls import DEFAULT_CALL_LOG_SIZE, Call, CallLog, ErrorAnswer
from rekostub._service.faults import check_code, fault_exception
from rekostub._service.snapshot import snapshot, write_snapshot
from rekostub._validation.request import shape_problems, validate_request

__all__ = ["FakeRekognition"]

#: Says why an error was answered when AWS's own text does not (e.g. an undeclared S3 key);
#: pytest shows it under "Captured log call" when the test fails.
_log = logging.getLogger("rekostub")

# The texts AWS answers for the errors tests most often inject: the Developer Guide's error
# handling page where it gives one (ImageTooLarge, InternalServerError,
# InvalidPaginationToken, ProvisionedThroughputExceeded, Throttling), else the error shape's
# documentation in botocore's model.
_DEFAULT_MESSAGES = {
    "AccessDeniedException": "You are not authorized to perform the action.",
    "ImageTooLargeException": "Image size is too large.",
    "InternalServerError": "Internal server error",
    "InvalidPaginationTokenException": "Invalid Token",
    "InvalidParameterException": "Request has invalid parameters.",
    "ProvisionedThroughputExceededException": "Provisioned Rate exceeded.",
    "ResourceNotFoundException": "The resource specified in the request cannot be found.",
    "ThrottlingException": "Slow down; sudden increase in rate of requests.",
    "ServiceQuotaExceededException": (
        "The size of the resource exceeds the allowed limit. For more information, see "
        "Guidelines and quotas in Amazon Rekognition."
    ),
}


@functools.cache
def _operation_model(name: str) -> Any:
    """botocore's OperationModel of ``name`` (botocore's own cache costs more per call).

    A name the model lacks is the service's ``UnknownOperationException`` (the wire checks the
    X-Amz-Target first; this covers ``handle`` called directly), not ``OperationNotFoundError``.
    """
    try:
        return service_model().operation_model(name)
    except OperationNotFoundError:
        shown = name if len(name) <= 100 else name[:100] + "..."
        raise ServiceError(
            "UnknownOperationException",
            f"Unknown operation RekognitionService.{shown}: Rekognition has no such operation.",
        ) from None


#: A scripted answer: the response body, or a callable computing it from the request params.
Scripted = Union[dict[str, Any], Callable[[dict[str, Any]], Mapping[str, Any]]]


def _checked_answer(
    operation: str, response: Any, error: Callable[[str], Exception]
) -> dict[str, Any]:
    """``response`` without ResponseMetadata, checked against ``operation``'s output shape;
    ``error(text)`` (listing every problem) is raised when it does not fit."""
    if not isinstance(response, Mapping):
        raise error(
            f"a scripted {operation} answer must be a dict (a mapping), "
            f"not {type(response).__name__}"
        )
    output = service_model().operation_model(operation).output_shape
    body = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    problems = shape_problems(output, body) if output is not None else []
    if problems:
        listed = "\n  ".join(problems)
        raise error(f"that is not a valid {operation} response:\n  {listed}")
    return body


class FakeRekognition:
    """An in-memory Rekognition: collections, users and faces, answering boto3 calls.

    Get one from :func:`rekostub.stub` or the ``fake_rekognition`` pytest fixture; or build one
    directly and pass it to ``stub(fake=...)``.

    ``fake.calls`` keeps the last ``call_log_size`` calls (1,000 by default; None keeps every
    call); ``fake.calls.dropped`` counts the older ones it let go, and ``fake.calls.size`` can
    be changed at any time.
    """

    def __init__(
        self,
        fixture: FixtureSource = None,
        *,
        account_id: Optional[str] = None,
        updating_seconds: Optional[float] = None,
        call_log_size: Optional[int] = DEFAULT_CALL_LOG_SIZE,
    ) -> None:
        self._fixture = load_fixture(fixture)
        self.state: State = state_from_fixture(self._fixture)
        self._overrides = (account_id, updating_seconds)
        self._apply_overrides()
        self.calls: CallLog = CallLog(call_log_size)
        self._faults: dict[str, collections.deque[tuple[str, Optional[str]]]] = {}
        self._scripted: dict[str, collections.deque[Scripted]] = {}
        self._lock = threading.RLock()
        self._advanced = 0.0  # seconds added to time.time() by advance()

    def _apply_overrides(self) -> None:
        account_id, updating_seconds = self._overrides
        if account_id is not None:
            self.state.account_id = account_id
        if updating_seconds is not None:
            self.updating_seconds = updating_seconds

    def load(self, fixture: FixtureSource) -> None:
        """Start over from ``fixture``: its state replaces the whole state, and the call log,
        injected faults and scripted answers are forgotten. A bad fixture raises FixtureError
        and changes nothing. ``account_id``/``updating_seconds`` given to the constructor, the
        clock (:meth:`advance`) and :attr:`s3_images` stay."""
        loaded = load_fixture(fixture)
        state = state_from_fixture(loaded)
        with self._lock:
            resolver = self.s3_images
            self._fixture, self.state = loaded, state
            self._apply_overrides()
            self.s3_images = resolver
            self.calls.reset()
            self._faults.clear()
            self._scripted.clear()

    def reset(self) -> None:
        """Start over from the fixture this fake was built from (or last loaded)."""
        self.load(self._fixture)

    # -- settings ------------------------------------------------------------------------------
    @property
    def account_id(self) -> str:
        """The account in ARNs the fake answers (default ``123456789012``)."""
        return self.state.account_id

    @account_id.setter
    def account_id(self, value: str) -> None:
        self.state.account_id = value

    @property
    def updating_seconds(self) -> float:
        """Seconds a user reads UPDATING after AssociateFaces/DisassociateFaces.

        0 (the default): the response says UPDATING and the user is ACTIVE from the next call.
        """
        return self.state.updating_seconds

    @updating_seconds.setter
    def updating_seconds(self, value: float) -> None:
        if value < 0:
            raise ValueError(f"updating_seconds must be >= 0, not {value!r}")
        self.state.updating_seconds = float(value)

    def advance(self, seconds: float) -> None:
        """Move the fake's clock ``seconds`` forward (users held UPDATING may become ACTIVE).

        The fake's clock is ``time.time()`` plus every ``advance``: a test can move it with
        ``fake.advance(5)`` or with a library that moves ``time.time()`` (time-machine,
        freezegun), and never has to sleep.
        """
        if seconds < 0:
            raise ValueError(
                f"advance() moves the clock forward: seconds must be >= 0, not {seconds!r}"
            )
        with self._lock:
            self._advanced += float(seconds)

    def now(self) -> float:
        """The fake's clock: ``time.time()`` plus every :meth:`advance` so far (seconds)."""
        return time.time() + self._advanced

    @property
    def undescribed_images(self) -> str:
        """What an image no fixture entry and no face code describes shows: ``"no_faces"``
        (the default), ``"derive"`` (one face) or ``"error"`` (see :mod:`rekostub._images.seen`)."""
        return str(self.state.extras.get("undescribed_images", "no_faces"))

    @undescribed_images.setter
    def undescribed_images(self, value: str) -> None:
        if value not in ("no_faces", "error", "derive"):
            raise ValueError(
                f"undescribed_images is 'no_faces', 'error' or 'derive', not {value!r}"
            )
        self.state.extras["undescribed_images"] = value

    @property
    def s3_images(self) -> Optional[S3Resolver]:
        """Where ``S3Object`` images the fixture does not declare come from: a callable
        ``(bucket, key, version) -> bytes | None`` (``version`` None when the request names
        none; None: no such object). Consulted before moto's S3 (read in-process when moto's
        ``mock_aws`` is active). Default None."""
        hook = self.state.extras.get("s3_images")
        return hook if callable(hook) else None

    @s3_images.setter
    def s3_images(self, resolver: Optional[S3Resolver]) -> None:
        if resolver is not None and not callable(resolver):
            raise TypeError(
                "fake.s3_images takes a callable (bucket, key, version) -> bytes | None, "
                f"or None, not {type(resolver).__name__}"
            )
        self.state.extras["s3_images"] = resolver

    # -- fault injection -----------------------------------------------------------------------
    def fail(
        self, operation: str, code: str, times: int = 1, message: Optional[str] = None
    ) -> None:
        """Make the next ``times`` calls of ``operation`` answer the error ``code``.

        ``code`` is an error of that operation in botocore's model or an error common to every
        AWS API (ValueError listing them otherwise), answered with its real HTTP status (500 for
        ``ThrottlingException`` and ``InternalServerError``); or a transport fault
        (``EndpointConnectionError``, ``ConnectTimeoutError``, ``ReadTimeoutError``,
        ``ConnectionClosedError``): botocore raises its own exception, as when a connection
        fails. Either way botocore's retries handle it like a real one.
        """
        name = api_name(operation)
        if times < 1:
            raise ValueError(f"times must be >= 1, not {times!r}")
        check_code(name, code)
        with self._lock:
            queue = self._faults.setdefault(name, collections.deque())
            queue.extend([(code, message)] * times)

    # -- scripted answers and snapshots -------------------------------------------------------
    def add_response(
        self,
        operation: str,
        response: Union[Mapping[str, Any], Callable[[dict[str, Any]], Mapping[str, Any]]],
    ) -> None:
        """Script the answer to an operation rekostub does not emulate (e.g. DetectLabels).

        ``response`` is the answer itself, checked against the operation's output shape now
        (ValueError listing every problem), or a callable that computes it from the request's
        parameters (a dict, as ``fake.calls[i].params``: blobs as bytes), checked the same way
        on each call (an invalid answer raises :class:`rekostub.RekostubError` out of the client
        call; an exception the callable raises comes out of the client call as it is). Calls
        take scripted answers oldest first; the last one is repeated for every call after it.
        Requests are still validated against the input shape first.
        """
        name = api_name(operation)
        if name in OPERATIONS:
            raise ValueError(
                f"{name} is emulated by rekostub: set up its answer through the fixture or the "
                f"API, or make it fail with fake.fail({name!r}, code)."
            )
        entry: Scripted = (
            response if callable(response) else _checked_answer(name, response, ValueError)
        )
        with self._lock:
            self._scripted.setdefault(name, collections.deque()).append(entry)

    @overload
    def snapshot(self) -> dict[str, Any]: ...
    @overload
    def snapshot(self, path: Union[str, os.PathLike[str]]) -> Path: ...
    def snapshot(
        self, path: Union[str, os.PathLike[str], None] = None
    ) -> Union[dict[str, Any], Path]:
        """The current state as a fixture: ``FakeRekognition(fake.snapshot())`` (or
        ``stub(fixture=...)``) answers every search exactly as this fake does now.

        Without ``path``: a fixture dict. With ``path``: writes a packed fixture file there
        (opened memory-mapped wherever a fixture path is accepted) and returns its Path.
        """
        with self._lock:
            if path is None:
                return snapshot(self.state)
            return write_snapshot(self.state, path)

    # -- dispatch (called by the hook) ---------------------------------------------------------
    def handle(self, operation: str, body: Mapping[str, Any], region: str) -> dict[str, Any]:
        """Answer one decoded request. Returns the response dict or raises ServiceError.

        Raises NotEmulatedError (and lets any internal error out) for the hook to surface.
        """
        with self._lock:
            params: Mapping[str, Any] = body
            try:
                fault = self._next_fault(operation, region)
                if isinstance(fault, ServiceError):
                    raise fault
                if fault is not None:  # a transport fault: no HTTP answer at all
                    error = ErrorAnswer(type(fault).__name__, str(fault), 0)
                    self.calls._append(Call(operation, params, region, error=error))
                    raise fault
                params = validate_request(_operation_model(operation), body)
                fn = OPERATIONS.get(operation)
                if fn is not None:
                    ctx = RequestContext(operation=operation, region=region, now=self.now())
                    response = fn(self.state, dict(params), ctx)
                else:
                    response = self._next_scripted(operation, copy.deepcopy(dict(params)))
            except ServiceError as exc:
                error = ErrorAnswer(exc.code, exc.message, exc.status, exc.hint)
                if exc.hint is not None:
                    _log.warning("%s answered %s: %s", operation, exc.code, exc.hint)
                self.calls._append(Call(operation, params, region, error=error))
                raise
            self.calls._append(Call(operation, params, region, response=response))
            return response

    def _next_scripted(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        queue = self._scripted.get(operation)
        if not queue:
            raise NotEmulatedError(operation)
        entry = queue.popleft() if len(queue) > 1 else queue[0]
        if not callable(entry):
            return entry
        return _checked_answer(operation, entry(params), RekostubError)

    def _next_fault(self, operation: str, region: str) -> Optional[Exception]:
        queue = self._faults.get(operation)
        if not queue:
            return None
        code, message = queue.popleft()
        default = _DEFAULT_MESSAGES.get(code, f"{code} (injected by rekostub)")
        return fault_exception(operation, code, message, default, region)

"""What ``fake.fail`` may inject, and the exception each injected fault raises.

A code is accepted when the operation can really answer it: an error of that operation in
botocore's service model, or an error common to every AWS API (AWS API references, "Common
Errors"). A transport fault (no HTTP answer at all) raises botocore's own exception from the
send path, where botocore's retry handler sees it as a failed attempt, exactly as if the
connection had failed.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Callable, Optional

from botocore.exceptions import (
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from rekostub._common.errors import ServiceError, error_status
from rekostub._common.names import service_model

__all__ = [
    "COMMON_ERRORS",
    "TRANSPORT_EXCEPTIONS",
    "TRANSPORT_FAULTS",
    "check_code",
    "fault_exception",
]

#: Errors common to every AWS API, with their documented HTTP status ("Common Errors").
COMMON_ERRORS: Mapping[str, int] = {
    "AccessDeniedException": 400,
    "ExpiredTokenException": 403,
    "IncompleteSignature": 400,
    "InternalFailure": 500,
    "InvalidAction": 400,
    "InvalidClientTokenId": 403,
    "MalformedHttpRequestException": 400,
    "MissingAuthenticationToken": 403,
    "NotAuthorized": 400,
    "OptInRequired": 403,
    "RequestAbortedException": 400,
    "RequestEntityTooLargeException": 413,
    "RequestExpired": 400,
    "RequestTimeoutException": 408,
    "ServiceUnavailable": 503,
    "ThrottlingException": 400,
    "UnrecognizedClientException": 403,
    "ValidationError": 400,
    "ValidationException": 400,
}

#: Faults with no HTTP answer: botocore's exceptions for a connection that failed.
TRANSPORT_FAULTS: Mapping[str, Callable[..., Exception]] = {
    "EndpointConnectionError": EndpointConnectionError,
    "ConnectTimeoutError": ConnectTimeoutError,
    "ReadTimeoutError": ReadTimeoutError,
    "ConnectionClosedError": ConnectionClosedError,
}
#: What an injected transport fault raises; over HTTP (``rekostub serve``) the server hangs up.
TRANSPORT_EXCEPTIONS = (
    EndpointConnectionError,
    ConnectTimeoutError,
    ReadTimeoutError,
    ConnectionClosedError,
)


def operation_errors(operation: str) -> list[str]:
    """The error codes botocore's model lists for ``operation``."""
    return [shape.name for shape in service_model().operation_model(operation).error_shapes]


def check_code(operation: str, code: str) -> None:
    """ValueError, listing what is allowed, unless ``operation`` can answer ``code``."""
    own = operation_errors(operation)
    if code in own or code in COMMON_ERRORS or code in TRANSPORT_FAULTS:
        return
    allowed = [*own, *sorted(set(COMMON_ERRORS) - set(own)), *TRANSPORT_FAULTS]
    close = difflib.get_close_matches(code, allowed, n=1)
    hint = f"Did you mean {close[0]!r}? " if close else ""
    raise ValueError(
        f"{operation} cannot answer {code!r}. {hint}Allowed: the errors of {operation} "
        f"({', '.join(own)}); errors common to every AWS API "
        f"({', '.join(sorted(set(COMMON_ERRORS) - set(own)))}); "
        f"transport faults ({', '.join(TRANSPORT_FAULTS)})."
    )


def fault_exception(
    operation: str, code: str, message: Optional[str], default: str, region: str
) -> Exception:
    """The exception that answers a call with the injected fault ``code``."""
    transport = TRANSPORT_FAULTS.get(code)
    if transport is not None:
        return transport(endpoint_url=f"https://rekognition.{region}.amazonaws.com/")
    text = message if message is not None else default
    if code in operation_errors(operation):
        return ServiceError(code, text)
    return ServiceError(code, text, status=COMMON_ERRORS.get(code, error_status(code)))

"""ClientRequestToken replay for the user operations (CreateUser, DeleteUser, AssociateFaces,
DisassociateFaces).

Rules (docs/behaviour.md, users and associations):

* The key is ``(operation, ClientRequestToken)``, kept in ``state.idempotency``.
* Same token and the same other parameters: the first response again; the operation does not
  run, so nothing changes (a replayed CreateUser does not raise ConflictException).
* Same token and other parameters: ``IdempotentParameterMismatchException``.
* Parameters are compared exactly as received: an omitted member differs from one sent with
  its default value, and FaceIds in another order are other parameters.
* Only successful answers are stored. An error answer leaves no trace, so a retry with the
  same token runs the operation again (after the cause is fixed it can succeed), and a call
  with the same token and other parameters after an error is not a mismatch.
* botocore fills in a fresh token for every call that gives none, so ordinary calls never
  collide. A request without a token (a caller that strips it) is never replayed.
"""

from __future__ import annotations

import functools
from typing import Any

from rekostub._common.errors import ServiceError
from rekostub._engine.state import State
from rekostub._operations.registry import OperationFn, RequestContext

__all__ = ["TOKEN", "idempotent"]

TOKEN = "ClientRequestToken"


def _copy(value: Any) -> Any:
    """A copy of JSON-like data (dicts, lists, scalars): cheaper than ``copy.deepcopy``."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _mismatch(token: str) -> ServiceError:
    return ServiceError(
        "IdempotentParameterMismatchException",
        f"The ClientRequestToken: {token} you have supplied is already in use.",
    )


def idempotent(fn: OperationFn) -> OperationFn:
    """Wrap an operation so its ClientRequestToken replays the first successful answer.

    Put it under ``@operation(...)``: ``@operation("CreateUser")`` then ``@idempotent``.
    """

    @functools.wraps(fn)
    def replaying(state: State, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        token = params.get(TOKEN)
        if token is None:
            return fn(state, params, ctx)
        key = (ctx.operation, token)
        others = {k: _copy(v) for k, v in params.items() if k != TOKEN}
        seen = state.idempotency.get(key)
        if seen is not None:
            first_params, first_response = seen
            if first_params != others:
                raise _mismatch(token)
            replay: dict[str, Any] = _copy(first_response)
            return replay
        response = fn(state, params, ctx)  # a ServiceError propagates: nothing is stored
        state.idempotency[key] = (others, _copy(response))
        return response

    return replaying

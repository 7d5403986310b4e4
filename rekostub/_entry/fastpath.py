"""Client-level speed-ups for a Rekognition client while a stub answers it.

botocore resolves the endpoint ruleset on every call (builtins, context parameters, an event,
the provider): ~10-20 us of a ~150 us call. For a client rekostub answers, the endpoint is never
used (the request is answered at ``before-send`` and pointed at an address that cannot resolve),
so :func:`speed_up` memoises the resolution per client and operation, and only while a stub
covers the client: uncovered, the client resolves exactly as botocore does.

Applied by one line in :func:`rekostub._entry.activation.hook_client`::

    speed_up(client, active_for)
"""

from __future__ import annotations

import inspect
import weakref
from typing import Any, Callable, Optional

__all__ = ["speed_up"]

_ATTRIBUTE = "_resolve_endpoint_ruleset"
_MARK = "__rekostub_fastpath__"


def _memoisable(operation_model: Any) -> bool:
    """True when the operation's endpoint depends on no request parameter (all of
    Rekognition's): then the client's configuration alone decides it."""
    return not (
        getattr(operation_model, "context_parameters", None)
        or getattr(operation_model, "operation_context_parameters", None)
    )


def speed_up(client: Any, covered: Callable[[Any], Optional[object]]) -> None:
    """Memoise ``client``'s endpoint resolution while ``covered(client)`` is truthy (a stub
    answers it). Idempotent; holds the client weakly (no reference cycle)."""
    current = client.__dict__.get(_ATTRIBUTE)
    if getattr(current, _MARK, False):
        return
    resolve = getattr(type(client), _ATTRIBUTE, None)
    if resolve is None or inspect.iscoroutinefunction(resolve):
        return  # a botocore without it, or an async client (aiobotocore): left as it is
    ref = weakref.ref(client)
    memo: dict[tuple[str, bool], tuple[Any, dict[str, Any], dict[str, Any]]] = {}

    def resolve_endpoint_ruleset(
        operation_model: Any,
        params: Any,
        request_context: Any,
        ignore_signing_region: bool = False,
    ) -> tuple[Any, ...]:
        owner = ref()
        if owner is None or not covered(owner) or not _memoisable(operation_model):
            return resolve(owner, operation_model, params, request_context, ignore_signing_region)  # type: ignore[no-any-return]
        key = (operation_model.name, ignore_signing_region)
        hit = memo.get(key)
        if hit is None:
            result = resolve(owner, operation_model, params, request_context, ignore_signing_region)
            if len(result) != 3:
                # An older botocore (1.31, the lowest supported) answers (url, headers) and
                # writes the signing details into request_context: not replayable.
                return tuple(result)
            url, headers, properties = result
            if properties and "authSchemes" in properties:
                # The resolver wrote signing details into request_context: not replayable.
                return url, headers, properties
            hit = memo[key] = (url, dict(headers), dict(properties))
        url, headers, properties = hit
        return url, dict(headers), dict(properties)  # copies: callers may change theirs

    setattr(resolve_endpoint_ruleset, _MARK, True)
    setattr(client, _ATTRIBUTE, resolve_endpoint_ruleset)

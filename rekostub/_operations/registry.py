"""The table of emulated operations: API name -> plain function on the fake's state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from rekostub._engine.state import State

__all__ = ["OPERATIONS", "OperationFn", "RequestContext", "operation"]


@dataclass(frozen=True)
class RequestContext:
    """What an operation may know about the request besides its parameters."""

    operation: str
    region: str
    #: The fake's clock when the request arrived: ``time.time()`` plus ``fake.advance()``
    #: (drives UPDATING -> ACTIVE).
    now: float


Params = dict[str, Any]
OperationFn = Callable[["State", Params, RequestContext], Params]
F = TypeVar("F", bound=OperationFn)

OPERATIONS: dict[str, OperationFn] = {}


def operation(name: str) -> Callable[[F], F]:
    """Register ``fn`` as the emulation of the Rekognition API operation ``name``."""

    def register(fn: F) -> F:
        if name in OPERATIONS:
            raise RuntimeError(f"operation {name} registered twice")
        OPERATIONS[name] = fn
        return fn

    return register

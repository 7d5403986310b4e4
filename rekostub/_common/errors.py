"""Errors: the AWS error answers the fake sends, and rekostub's own exceptions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "FixtureError",
    "NotEmulatedError",
    "RekostubError",
    "ServiceError",
    "error_status",
    "invalid_parameter",
]

# Codes whose real HTTP status is 500; every other Rekognition error is 400
# (docs/behaviour.md, the wire).
_STATUS_500 = frozenset(
    {"InternalServerError", "ThrottlingException", "ServiceUnavailableException"}
)


def error_status(code: str) -> int:
    """The HTTP status Rekognition answers ``code`` with."""
    return 500 if code in _STATUS_500 else 400


class ServiceError(Exception):
    """An error answer, exactly as the service would send it.

    Raised by operations and by validation; the hook turns it into an HTTP answer, and botocore
    turns that into ``ClientError`` (or the modeled ``client.exceptions.<Code>``).
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int | None = None,
        extra: dict[str, Any] | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = error_status(code) if status is None else status
        self.extra = dict(extra or {})
        #: rekostub's own explanation and fix, never sent (AWS's text stays AWS's): it goes to
        #: the call log (``fake.calls[i].error.hint``) and the ``rekostub`` logger.
        self.hint = hint


def invalid_parameter(
    message: str = "Request has invalid parameters.", *, hint: str | None = None
) -> ServiceError:
    """``InvalidParameterException`` with AWS's generic text unless a known one is given."""
    return ServiceError("InvalidParameterException", message, hint=hint)


class RekostubError(Exception):
    """A problem with how rekostub is used (not an AWS answer). Never sent over the wire."""


class FixtureError(RekostubError, ValueError):
    """A fixture could not be loaded. Names the source, the path inside it, and what is wrong.

    A fixture with several problems raises one FixtureError listing them all: ``problems``
    holds one FixtureError per problem (just this one when there is one), each with its own
    ``path`` and ``problem``.
    """

    def __init__(self, problem: str, *, source: str = "<dict>", path: str = "") -> None:
        where = f"{source}: {path}" if path else source
        super().__init__(f"bad rekostub fixture {where}: {problem}")
        self.source: str = source
        self.path: str = path
        self.problem: str = problem
        self.problems: tuple[FixtureError, ...] = (self,)

    @classmethod
    def of(cls, problems: Sequence[FixtureError]) -> FixtureError:
        """One error for every problem found: the problem itself when there is only one."""
        found = [one for error in problems for one in error.problems]
        if len(found) == 1:
            return found[0]
        lines = "".join(f"\n  {p.path or '(the file)'}: {p.problem}" for p in found)
        error = cls(f"{len(found)} problems:{lines}", source=found[0].source)
        error.problems = tuple(found)
        return error


class NotEmulatedError(RekostubError, NotImplementedError):
    """A Rekognition operation rekostub does not emulate was called while rekostub was on."""

    def __init__(self, operation: str) -> None:
        super().__init__(
            f"rekostub does not emulate Rekognition {operation}, so the call was stopped before "
            f"it could reach AWS. Script an answer for it with "
            f"fake.add_response({operation!r}, {{...}}) (validated against {operation}'s output "
            f"shape), or stop rekostub for this client."
        )
        self.operation = operation

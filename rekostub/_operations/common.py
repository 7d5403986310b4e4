"""Pieces several operations share: lookups with AWS's errors, and rendering matches."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from rekostub._common.errors import ServiceError, invalid_parameter
from rekostub._engine.model import Collection, User
from rekostub._engine.users import search_users, search_users_by_user
from rekostub._operations.registry import RequestContext

__all__ = ["Vector", "user_matches", "user_or_not_found", "vector_or_invalid"]

Vector = npt.NDArray[np.float32]


def vector_or_invalid(col: Collection, face_id: str) -> Vector:
    """The face's vector, or AWS's InvalidParameterException for a FaceId not in the
    collection (no Face record is built: searches need only the vector)."""
    try:
        return col.vector(face_id)
    except KeyError:
        raise invalid_parameter("faceId was not found in the collection.") from None


def user_or_not_found(col: Collection, user_id: str) -> User:
    """The user, or the ResourceNotFoundException naming it (Decided text)."""
    user = col.user(user_id)
    if user is None:
        raise ServiceError(
            "ResourceNotFoundException",
            f"The user id: {user_id} does not exist in the collection: {col.collection_id}",
        )
    return user


def user_matches(
    col: Collection,
    query: Vector | None,
    threshold: float,
    limit: int,
    ctx: RequestContext,
    by_user: User | None = None,
) -> list[dict[str, Any]]:
    """UserMatches entries for a query vector (or for a user: ``by_user``), each user scored by
    the maximum over its faces (:mod:`rekostub._engine.users`)."""
    if by_user is not None:
        found = search_users_by_user(col, by_user, threshold=threshold, limit=limit)
    else:
        assert query is not None
        found = search_users(col, query, threshold=threshold, limit=limit)
    return [
        {
            "Similarity": similarity,
            "User": {"UserId": user_id, "UserStatus": _status(col, user_id, ctx)},
        }
        for user_id, similarity in found
    ]


def _status(col: Collection, user_id: str, ctx: RequestContext) -> str:
    return col.user_status(user_id, ctx.now)

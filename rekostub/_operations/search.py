"""SearchUsers: find users close to a face or to another user (each user scored by the best of
its faces, :mod:`rekostub._engine.users`)."""

from __future__ import annotations

from typing import Any

from rekostub._common.errors import invalid_parameter
from rekostub._engine.state import State
from rekostub._operations.common import user_matches, user_or_not_found, vector_or_invalid
from rekostub._operations.registry import RequestContext, operation

__all__ = ["search_users"]


@operation("SearchUsers")
def search_users(state: State, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    face_id = params.get("FaceId")
    user_id = params.get("UserId")
    if (face_id is None) == (user_id is None):
        # The API: "The request must be provided with either FaceId or UserId." (Decided: both
        # or neither is InvalidParameterException with the generic text.)
        raise invalid_parameter()
    col = state.collection(params["CollectionId"], ctx.region)
    threshold = float(params.get("UserMatchThreshold", 80.0))
    limit = int(params.get("MaxUsers", 500))
    response: dict[str, Any] = {}
    if face_id is not None:
        query = vector_or_invalid(col, face_id)
        matches = user_matches(col, query, threshold, limit, ctx)
        response["SearchedFace"] = {"FaceId": face_id}
    else:
        assert user_id is not None  # exactly one of FaceId / UserId was given (checked above)
        user = user_or_not_found(col, user_id)
        # A CREATED user (no faces) matches nobody (Decided).
        matches = user_matches(col, None, threshold, limit, ctx, by_user=user)
        response["SearchedUser"] = {"UserId": user_id}
    return {"UserMatches": matches, "FaceModelVersion": col.face_model_version, **response}

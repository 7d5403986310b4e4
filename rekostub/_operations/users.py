"""CreateUser, DeleteUser, ListUsers: the users of a collection."""

from __future__ import annotations

from typing import Any

from rekostub._common.errors import ServiceError
from rekostub._engine.state import State
from rekostub._operations.common import user_or_not_found
from rekostub._operations.idempotency import idempotent
from rekostub._operations.registry import RequestContext, operation
from rekostub._operations.render import page_limit, resume_after, take_page, token_scope

__all__ = ["create_user", "delete_user", "list_users"]

_TOKEN_KIND = "users"


@operation("CreateUser")
@idempotent
def create_user(state: State, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    col = state.collection(params["CollectionId"], ctx.region)
    user_id = params["UserId"]
    if user_id in col.users:
        # Decided text, in the style of the ResourceNotFoundException for a missing user.
        raise ServiceError(
            "ConflictException",
            f"The user id: {user_id} already exists in the collection: {col.collection_id}",
        )
    col.add_user(user_id)  # no faces: CREATED
    return {}


@operation("DeleteUser")
@idempotent
def delete_user(state: State, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    col = state.collection(params["CollectionId"], ctx.region)
    user = user_or_not_found(col, params["UserId"])
    col.remove_user(user.user_id)  # its faces stay in the collection, unassociated
    return {}


@operation("ListUsers")
def list_users(state: State, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    """Users sorted by their system-generated id (:func:`rekostub._engine.table.user_key`, a
    name-based UUID of the collection and UserId), CREATED ones included, paged like ListFaces."""
    col = state.collection(params["CollectionId"], ctx.region)
    scope = token_scope(col.collection_id)
    after = resume_after(params, _TOKEN_KIND, scope)
    limit = page_limit("ListUsers", params)  # absent: the model's maximum, 500 (Decided)
    resume = None
    if after is not None:
        try:
            resume = bytes.fromhex(after)
        except ValueError:
            raise ServiceError("InvalidPaginationTokenException", "Invalid Token") from None
    walk = ((key.hex(), uid) for key, uid in col.user_ids_after(resume))
    ids, token = take_page(walk, limit, _TOKEN_KIND, scope)
    users = col.users
    response: dict[str, Any] = {
        "Users": [{"UserId": uid, "UserStatus": users[uid].status(ctx.now)} for uid in ids]
    }
    if token is not None:
        response["NextToken"] = token
    return response

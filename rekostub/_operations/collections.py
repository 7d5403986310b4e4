"""Collections: CreateCollection, DescribeCollection, ListCollections, DeleteCollection."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from rekostub._common.errors import ServiceError
from rekostub._engine.model import Collection
from rekostub._engine.state import State
from rekostub._operations.registry import RequestContext, operation
from rekostub._operations.render import page_limit, resume_after, take_page, token_scope

__all__ = [
    "TAGS_KEY",
    "create_collection",
    "delete_collection",
    "describe_collection",
    "list_collections",
]

#: ``state.extras[TAGS_KEY]``: (region, collection id) -> the Tags given to CreateCollection.
TAGS_KEY = "collection_tags"

_FACE_MODEL_VERSION = "7.0"  # what a new collection gets today (docs/behaviour.md)


@operation("CreateCollection")
def create_collection(state: State, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    collection_id = params["CollectionId"]
    if state.find_collection(collection_id, ctx.region) is not None:
        raise ServiceError(
            "ResourceAlreadyExistsException", f"The collection id: {collection_id} already exists."
        )
    state.add_collection(
        Collection(collection_id, face_model_version=_FACE_MODEL_VERSION, region=ctx.region)
    )
    tags = params.get("Tags")
    if tags:
        state.extras.setdefault(TAGS_KEY, {})[(ctx.region, collection_id)] = dict(tags)
    return {
        "StatusCode": 200,
        "CollectionArn": state.collection_arn(collection_id, ctx.region),
        "FaceModelVersion": _FACE_MODEL_VERSION,
    }


@operation("DescribeCollection")
def describe_collection(
    state: State, params: dict[str, Any], ctx: RequestContext
) -> dict[str, Any]:
    col = state.collection(params["CollectionId"], ctx.region)
    return {
        "FaceCount": len(col.faces),
        "UserCount": len(col.users),
        "FaceModelVersion": col.face_model_version,
        # With the ``arn:`` prefix here, unlike CreateCollection's CollectionArn (AWS CLI example).
        "CollectionARN": "arn:" + state.collection_arn(col.collection_id, ctx.region),
        "CreationTimestamp": col.created,
    }


@operation("DeleteCollection")
def delete_collection(state: State, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    collection_id = state.collection(params["CollectionId"], ctx.region).collection_id
    state.remove_collection(collection_id, ctx.region)
    state.extras.get(TAGS_KEY, {}).pop((ctx.region, collection_id), None)
    return {"StatusCode": 200}


_LIST_KIND = "ListCollections"
_LIST_SCOPE = token_scope("collections")


@operation("ListCollections")
def list_collections(state: State, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    after = resume_after(params, _LIST_KIND, _LIST_SCOPE)
    limit = page_limit("ListCollections", params)
    walk = ((_token_key(cid), cid) for cid in _resume(state, ctx.region, after))
    ids, token = take_page(walk, limit, _LIST_KIND, _LIST_SCOPE)
    cols = state.regions.get(ctx.region, {})
    response: dict[str, Any] = {
        "CollectionIds": ids,
        "FaceModelVersions": [cols[i].face_model_version for i in ids],
    }
    if token is not None:
        response["NextToken"] = token
    return response


# A NextToken holds the last id of its page; an id too long for a 255-character token is held
# as its first 100 characters and a hash ('#' is never in an id).
_TOKEN_PREFIX = 100


def _token_key(collection_id: str) -> str:
    if len(collection_id) <= _TOKEN_PREFIX:
        return collection_id
    digest = hashlib.sha256(collection_id.encode()).hexdigest()[:16]
    return f"{collection_id[:_TOKEN_PREFIX]}#{digest}"


def _resume(state: State, region: str, after: str | None) -> Iterator[str]:
    """The region's ids after the token's key (a long id: found again by its hash; if it was
    deleted since, the walk resumes at the first id sharing its prefix: nothing is skipped)."""
    if after is None or "#" not in after:
        return state.collection_ids_after(region, after)
    prefix = after.split("#", 1)[0]
    group = state.collection_ids_after(region, prefix, inclusive=True)
    for cid in group:
        if not cid.startswith(prefix):
            break
        if _token_key(cid) == after:
            return state.collection_ids_after(region, cid)
    return state.collection_ids_after(region, prefix, inclusive=True)

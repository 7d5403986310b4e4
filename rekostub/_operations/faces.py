"""Faces already in a collection: ListFaces, DeleteFaces, SearchFaces."""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterable, Iterator
from typing import Any, Optional

from rekostub._common.names import service_model
from rekostub._engine.model import Collection
from rekostub._engine.state import State
from rekostub._engine.users import search_faces as search_faces_in
from rekostub._operations.common import user_or_not_found, vector_or_invalid
from rekostub._operations.registry import RequestContext, operation
from rekostub._operations.render import (
    face_matches,
    face_record,
    page_limit,
    resume_after,
    take_page,
    token_scope,
)

__all__ = ["delete_faces", "list_faces", "search_faces"]

_LIST_KIND = "ListFaces"


@operation("ListFaces")
def list_faces(state: State, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    col = state.collection(params["CollectionId"], ctx.region)
    scope = token_scope(col.collection_id)
    after = resume_after(params, _LIST_KIND, scope)
    limit = page_limit("ListFaces", params)
    user_id: Optional[str] = params.get("UserId")
    face_ids: Optional[list[str]] = params.get("FaceIds")
    walk: Iterable[tuple[str, str]]
    if user_id is None and face_ids is None:
        # Sorted by FaceId: O(log n) to resume, then the page itself.
        walk = ((face_id, face_id) for face_id in col.face_ids_after(after))
    else:
        walk = _filtered(_selected(col, user_id, face_ids), after)
    ids, token = take_page(walk, limit, _LIST_KIND, scope)
    faces = col.faces
    response: dict[str, Any] = {
        "Faces": [face_record(col, faces[face_id]) for face_id in ids],
        "FaceModelVersion": col.face_model_version,
    }
    if token is not None:
        response["NextToken"] = token
    return response


def _selected(col: Collection, user_id: Optional[str], face_ids: Optional[list[str]]) -> set[str]:
    """The faces the UserId / FaceIds filters keep (both given: the faces both keep)."""
    if user_id is not None:
        # Decided: an unknown UserId is an error, as for SearchUsers and DisassociateFaces.
        user = user_or_not_found(col, user_id)
        chosen = set(user.face_ids)
        if face_ids is not None:
            chosen.intersection_update(face_ids)
        return chosen
    assert face_ids is not None
    return {face_id for face_id in face_ids if face_id in col.faces}  # unknown ids: left out


def _filtered(chosen: set[str], after: Optional[str]) -> Iterator[tuple[str, str]]:
    """``chosen`` (<= 4096 ids, or a user's <= 100) by FaceId, after ``after``."""
    ordered = sorted(chosen)
    start = 0 if after is None else bisect.bisect_right(ordered, after)
    return ((face_id, face_id) for face_id in ordered[start:])


@operation("DeleteFaces")
def delete_faces(state: State, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    col = state.collection(params["CollectionId"], ctx.region)
    deleted: list[str] = []
    unsuccessful: list[dict[str, Any]] = []
    for face_id in dict.fromkeys(params["FaceIds"]):  # a repeated id is answered once
        face = col.faces.get(face_id)
        if face is None:
            unsuccessful.append({"FaceId": face_id, "Reasons": ["FACE_NOT_FOUND"]})
        elif face.user_id is not None:
            unsuccessful.append(
                {
                    "FaceId": face_id,
                    "UserId": face.user_id,
                    "Reasons": ["ASSOCIATED_TO_AN_EXISTING_USER"],
                }
            )
        else:
            deleted.append(face_id)
    for face_id in deleted:  # every check is done: now mutate
        col.remove_face(face_id)
    return {"DeletedFaces": deleted, "UnsuccessfulFaceDeletions": unsuccessful}


@functools.cache
def _max_faces() -> int:
    """SearchFaces' MaxFaces maximum in the model (Decided: the default when absent)."""
    member = service_model().operation_model("SearchFaces").input_shape.members["MaxFaces"]
    return int(member.metadata["max"])


@operation("SearchFaces")
def search_faces(state: State, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    col = state.collection(params["CollectionId"], ctx.region)
    face_id = params["FaceId"]
    query = vector_or_invalid(col, face_id)
    threshold = float(params.get("FaceMatchThreshold", 80.0))
    limit = int(params.get("MaxFaces", _max_faces()))
    found = search_faces_in(col, query, threshold=threshold, limit=limit, exclude=face_id)
    return {
        "SearchedFaceId": face_id,
        "FaceMatches": face_matches(col, found),
        "FaceModelVersion": col.face_model_version,
    }

"""AssociateFaces and DisassociateFaces: put faces on a user and take them off.

Both check the whole request first and then change the collection in one step
(``Collection.associate`` / ``disassociate``: a user is scored by the best of its faces, so
there is no user vector to recompute), so a rejected request leaves everything as it was, and
SearchUsers sees a change at once.

Choices where no public source settles the behaviour (docs/behaviour.md, "Users and
associations" has the rest):

* A FaceId given twice in one request counts once, at its first position: it appears at most
  once in the answer.
* Each face gets one reason, the first that applies: ``FACE_NOT_FOUND``, then (already on this
  user: neither list), ``ASSOCIATED_TO_A_DIFFERENT_USER``, ``LOW_MATCH_CONFIDENCE``, then the
  100-face quota.
* The threshold is checked against the user's similarity (the maximum over its faces) as it
  was before the call; a user with no faces before the call gets no threshold check for any
  face of the call.
* A batch that would take the user past 100 faces associates what fits, in request order;
  the rest are reported with ``LOW_MATCH_CONFIDENCE`` and no ``Confidence`` (the model's enum
  has no quota reason; this is the one that says "this user did not take the face" without
  claiming the face is missing or owned by someone else).
* ``UserStatus`` is ``UPDATING`` when the call changed the user; a call that changed nothing
  answers the user's current status and leaves its UPDATING hold as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rekostub._common.errors import ServiceError
from rekostub._engine.model import Collection, User
from rekostub._engine.state import State
from rekostub._engine.users import user_similarity
from rekostub._operations.common import user_or_not_found
from rekostub._operations.idempotency import idempotent
from rekostub._operations.registry import RequestContext, operation

__all__ = ["MAX_FACES_PER_USER", "associate_faces", "disassociate_faces"]

MAX_FACES_PER_USER = 100
DEFAULT_USER_MATCH_THRESHOLD = 75.0

FACE_NOT_FOUND = "FACE_NOT_FOUND"
ASSOCIATED_TO_A_DIFFERENT_USER = "ASSOCIATED_TO_A_DIFFERENT_USER"
LOW_MATCH_CONFIDENCE = "LOW_MATCH_CONFIDENCE"
#: The reason given to faces beyond the 100-face quota (see the module docstring).
OVER_QUOTA = LOW_MATCH_CONFIDENCE

# AWS's documented text for ServiceQuotaExceededException (API reference, Errors).
_QUOTA_MESSAGE = (
    "The size of the resource exceeds the allowed limit. For more information, see "
    "Guidelines and quotas in Amazon Rekognition."
)


def _distinct(face_ids: list[str]) -> list[str]:
    return list(dict.fromkeys(face_ids))


def _status_after(user: User, changed: bool, ctx: RequestContext) -> str:
    return "UPDATING" if changed else user.status(ctx.now)


def _unsuccessful(face_id: str, reason: str, **extra: Any) -> dict[str, Any]:
    return {"FaceId": face_id, **extra, "Reasons": [reason]}


def _candidates(
    col: Collection, user: User, face_ids: list[str], unsuccessful: list[dict[str, Any]]
) -> Iterator[tuple[str, bool]]:
    """Each distinct face that exists and is on no other user, with whether it is on ``user``.

    Unknown faces and faces of other users go to ``unsuccessful`` with their reasons.
    """
    for face_id in _distinct(face_ids):
        face = col.faces.get(face_id)
        if face is None:
            unsuccessful.append(_unsuccessful(face_id, FACE_NOT_FOUND))
        elif face.user_id is not None and face.user_id != user.user_id:
            unsuccessful.append(
                _unsuccessful(face_id, ASSOCIATED_TO_A_DIFFERENT_USER, UserId=face.user_id)
            )
        else:
            yield face_id, face.user_id == user.user_id


@operation("AssociateFaces")
@idempotent
def associate_faces(state: State, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    col = state.collection(params["CollectionId"], ctx.region)
    user = user_or_not_found(col, params["UserId"])
    if len(user.face_ids) >= MAX_FACES_PER_USER:
        raise ServiceError("ServiceQuotaExceededException", _QUOTA_MESSAGE)
    threshold = float(params.get("UserMatchThreshold", DEFAULT_USER_MATCH_THRESHOLD))
    room = MAX_FACES_PER_USER - len(user.face_ids)

    associated: list[str] = []
    unsuccessful: list[dict[str, Any]] = []
    for face_id, on_user in _candidates(col, user, params["FaceIds"], unsuccessful):
        if on_user:
            continue  # already on this user: in neither list
        else:
            # The user's similarity as before the call (None: no faces yet, no check).
            confidence = user_similarity(col, user, col.vector(face_id))
            if confidence is not None and confidence < threshold:
                unsuccessful.append(
                    _unsuccessful(face_id, LOW_MATCH_CONFIDENCE, Confidence=confidence)
                )
            elif len(associated) >= room:
                unsuccessful.append(_unsuccessful(face_id, OVER_QUOTA))
            else:
                associated.append(face_id)

    # Everything is checked: now change the collection, in one step.
    if associated:
        col.associate(user, associated, updating_until=_hold_until(state, ctx))
    return {
        "AssociatedFaces": [{"FaceId": face_id} for face_id in associated],
        "UnsuccessfulFaceAssociations": unsuccessful,
        "UserStatus": _status_after(user, bool(associated), ctx),
    }


def _hold_until(state: State, ctx: RequestContext) -> float:
    """When a changed user stops reading UPDATING. With no hold (0 s, the default) it is ACTIVE
    from the next call whatever the clock does, even if a test moves time.time() backwards."""
    if state.updating_seconds <= 0:
        return float("-inf")
    return ctx.now + state.updating_seconds


@operation("DisassociateFaces")
@idempotent
def disassociate_faces(state: State, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    col = state.collection(params["CollectionId"], ctx.region)
    user = user_or_not_found(col, params["UserId"])

    removed: list[str] = []
    unsuccessful: list[dict[str, Any]] = []
    for face_id, on_user in _candidates(col, user, params["FaceIds"], unsuccessful):
        if on_user:
            removed.append(face_id)
        # else: a face on no user at all is ignored (in neither list)

    if removed:
        col.disassociate(user, removed, updating_until=_hold_until(state, ctx))
    return {
        "DisassociatedFaces": [{"FaceId": face_id} for face_id in removed],
        "UnsuccessfulFaceDisassociations": unsuccessful,
        "UserStatus": _status_after(user, bool(removed), ctx),
    }

"""SearchUsersByImage and SearchFacesByImage: search a collection with the largest face of an image.

Decided (no public source settles these; docs/behaviour.md lists them):

* ``QualityFilter`` (default NONE) is applied first; the largest face that passes is searched.
  Faces failing the bar are in ``UnsearchedFaces`` with their quality reasons, the other faces
  with ``FACE_NOT_LARGEST``; both in the image's largest-first order.
* The searched face's vector is keyed by the image (SHA-256 and face position), so the same
  image gives the same similarities every time; a stored face of the same identity scores
  >= 99.9, one pinned at S scores about S.
* SearchUsersByImage's ``SearchedFace.FaceDetail`` and ``UnsearchedFaces[].FaceDetails`` carry
  only the BoundingBox, as AWS's example for the operation shows (verified, one example).
* SearchUsersByImage answers ``UnsearchedFaces`` always (``[]`` when there is nothing to
  report); without a usable face: ``UserMatches: []`` and no ``SearchedFace`` (BM).
* SearchFacesByImage without a usable face: InvalidParameterException "There are no faces in
  the image. Should be at least 1." (REAL). ``MaxFaces`` defaults to the model's maximum
  (4096), ``FaceMatchThreshold`` to 80 (inclusive), as SearchFaces.
"""

from __future__ import annotations

from typing import Any

from rekostub._common.names import service_model
from rekostub._engine.state import State
from rekostub._engine.users import search_faces
from rekostub._images.facedetail import box_dict, box_only_detail, face_confidence
from rekostub._images.seen import no_faces_error, see_image, split_largest
from rekostub._operations.common import user_matches
from rekostub._operations.registry import RequestContext, operation
from rekostub._operations.render import face_matches

__all__ = ["search_faces_by_image", "search_users_by_image"]


@operation("SearchUsersByImage")
def search_users_by_image(
    state: State, params: dict[str, Any], ctx: RequestContext
) -> dict[str, Any]:
    col = state.collection(params["CollectionId"], ctx.region)
    image = see_image(state, params["Image"])
    threshold = float(params.get("UserMatchThreshold", 80.0))
    limit = int(params.get("MaxUsers", 500))
    searched, others = split_largest(image, params.get("QualityFilter", "NONE"))
    response: dict[str, Any] = {"UserMatches": [], "FaceModelVersion": col.face_model_version}
    if searched is not None:
        query = image.query_vector(searched)
        response["UserMatches"] = user_matches(col, query, threshold, limit, ctx)
        response["SearchedFace"] = {"FaceDetail": box_only_detail(searched.box)}
    response["UnsearchedFaces"] = [
        {"FaceDetails": box_only_detail(face.box), "Reasons": reasons} for face, reasons in others
    ]
    return response


def _max_faces() -> int:
    member = service_model().operation_model("SearchFacesByImage").input_shape.members["MaxFaces"]
    return int(member.metadata["max"])


@operation("SearchFacesByImage")
def search_faces_by_image(
    state: State, params: dict[str, Any], ctx: RequestContext
) -> dict[str, Any]:
    col = state.collection(params["CollectionId"], ctx.region)
    image = see_image(state, params["Image"])
    threshold = float(params.get("FaceMatchThreshold", 80.0))
    limit = int(params.get("MaxFaces", _max_faces()))
    searched, _ = split_largest(image, params.get("QualityFilter", "NONE"))
    if searched is None:
        raise no_faces_error()
    found = search_faces(col, image.query_vector(searched), threshold=threshold, limit=limit)
    return {
        "SearchedFaceBoundingBox": box_dict(searched.box),
        "SearchedFaceConfidence": face_confidence(searched.seed, searched.box),
        "FaceMatches": face_matches(col, found),
        "FaceModelVersion": col.face_model_version,
    }

"""Response pieces several operations share: Face records, FaceMatches and list pages.

``face_record`` is the ``Face`` shape of ListFaces and of ``FaceMatches[].Face`` (SearchFaces,
SearchFacesByImage): FaceId, BoundingBox, ImageId, ExternalImageId (when set), Confidence,
IndexFacesModelVersion and UserId (when the face is on a user).

``take_page`` cuts one page out of an ordered walk of ``(key, item)`` pairs (see
:mod:`rekostub._engine.paging`), reading at most ``limit + 1`` of them, so a whole walk costs
time linear in the number of items.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
from collections.abc import Iterable, Sequence
from typing import Any, Optional

from rekostub._common.names import service_model
from rekostub._engine.model import Collection, Face
from rekostub._engine.paging import decode_token, encode_token
from rekostub._images.facedetail import box_dict

__all__ = [
    "bounding_box",
    "default_page_size",
    "face_matches",
    "face_record",
    "page_limit",
    "resume_after",
    "take_page",
    "token_scope",
]


@functools.lru_cache(maxsize=65536)
def bounding_box(face_id: str) -> dict[str, float]:
    """A plausible BoundingBox derived from the face id: same id, same box, everywhere.

    Width 0.10-0.40 of the image, height 1.1-1.4 times the width, placed inside the image.
    """
    digest = hashlib.sha256(b"rekostub/bbox/v1\x00" + face_id.encode("utf-8")).digest()
    u = [int.from_bytes(digest[i : i + 4], "big") / 2**32 for i in range(0, 16, 4)]
    width = 0.10 + 0.30 * u[0]
    height = width * (1.1 + 0.3 * u[1])
    left = (1.0 - width) * u[2]
    top = (1.0 - height) * u[3]
    return box_dict((left, top, width, height))


def face_record(col: Collection, face: Face) -> dict[str, Any]:
    """The ``Face`` structure AWS answers for a stored face."""
    box = face.bounding_box if face.bounding_box is not None else bounding_box(face.face_id)
    record: dict[str, Any] = {
        "FaceId": face.face_id,
        "BoundingBox": dict(box),
        "ImageId": face.image_id,
    }
    if face.external_image_id is not None:
        record["ExternalImageId"] = face.external_image_id
    record["Confidence"] = face.confidence
    record["IndexFacesModelVersion"] = col.face_model_version
    if face.user_id is not None:
        record["UserId"] = face.user_id
    return record


def face_matches(col: Collection, found: Iterable[tuple[str, float]]) -> list[dict[str, Any]]:
    """``FaceMatches`` entries for ``(face id, similarity)`` pairs from the face index."""
    faces = col.faces
    return [
        {"Similarity": similarity, "Face": face_record(col, faces[face_id])}
        for face_id, similarity in found
    ]


# -- paging ------------------------------------------------------------------------------------


@functools.cache
def default_page_size(operation: str) -> int:
    """The model's maximum MaxResults for ``operation`` (Decided: the default page size)."""
    member = service_model().operation_model(operation).input_shape.members["MaxResults"]
    return int(member.metadata["max"])


def page_limit(operation: str, params: dict[str, Any]) -> int:
    """MaxResults, or the default page size when it is absent or 0 (Decided: 0 = absent)."""
    given = params.get("MaxResults")
    return int(given) if given else default_page_size(operation)


def token_scope(text: str) -> str:
    """A short fixed-length scope for a token (keeps NextToken well under 255 characters)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def resume_after(params: dict[str, Any], kind: str, scope: str) -> Optional[str]:
    """The key a NextToken resumes after (None: from the start)."""
    token = params.get("NextToken")
    return None if token is None else decode_token(token, kind, scope)


def take_page(
    walk: Iterable[tuple[str, str]], limit: int, kind: str, scope: str
) -> tuple[list[str], Optional[str]]:
    """The first ``limit`` items of a walk of ``(key, item)`` pairs and the NextToken (None on
    the last page), which resumes after the page's last key."""
    items: Sequence[tuple[str, str]] = list(itertools.islice(walk, limit + 1))
    if len(items) <= limit:
        return [item for _, item in items], None
    page = items[:limit]
    return [item for _, item in page], encode_token(kind, scope, page[-1][0])

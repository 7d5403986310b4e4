"""IndexFaces: store the faces an image shows in a collection.

Decided (no public source settles these; docs/behaviour.md lists them):

* Faces are taken largest first. ``QualityFilter`` (default AUTO) removes the faces below its
  bar first (reasons from :func:`rekostub._images.seen.quality_reasons`); of the rest, the
  ``MaxFaces`` largest (at most 100) are indexed and the others are reported with
  ``EXCEEDS_MAX_FACES``. ``UnindexedFaces`` keeps the image's largest-first order.
* No duplicates: indexing the same image (same bytes, or the same S3 object) into the same
  collection with the same ``ExternalImageId`` again stores nothing new for a face already
  stored from it, and answers that face's record again (same FaceId) -- so a retried call is
  harmless. A face stored earlier but deleted since is indexed anew.
* FaceIds are UUIDs from SHA-256 of (collection, image, ExternalImageId, face position, a
  per-fake counter): the same calls on a fresh fake give the same ids; they never repeat.
* ``ImageId`` is the same for the same bytes (:attr:`rekostub._images.seen.SeenImage.image_id`).
* A face's vector is ``face_vector(seed, face_id, similarity)``, as a fixture face with that
  FaceId would have, so ``fake.snapshot()`` reproduces it. The FaceDetail (BoundingBox,
  Confidence, ...) is stored on the face: ListFaces and SearchFaces report the same box.
* ``OrientationCorrection`` is answered (``ROTATE_0``) only for collections of face model
  versions before 4, as the API reference describes.
"""

from __future__ import annotations

from typing import Any, Optional

from rekostub._engine.embedding import face_vectors
from rekostub._engine.model import Collection, Face
from rekostub._engine.state import State
from rekostub._fixtures.specs import det_uuid
from rekostub._images.codec import MAX_FACES
from rekostub._images.facedetail import detail_fields, face_detail, wants_all
from rekostub._images.seen import SeenFace, SeenImage, quality_reasons, see_image
from rekostub._operations.registry import RequestContext, operation

__all__ = ["index_faces"]

# state.extras key: (collection id, ImageId, ExternalImageId) -> {face position: FaceId}.
_INDEXED = "indexed_images"
_COUNTER = "indexed_face_count"


@operation("IndexFaces")
def index_faces(state: State, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    col = state.collection(params["CollectionId"], ctx.region)
    image = see_image(state, params["Image"])
    asked = params.get("DetectionAttributes")
    fields, every = detail_fields(asked), wants_all(asked)
    level = params.get("QualityFilter", "AUTO")
    max_faces = min(int(params.get("MaxFaces", MAX_FACES)), MAX_FACES)
    external: Optional[str] = params.get("ExternalImageId")

    chosen: list[SeenFace] = []
    unindexed: list[dict[str, Any]] = []
    for face in image.faces:
        reasons = quality_reasons(face, level)
        if not reasons and len(chosen) >= max_faces:
            reasons = ["EXCEEDS_MAX_FACES"]
        if reasons:
            detail = face_detail(face.seed, face.box, face.quality, fields, all_landmarks=every)
            unindexed.append({"Reasons": reasons, "FaceDetail": detail})
        else:
            chosen.append(face)

    # Everything is checked: from here on the call succeeds.
    indexed: dict[tuple[str, str, Optional[str]], dict[int, str]] = state.extras.setdefault(
        _INDEXED, {}
    )
    key = (col.collection_id, image.image_id, external)
    earlier = indexed.get(key, {})
    records: list[dict[str, Any]] = []
    new: list[tuple[Face, SeenFace]] = []
    for face in chosen:
        detail = face_detail(face.seed, face.box, face.quality, fields, all_landmarks=every)
        stored = col.faces.get(earlier.get(face.position, ""))
        if stored is None:
            stored = _new_face(state, col, image, face, external, detail)
            new.append((stored, face))
        records.append({"Face": _record(stored), "FaceDetail": detail})
    if new:
        vectors = face_vectors(
            [f.seed for _, f in new], [s.face_id for s, _ in new], [f.similarity for _, f in new]
        )
        for (stored, _), vector in zip(new, vectors):
            col.add_face(stored, vector)
        indexed[key] = {**earlier, **{face.position: stored.face_id for stored, face in new}}

    response: dict[str, Any] = {"FaceRecords": records}
    if _major_version(col.face_model_version) < 4:
        response["OrientationCorrection"] = "ROTATE_0"
    response["FaceModelVersion"] = col.face_model_version
    response["UnindexedFaces"] = unindexed
    return response


def _new_face(
    state: State,
    col: Collection,
    image: SeenImage,
    face: SeenFace,
    external: Optional[str],
    detail: dict[str, Any],
) -> Face:
    count = int(state.extras.get(_COUNTER, 0))
    while True:
        count += 1
        face_id = det_uuid(
            f"rekostub/indexed/{col.collection_id}/{image.digest}/{external or ''}/"
            f"{face.position}/{count}"
        )
        if face_id not in col.faces:
            break
    state.extras[_COUNTER] = count
    return Face(
        face_id=face_id,
        image_id=image.image_id,
        seed=face.seed,
        identity=face.identity,
        similarity=face.similarity,
        external_image_id=external,
        bounding_box=dict(detail["BoundingBox"]),
        confidence=float(detail["Confidence"]),
        detail=detail,
    )


def _record(face: Face) -> dict[str, Any]:
    """The ``Face`` of a FaceRecord: FaceId, BoundingBox, ImageId, ExternalImageId, Confidence."""
    record: dict[str, Any] = {
        "FaceId": face.face_id,
        "BoundingBox": dict(face.bounding_box or {}),
        "ImageId": face.image_id,
    }
    if face.external_image_id is not None:
        record["ExternalImageId"] = face.external_image_id
    record["Confidence"] = face.confidence
    if face.user_id is not None:
        record["UserId"] = face.user_id
    return record


def _major_version(version: str) -> int:
    head = version.split(".", 1)[0]
    return int(head) if head.isdigit() else 0

"""DetectFaces and CompareFaces: the faces of images, without a collection.

Decided (no public source settles these; docs/behaviour.md lists them):

* DetectFaces answers every face the image shows (at most the 100 largest), largest first;
  ``Attributes`` DEFAULT (the default), ALL, or any of the model's attribute names (added to
  the DEFAULT members, as the API reference describes). No face: ``FaceDetails: []``.
* CompareFaces: ``QualityFilter`` (default NONE) is applied to both images first. The source
  face is the largest remaining face of the source image. Without one -- or without any
  remaining face in the target -- InvalidParameterException "There are no faces in the image.
  Should be at least 1." (the source is checked first; the text, like AWS's, does not say which).
  Each target face is compared with the source face (:func:`rekostub._engine.matcher.similarity` of
  their image-keyed vectors); ``Similarity >= SimilarityThreshold`` (default 80) is a match.
  ``FaceMatches`` are sorted by similarity descending, ties largest face first;
  ``UnmatchedFaces`` keep the target's largest-first order. Faces filtered out by quality are in
  neither list. The orientation corrections (deprecated, not answered for current models)
  are left out.
"""

from __future__ import annotations

from typing import Any

from rekostub._engine.embedding import face_vectors
from rekostub._engine.matcher import similarity
from rekostub._engine.state import State
from rekostub._images.facedetail import (
    box_dict,
    compared_face,
    detail_fields,
    face_confidence,
    face_detail,
    wants_all,
)
from rekostub._images.seen import no_faces_error, quality_reasons, see_image, split_largest
from rekostub._operations.registry import RequestContext, operation

__all__ = ["compare_faces", "detect_faces"]


@operation("DetectFaces")
def detect_faces(state: State, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    image = see_image(state, params["Image"])
    asked = params.get("Attributes")
    fields, every = detail_fields(asked), wants_all(asked)
    return {
        "FaceDetails": [
            face_detail(f.seed, f.box, f.quality, fields, all_landmarks=every) for f in image.faces
        ]
    }


@operation("CompareFaces")
def compare_faces(state: State, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    source = see_image(state, params["SourceImage"])
    target = see_image(state, params["TargetImage"])
    level = params.get("QualityFilter", "NONE")
    threshold = float(params.get("SimilarityThreshold", 80.0))
    chosen, _ = split_largest(source, level)
    if chosen is None:
        raise no_faces_error()
    faces = [f for f in target.faces if not quality_reasons(f, level)]
    if not faces:
        raise no_faces_error()
    query = source.query_vector(chosen)
    vectors = face_vectors(
        [f.seed for f in faces],
        [target.face_key(f) for f in faces],
        [f.similarity for f in faces],
    )
    scored = [(similarity(query, v), f) for v, f in zip(vectors, faces)]
    matches = sorted(
        ((s, f) for s, f in scored if s >= threshold), key=lambda m: (-m[0], m[1].position)
    )
    return {
        "SourceImageFace": {
            "BoundingBox": box_dict(chosen.box),
            "Confidence": face_confidence(chosen.seed, chosen.box),
        },
        "FaceMatches": [
            {"Similarity": s, "Face": compared_face(f.seed, f.box, f.quality)} for s, f in matches
        ],
        "UnmatchedFaces": [
            compared_face(f.seed, f.box, f.quality) for s, f in scored if s < threshold
        ],
    }

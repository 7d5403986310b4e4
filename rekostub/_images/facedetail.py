"""FaceDetail rendering: plausible, deterministic face attributes for a face seen in an image.

rekostub has no face model, so everything a FaceDetail reports is derived from what the image
says about the face -- its identity seed, its box and its encoded quality -- through SHA-256:

* ``BoundingBox``: the face's real box in the image (ratios, rounded through float32).
* ``Confidence``: 99.90-99.9999 (from the seed and the box).
* ``Landmarks``: with DEFAULT attributes the 5 of AWS's examples (eyeLeft, eyeRight,
  mouthLeft, mouthRight, nose: the AWS CLI's compare-faces and detect-faces examples, the
  Developer Guide's IndexFaces page); with ``ALL`` all 30 landmark types of the model, in the
  order the AWS CLI's detect-faces example lists them. Each sits at a fixed place of a frontal
  face inside the box (``eyeLeft`` at 32 % across and 40 % down the box, ...), moved by at most
  1.5 % of the box per seed, always inside the box. Coordinates are ratios of the image.
* ``Pose``: Roll, Yaw and Pitch within +/-12 degrees, from the seed (the same person holds
  their head the same way in every picture).
* ``Quality``: Brightness and Sharpness are the encoded values (0-100).
* With ``ALL`` (or the attribute's own name): AgeRange, Smile, Eyeglasses, Sunglasses, Gender,
  Beard, Mustache, EyesOpen, MouthOpen, Emotions (all nine, most confident first), FaceOccluded
  and EyeDirection -- person traits from the seed, so a person's answers agree across images.

Keys come in the model's member order. Every value fits the model's output shapes.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from typing import Any, Optional

import numpy as np

__all__ = [
    "ALL_FIELDS",
    "DEFAULT_LANDMARKS",
    "Box",
    "Quality",
    "box_dict",
    "box_only_detail",
    "compared_face",
    "detail_fields",
    "face_confidence",
    "face_detail",
    "wants_all",
]

Box = tuple[float, float, float, float]  # (left, top, width, height), ratios of the image
Quality = tuple[float, float]  # (brightness, sharpness), 0..100


def fixture_face(
    seed: int, identity: Optional[str], similarity: Optional[float], box: Box, quality: Quality
) -> dict[str, Any]:
    """A face as a fixture's ``images`` section writes it (for snapshots)."""
    out: dict[str, Any] = (
        {"identity": identity} if identity is not None else {"identity_seed": seed}
    )
    if similarity is not None:
        out["similarity"] = similarity
    out["box"] = list(box)
    out["quality"] = {"Brightness": quality[0], "Sharpness": quality[1]}
    return out


#: Attribute names of the request (``Attributes`` / ``DetectionAttributes``) -> FaceDetail key.
_ATTRIBUTE_FIELDS = {
    "AGE_RANGE": "AgeRange",
    "SMILE": "Smile",
    "EYEGLASSES": "Eyeglasses",
    "SUNGLASSES": "Sunglasses",
    "GENDER": "Gender",
    "BEARD": "Beard",
    "MUSTACHE": "Mustache",
    "EYES_OPEN": "EyesOpen",
    "MOUTH_OPEN": "MouthOpen",
    "EMOTIONS": "Emotions",
    "FACE_OCCLUDED": "FaceOccluded",
    "EYE_DIRECTION": "EyeDirection",
}
ALL_FIELDS = frozenset(_ATTRIBUTE_FIELDS.values())

# Where each landmark sits in a frontal face, as (across, down) fractions of the face box;
# in the order AWS's examples list them: the DEFAULT five first, then the model's order.
_LANDMARKS: tuple[tuple[str, float, float], ...] = (
    ("eyeLeft", 0.32, 0.40),
    ("eyeRight", 0.68, 0.40),
    ("mouthLeft", 0.37, 0.76),
    ("mouthRight", 0.63, 0.76),
    ("nose", 0.50, 0.58),
    ("leftEyeBrowLeft", 0.20, 0.30),
    ("leftEyeBrowRight", 0.42, 0.29),
    ("leftEyeBrowUp", 0.31, 0.27),
    ("rightEyeBrowLeft", 0.58, 0.29),
    ("rightEyeBrowRight", 0.80, 0.30),
    ("rightEyeBrowUp", 0.69, 0.27),
    ("leftEyeLeft", 0.25, 0.40),
    ("leftEyeRight", 0.39, 0.40),
    ("leftEyeUp", 0.32, 0.38),
    ("leftEyeDown", 0.32, 0.42),
    ("rightEyeLeft", 0.61, 0.40),
    ("rightEyeRight", 0.75, 0.40),
    ("rightEyeUp", 0.68, 0.38),
    ("rightEyeDown", 0.68, 0.42),
    ("noseLeft", 0.44, 0.62),
    ("noseRight", 0.56, 0.62),
    ("mouthUp", 0.50, 0.73),
    ("mouthDown", 0.50, 0.81),
    ("leftPupil", 0.32, 0.40),
    ("rightPupil", 0.68, 0.40),
    ("upperJawlineLeft", 0.08, 0.42),
    ("midJawlineLeft", 0.15, 0.72),
    ("chinBottom", 0.50, 0.97),
    ("midJawlineRight", 0.85, 0.72),
    ("upperJawlineRight", 0.92, 0.42),
)
#: How many of :data:`_LANDMARKS` DEFAULT attributes report.
DEFAULT_LANDMARKS = 5
_LANDMARK_JITTER = 0.015

_EMOTIONS = (
    "HAPPY",
    "SAD",
    "ANGRY",
    "CONFUSED",
    "DISGUSTED",
    "SURPRISED",
    "CALM",
    "UNKNOWN",
    "FEAR",
)


def _f32(value: float) -> float:
    """``value`` rounded through float32, as AWS's numbers are."""
    return float(np.float32(value))


@functools.lru_cache(maxsize=4096)
def _draws(seed: int) -> tuple[float, ...]:
    """32 uniform numbers in [0, 1) for a person, from sha256 (stable everywhere)."""
    out: list[float] = []
    for block in range(4):
        digest = hashlib.sha256(f"rekostub/detail/v1\x00{seed}\x00{block}".encode()).digest()
        out.extend(int.from_bytes(digest[i : i + 4], "big") / 2**32 for i in range(0, 32, 4))
    return tuple(out)


def detail_fields(requested: Optional[Iterable[str]]) -> frozenset[str]:
    """The optional FaceDetail keys a request's ``Attributes`` ask for (DEFAULT: none).

    ``ALL`` anywhere means all of them (AWS: ``["ALL", "DEFAULT"]`` is ALL); ``DEFAULT`` adds
    nothing to the always-present BoundingBox, Confidence, Landmarks, Pose and Quality.
    """
    names = set(requested or ())
    if "ALL" in names:
        return ALL_FIELDS
    return frozenset(_ATTRIBUTE_FIELDS[n] for n in names if n in _ATTRIBUTE_FIELDS)


def wants_all(requested: Optional[Iterable[str]]) -> bool:
    """Whether a request's ``Attributes`` / ``DetectionAttributes`` ask for ``ALL`` (then
    Landmarks carry all 30 types; otherwise the DEFAULT five)."""
    return "ALL" in set(requested or ())


def box_dict(box: Box) -> dict[str, float]:
    left, top, width, height = box
    return {"Width": _f32(width), "Height": _f32(height), "Left": _f32(left), "Top": _f32(top)}


def face_confidence(seed: int, box: Box) -> float:
    """How sure the detector is that the box holds a face: 99.90-99.9999."""
    key = f"{seed}/{box[0]:.6f}/{box[1]:.6f}/{box[2]:.6f}/{box[3]:.6f}".encode()
    u = int.from_bytes(hashlib.sha256(b"rekostub/confidence/v1\x00" + key).digest()[:4], "big")
    return _f32(99.9 + 0.0999 * u / 2**32)


def _landmarks(seed: int, box: Box, count: int = DEFAULT_LANDMARKS) -> list[dict[str, Any]]:
    left, top, width, height = box
    d = _draws(seed)
    jx = (d[0] - 0.5) * 2 * _LANDMARK_JITTER
    jy = (d[1] - 0.5) * 2 * _LANDMARK_JITTER
    out = []
    for name, fx, fy in _LANDMARKS[:count]:
        x = min(max(fx + jx, 0.01), 0.99)
        y = min(max(fy + jy, 0.01), 0.99)
        out.append({"Type": name, "X": _f32(left + x * width), "Y": _f32(top + y * height)})
    return out


def _pose(seed: int) -> dict[str, float]:
    d = _draws(seed)
    return {
        "Roll": _f32((d[2] - 0.5) * 24.0),
        "Yaw": _f32((d[3] - 0.5) * 24.0),
        "Pitch": _f32((d[4] - 0.5) * 24.0),
    }


def _quality(quality: Quality) -> dict[str, float]:
    return {"Brightness": _f32(quality[0]), "Sharpness": _f32(quality[1])}


def _flag(value: bool, u: float) -> dict[str, Any]:
    return {"Value": value, "Confidence": _f32(80.0 + 19.9 * u)}


def _emotions(seed: int, smiling: bool) -> list[dict[str, Any]]:
    d = _draws(seed)
    top = "HAPPY" if smiling else ("CALM" if d[20] < 0.7 else "SURPRISED")
    rest = [e for e in _EMOTIONS if e != top]
    main = 70.0 + 25.0 * d[21]
    weights = [d[22 + i] + 0.05 for i in range(len(rest))]
    scale = (100.0 - main) / sum(weights)
    scored = [(top, main)] + [(e, w * scale) for e, w in zip(rest, weights)]
    scored.sort(key=lambda item: (-item[1], item[0]))
    return [{"Type": e, "Confidence": _f32(c)} for e, c in scored]


def _attributes(seed: int, fields: frozenset[str]) -> dict[str, Any]:
    d = _draws(seed)
    male = d[5] < 0.5
    smiling = d[7] < 0.4
    values: dict[str, Any] = {}
    if "AgeRange" in fields:
        low = 18 + int(d[8] * 50)
        values["AgeRange"] = {"Low": low, "High": low + 4 + int(d[9] * 8)}
    if "Smile" in fields:
        values["Smile"] = _flag(smiling, d[10])
    if "Eyeglasses" in fields:
        values["Eyeglasses"] = _flag(d[11] < 0.25, d[12])
    if "Sunglasses" in fields:
        values["Sunglasses"] = _flag(d[13] < 0.05, d[12])
    if "Gender" in fields:
        values["Gender"] = {
            "Value": "Male" if male else "Female",
            "Confidence": _f32(90 + 9.9 * d[6]),
        }
    if "Beard" in fields:
        values["Beard"] = _flag(male and d[14] < 0.3, d[15])
    if "Mustache" in fields:
        values["Mustache"] = _flag(male and d[16] < 0.2, d[15])
    if "EyesOpen" in fields:
        values["EyesOpen"] = _flag(d[17] < 0.92, d[18])
    if "MouthOpen" in fields:
        values["MouthOpen"] = _flag(smiling and d[19] < 0.5, d[18])
    if "Emotions" in fields:
        values["Emotions"] = _emotions(seed, smiling)
    return values


def face_detail(
    seed: int,
    box: Box,
    quality: Quality,
    fields: frozenset[str] = frozenset(),
    *,
    all_landmarks: bool = False,
) -> dict[str, Any]:
    """The FaceDetail of a face: the DEFAULT members plus the optional ``fields``; Landmarks
    the DEFAULT five, or all 30 with ``all_landmarks`` (the request asked for ``ALL``)."""
    extra = _attributes(seed, fields) if fields else {}
    detail: dict[str, Any] = {"BoundingBox": box_dict(box)}
    detail.update(extra)  # AgeRange ... Emotions, in the model's order
    detail["Landmarks"] = _landmarks(
        seed, box, len(_LANDMARKS) if all_landmarks else DEFAULT_LANDMARKS
    )
    detail["Pose"] = _pose(seed)
    detail["Quality"] = _quality(quality)
    detail["Confidence"] = face_confidence(seed, box)
    d = _draws(seed)
    if "FaceOccluded" in fields:
        detail["FaceOccluded"] = _flag(d[30] < 0.05, d[31])
    if "EyeDirection" in fields:
        detail["EyeDirection"] = {
            "Yaw": _f32((d[28] - 0.5) * 20.0),
            "Pitch": _f32((d[29] - 0.5) * 16.0),
            "Confidence": _f32(90.0 + 9.9 * d[31]),
        }
    return detail


def compared_face(seed: int, box: Box, quality: Quality) -> dict[str, Any]:
    """A CompareFaces ``ComparedFace``: BoundingBox, Confidence, Landmarks (the DEFAULT five,
    as the AWS CLI's compare-faces example), Pose, Quality."""
    return {
        "BoundingBox": box_dict(box),
        "Confidence": face_confidence(seed, box),
        "Landmarks": _landmarks(seed, box),
        "Pose": _pose(seed),
        "Quality": _quality(quality),
    }


def box_only_detail(box: Box) -> dict[str, Any]:
    """SearchUsersByImage's ``SearchedFace.FaceDetail`` / ``UnsearchedFaces[].FaceDetails``:
    only the BoundingBox, as AWS's example for the operation shows (AWS SDK examples,
    ``searchusersbyimage-1686183178610``)."""
    return {"BoundingBox": box_dict(box)}

"""Images: which faces a request's ``Image`` (Bytes or S3Object) shows, and image errors.

Where the faces come from, first match wins (for ``Bytes``):

1. the fixture's ``images`` section, by the SHA-256 of the bytes (an entry keyed
   ``"sha256:<hex>"``, or a file path relative to the fixture file whose bytes are read once);
2. face codes drawn in the pixels (:func:`rekostub.face_image`, or a crop/re-encoding of one);
3. the ``undescribed_images`` policy: ``"no_faces"`` (default), ``"derive"`` (one face whose
   identity seed is the first 6 bytes of the SHA-256 of the bytes) or ``"error"`` (raises
   :class:`UndescribedImageError`, a :class:`~rekostub.RekostubError`, out of the client call).

A fixture description wins over codes: it is about these exact bytes and was written on purpose
(e.g. to override what a generated image shows). An ``S3Object`` resolves through an
``"s3://bucket/key"`` entry (``"s3://bucket/key?versionId=v1"`` for one version; a request with a
Version matches only that entry, one without only the unversioned entry); ``"size"`` sets the
object's size in bytes and ``"file"`` its content (then the content's faces, as for Bytes, unless
the entry lists ``"faces"``). An entry without ``"faces"`` describes nothing: its content decides.
A key no entry declares is read from ``fake.s3_images``, then from moto's in-process S3 when
``mock_aws`` is active (:mod:`rekostub._images.s3`), and its bytes are then seen as Bytes are;
otherwise InvalidS3ObjectException with AWS's text, and a hint in the call log saying how to
declare it.

Faces are reported largest first (box area, ties top to bottom then left to right); like
Rekognition, only the 100 largest are detected.
"""

from __future__ import annotations

import collections
import hashlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np
import numpy.typing as npt

from rekostub._common.errors import RekostubError, ServiceError, invalid_parameter
from rekostub._engine.embedding import face_vector
from rekostub._engine.state import State
from rekostub._fixtures.specs import name_uuid
from rekostub._images.bounded import MAX_DIMENSION
from rekostub._images.codec import (
    DEFAULT_QUALITY,
    MAX_FACES,
    ImageDecodeError,
    image_format,
    read_faces,
)
from rekostub._images.dimensions import MIN_IMAGE_SIDE, image_size
from rekostub._images.facedetail import Box, Quality
from rekostub._images.registry import FaceTuple, ImageRegistry, image_registry
from rekostub._images.s3 import moto_active, moto_object, resolve_hook

__all__ = [
    "POLICIES",
    "ImageRegistry",
    "SeenFace",
    "SeenImage",
    "UndescribedImageError",
    "image_registry",
    "install_images",
    "no_faces_error",
    "quality_reasons",
    "see_image",
    "split_largest",
]

POLICIES = ("no_faces", "error", "derive")
#: Largest S3 object Rekognition reads (DG limits: 15 MB; MiB here).
MAX_S3_BYTES = 15 * 1024 * 1024
#: QualityFilter level -> lowest Brightness and Sharpness (encoded 0-100) a face may have.
QUALITY_BARS = {"LOW": 10.0, "AUTO": 20.0, "MEDIUM": 30.0, "HIGH": 50.0}
#: A face box narrower or lower than this (ratio of the image) fails every quality bar.
MIN_BOX_SIDE = 0.02

Vector = npt.NDArray[np.float32]


class UndescribedImageError(RekostubError, LookupError):
    """An image shows no face codes, is not in the fixture and undescribed_images is "error"."""


@dataclass(frozen=True)
class SeenFace:
    """A face an image shows. ``position``: its place in the image's largest-first order."""

    position: int
    seed: int
    identity: Optional[str]
    similarity: Optional[float]
    box: Box
    quality: Quality


@dataclass(frozen=True)
class SeenImage:
    """An image's SHA-256 (hex) and the faces it shows, largest first (at most 100)."""

    digest: str
    faces: tuple[SeenFace, ...]

    @property
    def image_id(self) -> str:
        """The ImageId IndexFaces reports: a name-based UUID of the SHA-256, as AWS's ImageIds
        are name-based UUIDs; the same for the same bytes."""
        return name_uuid(f"rekostub/image/{self.digest}")

    def face_key(self, face: SeenFace) -> str:
        """The stable key of the vector of ``face`` when searched or compared (not stored)."""
        return f"image:{self.digest}:{face.position}"

    def query_vector(self, face: SeenFace) -> Vector:
        """The vector of ``face`` when searched or compared (not stored)."""
        return face_vector(face.seed, self.face_key(face), face.similarity)


# -- the fake's image settings ---------------------------------------------------------------


def install_images(state: State, fixture: Any) -> None:
    """Give a freshly built state its fixture's images (checked once per Fixture object)."""
    registry = image_registry(fixture)
    state.extras["images"] = registry
    state.extras["undescribed_images"] = str(fixture.options.get("undescribed_images", "no_faces"))
    state.extras["snapshot_images"] = registry.snapshot


def _registry(state: State) -> Optional[ImageRegistry]:
    found = state.extras.get("images")
    return found if isinstance(found, ImageRegistry) else None


# -- resolving a request's Image -------------------------------------------------------------


def no_faces_error() -> ServiceError:
    """AWS's answer when an image must show a face and does not (REAL)."""
    return invalid_parameter("There are no faces in the image. Should be at least 1.")


def invalid_format() -> ServiceError:
    return ServiceError("InvalidImageFormatException", "Request has invalid image format.")


def see_image(state: State, image: Mapping[str, Any]) -> SeenImage:
    """The faces the request's ``Image`` shows, or the error AWS answers for it."""
    data = image.get("Bytes")
    s3 = image.get("S3Object")
    if (data is None) == (s3 is None):
        raise invalid_parameter()  # both or neither (Decided: the generic text)
    if data is not None:
        return _see_bytes(state, bytes(data), "this image")
    assert s3 is not None
    return _see_s3(state, s3)


def _see_s3(state: State, s3: Mapping[str, Any]) -> SeenImage:
    bucket, name, version = s3.get("Bucket"), s3.get("Name"), s3.get("Version")
    registry = _registry(state)
    entry = None
    if registry is not None and bucket is not None and name is not None:
        entry = registry.by_s3.get((bucket, name, version))
    if entry is None:
        return _see_s3_elsewhere(state, bucket, name, version)
    if entry.size is not None and entry.size > MAX_S3_BYTES:
        # Text: the Developer Guide's error-handling page (DG).
        raise ServiceError("ImageTooLargeException", "Image size is too large.")
    if entry.data is not None:
        if image_format(entry.data) is None:
            raise invalid_format()
        if entry.faces is None:
            return _see_bytes(state, entry.data, entry.ref)
    digest = hashlib.sha256(entry.ref.encode("utf-8")).hexdigest()
    if entry.faces is not None:
        return _seen(digest, entry.faces)
    return _undescribed(state, digest, entry.ref, f'Add "faces" to images["{entry.ref}"]')


def _s3_ref(bucket: Any, name: Any, version: Any) -> str:
    return f"s3://{bucket}/{name}" + (f"?versionId={version}" if version is not None else "")


def _see_s3_elsewhere(state: State, bucket: Any, name: Any, version: Any) -> SeenImage:
    """An S3Object the fixture does not declare: ``fake.s3_images``, then moto's S3."""
    ref = _s3_ref(bucket, name, version)
    data: Optional[bytes] = None
    if isinstance(bucket, str) and isinstance(name, str):
        hook = state.extras.get("s3_images")
        if hook is not None:
            data = resolve_hook(hook, bucket, name, version)
        if data is None:
            data = moto_object(bucket, name, version)
    if data is None:
        moto = (
            "moto's mock_aws is active but its S3 has no such object"
            if moto_active()
            else "moto's mock_aws is not active"
        )
        raise ServiceError(
            "InvalidS3ObjectException",
            "Unable to get object metadata from S3. Check object key, region and/or access "
            "permissions.",
            hint=(
                f"rekostub has no image for {ref} ({moto}). Declare it in the fixture's images "
                f'section ({{"{ref}": {{"file": "photo.png"}}}} or {{"{ref}": {{"faces": '
                f'["alice"]}}}}), set fake.s3_images = a function (bucket, key, version) -> '
                f"bytes or None, or upload it to moto's S3 inside mock_aws()."
            ),
        )
    if len(data) > MAX_S3_BYTES:
        raise ServiceError("ImageTooLargeException", "Image size is too large.")
    return _see_bytes(state, data, ref)


def _see_bytes(state: State, data: bytes, what: str) -> SeenImage:
    fmt = image_format(data)
    if fmt is None:
        raise invalid_format()
    _check_size(data, what)
    digest = hashlib.sha256(data).hexdigest()
    registry = _registry(state)
    entry = registry.by_sha.get(digest) if registry is not None else None
    if entry is not None and entry.faces is not None:
        return _seen(digest, entry.faces)
    faces = _pixel_faces(digest, data, fmt)
    if faces:
        return _seen(digest, faces)
    return _undescribed(
        state,
        digest,
        f"{what} ({fmt}, {len(data)} bytes, sha256:{digest})",
        f'Describe it in the fixture: images: {{"sha256:{digest}": {{"faces": [...]}}}}',
    )


def _check_size(data: bytes, what: str) -> None:
    """Rekognition refuses images under 80 pixels on a side (DG quotas; REAL: the generic
    InvalidParameterException text), and rekostub those over 10,000 (ImageTooLargeException).
    Checked for every image whose bytes rekostub has, even one the fixture's ``images``
    section describes: AWS would refuse those bytes too."""
    size = image_size(data)
    if size is not None and max(size) > MAX_DIMENSION:
        width, height = size
        # The largest maximum the Developer Guide documents (rekostub._images.bounded).
        raise ServiceError(
            "ImageTooLargeException",
            "Image size is too large.",
            hint=(
                f"{what} is {width}x{height} pixels; Rekognition reads images of at most "
                f"{MAX_DIMENSION:,} pixels on each side."
            ),
        )
    if size is not None and min(size) < MIN_IMAGE_SIDE:
        width, height = size
        raise invalid_parameter(
            hint=(
                f"{what} is {width}x{height} pixels; Rekognition needs at least "
                f"{MIN_IMAGE_SIDE} pixels on each side. Use a larger image (rekostub.face_image "
                f"draws one face 160 px wide by default)."
            )
        )


def _undescribed(state: State, digest: str, what: str, fix: str) -> SeenImage:
    policy = state.extras.get("undescribed_images", "no_faces")
    if policy == "derive":
        seed = int(digest[:12], 16)
        return _seen(digest, ((seed, None, None, (0.2, 0.15, 0.6, 0.7), DEFAULT_QUALITY),))
    if policy == "error":
        raise UndescribedImageError(
            f"rekostub: {what} shows no face codes and the fixture's images section does not "
            f'say which faces it shows, and undescribed_images is "error". {fix}, draw the '
            f'image with rekostub.face_image(...), or set undescribed_images to "no_faces" or '
            f'"derive".'
        )
    return SeenImage(digest, ())


def _seen(digest: str, faces: Any) -> SeenImage:
    """Faces (seed, identity, similarity, box, quality) sorted largest first, at most 100."""
    ordered = sorted(faces, key=lambda f: (-(f[3][2] * f[3][3]), f[3][1], f[3][0]))[:MAX_FACES]
    return SeenImage(
        digest,
        tuple(
            SeenFace(i, s, ident, sim, box, q) for i, (s, ident, sim, box, q) in enumerate(ordered)
        ),
    )


_PIXELS: collections.OrderedDict[str, tuple[FaceTuple, ...]] = collections.OrderedDict()
_PIXELS_MAX = 256
_PIXELS_LOCK = threading.Lock()


def _pixel_faces(digest: str, data: bytes, fmt: str) -> tuple[FaceTuple, ...]:
    """The faces coded in the pixels (read once per distinct image; decoding is pure)."""
    with _PIXELS_LOCK:
        hit = _PIXELS.get(digest)
        if hit is not None:
            _PIXELS.move_to_end(digest)
            return hit
    try:
        read = read_faces(data)
    except ImageDecodeError as exc:
        if fmt == "JPEG" and "Pillow" in str(exc):
            raise RekostubError(
                f"rekostub needs Pillow to read a JPEG image that the fixture does not "
                f"describe: pip install Pillow ({exc})"
            ) from None
        raise invalid_format() from None
    faces = tuple((f.seed, None, f.similarity, f.box, f.quality) for f in read)
    with _PIXELS_LOCK:
        _PIXELS[digest] = faces
        if len(_PIXELS) > _PIXELS_MAX:
            _PIXELS.popitem(last=False)
    return faces


# -- rules shared by the image operations ------------------------------------------------------


def quality_reasons(face: SeenFace, level: str) -> list[str]:
    """Why ``face`` fails the QualityFilter ``level`` (empty: it passes), in the model's order.

    LOW_BRIGHTNESS / LOW_SHARPNESS below the level's bar (:data:`QUALITY_BARS`),
    SMALL_BOUNDING_BOX for a box side under 2 % of the image, and LOW_FACE_QUALITY whenever
    brightness or sharpness fails. NONE filters nothing.
    """
    bar = QUALITY_BARS.get(level)
    if bar is None:
        return []
    brightness, sharpness = face.quality
    reasons = []
    if brightness < bar:
        reasons.append("LOW_BRIGHTNESS")
    if sharpness < bar:
        reasons.append("LOW_SHARPNESS")
    if min(face.box[2], face.box[3]) < MIN_BOX_SIDE:
        reasons.append("SMALL_BOUNDING_BOX")
    if brightness < bar or sharpness < bar:
        reasons.append("LOW_FACE_QUALITY")
    return reasons


def split_largest(
    image: SeenImage, level: str
) -> tuple[Optional[SeenFace], list[tuple[SeenFace, list[str]]]]:
    """The face a search uses (the largest that passes ``level``) and the others with reasons.

    Faces failing the quality bar carry their quality reasons; the other faces not used carry
    ``FACE_NOT_LARGEST``. Both in the image's largest-first order.
    """
    chosen: Optional[SeenFace] = None
    others: list[tuple[SeenFace, list[str]]] = []
    for face in image.faces:
        reasons = quality_reasons(face, level)
        if reasons:
            others.append((face, reasons))
        elif chosen is None:
            chosen = face
        else:
            others.append((face, ["FACE_NOT_LARGEST"]))
    return chosen, others

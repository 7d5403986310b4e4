"""The fixture's ``images`` section: image references -> the faces those images show.

Keys (references):

* ``"sha256:<64 hex digits>"``: the image whose bytes have that SHA-256;
* a file path, relative to the fixture file (to the working directory for a dict fixture):
  the file is read once, when the fixture is first used, and matched by its bytes' SHA-256;
* ``"s3://bucket/key"``, or ``"s3://bucket/key?versionId=v1"`` for one version of the object.

Values: ``{"faces": [face, ...]}``; an S3 entry may add ``"size"`` (bytes; over 15 MB is
ImageTooLargeException) and ``"file"`` (the object's content, a path as above). A face is an
identity string or ``{"identity": "alice" | "identity_seed": 123, "similarity": 85,
"box": [left, top, width, height] | {"Left", "Top", "Width", "Height"},
"quality": {"Brightness": 80, "Sharpness": 60}}`` -- like :func:`rekostub.face_image`'s faces.
Faces without boxes are laid out in rows of ten, each smaller than the one before (so the first
listed is the largest); quality defaults to Brightness 90, Sharpness 90.

The section is checked once per Fixture object, when the first fake is built from it: one
FixtureError lists the problem of every bad entry, naming ``images.<ref>.faces[0].box`` and so on.
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Union

from rekostub._common.errors import FixtureError
from rekostub._engine.embedding import identity_seed
from rekostub._fixtures.load import SEED_LIMIT, Fixture, _is_number, _kind, _render, _show
from rekostub._fixtures.text import _is_finite_number
from rekostub._images.codec import DEFAULT_QUALITY, MAX_FACES, image_format
from rekostub._images.facedetail import Box, Quality, fixture_face

__all__ = ["FaceTuple", "ImageEntry", "ImageRegistry", "image_registry"]

FaceTuple = tuple[int, Optional[str], Optional[float], Box, Quality]
S3Key = tuple[str, str, Optional[str]]


@dataclass(frozen=True)
class ImageEntry:
    """One checked entry: its faces (None: not described) and, when known, its bytes/size."""

    ref: str
    faces: Optional[tuple[FaceTuple, ...]]
    data: Optional[bytes] = None
    size: Optional[int] = None


@dataclass(frozen=True)
class ImageRegistry:
    by_sha: Mapping[str, ImageEntry]
    by_s3: Mapping[S3Key, ImageEntry]
    section: Mapping[str, Any]  # the section with absolute paths (for fake.snapshot())

    def snapshot(self) -> dict[str, Any]:
        return {ref: dict(value) for ref, value in self.section.items()}


_ENTRY_KEYS = frozenset({"faces"})
_S3_KEYS = frozenset({"faces", "size", "file"})
_FACE_KEYS = frozenset({"identity", "identity_seed", "similarity", "box", "quality"})
_BOX_KEYS = ("Left", "Top", "Width", "Height")
_QUALITY_KEYS = ("Brightness", "Sharpness")
_HEX = frozenset("0123456789abcdef")

_REGISTRIES: dict[int, tuple[weakref.ref[Fixture], ImageRegistry]] = {}
_REGISTRIES_LOCK = threading.Lock()
_EMPTY = ImageRegistry({}, {}, {})


def image_registry(fixture: Fixture) -> ImageRegistry:
    """The checked ``images`` section of ``fixture`` (parsed once per Fixture object, and
    forgotten with it).

    Raises FixtureError naming ``images.<ref>...`` for the first problem; nothing is kept then.
    """
    if not fixture.images:
        return _EMPTY
    key = id(fixture)
    with _REGISTRIES_LOCK:
        hit = _REGISTRIES.get(key)
        if hit is not None and hit[0]() is fixture:
            return hit[1]
    registry = _SectionParser(fixture).parse()
    with _REGISTRIES_LOCK:
        _REGISTRIES[key] = (weakref.ref(fixture), registry)
    weakref.finalize(fixture, _forget, key)  # a dict fixture's entry goes with the fixture
    return registry


def _forget(key: int) -> None:
    with _REGISTRIES_LOCK:
        hit = _REGISTRIES.get(key)
        if hit is not None and hit[0]() is None:
            del _REGISTRIES[key]


#: The largest image file a fixture may name: the service's own limit for an S3 object (DG limits:
#: 15 MB; MiB here, as rekostub._images.seen.MAX_S3_BYTES).
MAX_FILE_BYTES = 15 * 1024 * 1024
#: The fixture option that lets a fixture file name images outside its own folder.
IMAGES_OUTSIDE_FOLDER = "images_outside_folder"


class _NotAnImageFile(Exception):
    """A path that names no regular file, or one too large to be an image."""


def _read_image_file(path: Path) -> bytes:
    """The bytes of a regular file of at most MAX_FILE_BYTES, read with that bound.

    Opened without blocking (a FIFO would wait for a writer forever) and checked with fstat on
    the open descriptor before anything is read: devices (``/dev/zero``), FIFOs, sockets and
    folders are refused, and so is a file that grows past the bound while it is read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb", buffering=0) as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise _NotAnImageFile("it is not a regular file (a device, FIFO, socket or folder)")
        if info.st_size > MAX_FILE_BYTES:
            raise _NotAnImageFile(
                f"it has {info.st_size:,} bytes; an image file has at most {MAX_FILE_BYTES:,} "
                f"(15 MB, the service's limit for an image in S3)"
            )
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_FILE_BYTES:
            chunk = handle.read(MAX_FILE_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_FILE_BYTES:
            raise _NotAnImageFile(f"it grew past {MAX_FILE_BYTES:,} bytes while being read")
    return b"".join(chunks)


class _SectionParser:
    def __init__(self, fixture: Fixture) -> None:
        self.source = fixture.source
        self.raw = fixture.images
        self.base = fixture.base_dir
        self.anywhere = bool(fixture.options.get(IMAGES_OUTSIDE_FOLDER))

    def fail(self, problem: str, *parts: object) -> FixtureError:
        return FixtureError(problem, source=self.source, path=_render(("images", *parts)))

    def parse(self) -> ImageRegistry:
        self.by_sha: dict[str, ImageEntry] = {}
        self.by_s3: dict[S3Key, ImageEntry] = {}
        self.section: dict[str, Any] = {}
        self.first: dict[Union[str, S3Key], str] = {}
        problems: list[FixtureError] = []
        for ref, raw in self.raw.items():
            try:
                self.one(ref, raw)
            except FixtureError as exc:
                problems.append(exc)
        if problems:
            raise FixtureError.of(problems)
        return ImageRegistry(self.by_sha, self.by_s3, self.section)

    def one(self, ref: str, raw: object) -> None:
        """Check one entry and file it (its problem raised: the others are still checked)."""
        value = self.entry(ref, raw)
        faces = self.faces(value.get("faces"), ref)
        out: dict[str, Any] = {} if faces is None else {"faces": [fixture_face(*f) for f in faces]}
        key: Union[str, S3Key]
        if ref.startswith("s3://"):
            key = self.s3_key(ref)
            self.by_s3[key] = self.s3_entry(ref, value, faces, out)
            self.section[ref] = out
        elif ref.startswith("sha256:"):
            key = ref[7:].lower()
            if len(key) != 64 or not set(key) <= _HEX:
                raise self.fail("sha256:<hex> needs the 64 hex digits of the image's SHA-256", ref)
            self.by_sha[key] = ImageEntry(ref, faces)
            self.section[ref] = out
        else:
            data, shown = self.file(ref, ref)
            key = hashlib.sha256(data).hexdigest()
            self.by_sha[key] = ImageEntry(ref, faces)
            self.section[shown] = out
        if key in self.first:
            raise self.fail(f"describes the same image as images[{self.first[key]!r}]", ref)
        self.first[key] = ref

    def entry(self, ref: object, value: object) -> Mapping[str, Any]:
        if not isinstance(ref, str) or not ref:
            raise self.fail(f"an image reference is a non-empty string, not {_show(ref)}", ref)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.fail(
                f'an image is an object like {{"faces": [...]}}, not {_kind(value)}', ref
            )
        allowed = _S3_KEYS if ref.startswith("s3://") else _ENTRY_KEYS
        unknown = sorted(str(k) for k in value if k not in allowed)
        if unknown:
            raise self.fail(
                f"unknown key {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}", ref
            )
        return value

    def s3_entry(
        self,
        ref: str,
        value: Mapping[str, Any],
        faces: Optional[tuple[FaceTuple, ...]],
        out: dict[str, Any],
    ) -> ImageEntry:
        data: Optional[bytes] = None
        if value.get("file") is not None:
            data, out["file"] = self.file(value["file"], ref, "file")
        size = value.get("size")
        if size is not None:
            if type(size) is not int or size < 1:
                raise self.fail(
                    f"{_show(size)} is not a size in bytes (an integer >= 1)", ref, "size"
                )
            out["size"] = size
        elif data is not None:
            size = len(data)
        return ImageEntry(ref, faces, data, size)

    def s3_key(self, ref: str) -> S3Key:
        rest, _, version = ref[5:].partition("?versionId=")
        bucket, _, name = rest.partition("/")
        if not 3 <= len(bucket) <= 255 or not all(c.isalnum() or c in "._-" for c in bucket):
            raise self.fail(
                f"{bucket!r} is not an S3 bucket name (3-255 of a-z, 0-9, '.', '-', '_')", ref
            )
        if not 1 <= len(name) <= 1024:
            raise self.fail("an S3 reference is s3://bucket/key (key: 1-1024 characters)", ref)
        if "?versionId=" in ref and not version:
            raise self.fail("?versionId= needs a version id", ref)
        return bucket, name, version or None

    def file(self, name: object, *parts: object) -> tuple[bytes, str]:
        if not isinstance(name, str) or not name:
            raise self.fail(f"a file is a path string, not {_show(name)}", *parts)
        path = Path(name)
        if not path.is_absolute():
            path = (self.base if self.base is not None else Path.cwd()) / path
        if self.base is not None and not self.anywhere:
            folder = self.base.resolve()
            try:
                path.resolve().relative_to(folder)
            except ValueError:
                raise self.fail(
                    f"{_show(name)} leads outside the fixture's folder {folder}: image paths are "
                    f"relative to the fixture file and stay in its folder (or set "
                    f'"options": {{"{IMAGES_OUTSIDE_FOLDER}": true}} to allow any path)',
                    *parts,
                ) from None
        try:
            data = _read_image_file(path)
        except _NotAnImageFile as exc:
            raise self.fail(f"cannot read the image file {path}: {exc}", *parts) from None
        except OSError as exc:
            raise self.fail(
                f"cannot read the image file {path}: {exc.strerror or exc}", *parts
            ) from None
        if image_format(data) is None:
            raise self.fail(f"{path} is not a PNG or JPEG image", *parts)
        return data, str(path.resolve())

    def faces(self, raw: object, ref: str) -> Optional[tuple[FaceTuple, ...]]:
        if raw is None:
            return None
        if not isinstance(raw, (list, tuple)):
            raise self.fail(f"faces must be a list of faces, not {_kind(raw)}", ref, "faces")
        if len(raw) > MAX_FACES:
            raise self.fail(
                f"Rekognition detects at most {MAX_FACES} faces in an image; this lists {len(raw)}",
                ref,
                "faces",
            )
        boxes = [isinstance(f, Mapping) and f.get("box") is not None for f in raw]
        if any(boxes) and not all(boxes):
            raise self.fail(
                'give a "box" for every face or for none (then they are laid out)', ref, "faces"
            )
        return tuple(self.face(f, ref, i, len(raw)) for i, f in enumerate(raw))

    def face(self, raw: object, ref: str, i: int, n: int) -> FaceTuple:
        at = (ref, "faces", i)
        if isinstance(raw, str):
            raw = {"identity": raw}
        if not isinstance(raw, Mapping):
            raise self.fail(
                f'a face is an identity string or an object like {{"identity": "alice"}}, '
                f"not {_kind(raw)}",
                *at,
            )
        unknown = sorted(str(k) for k in raw if k not in _FACE_KEYS)
        if unknown:
            raise self.fail(
                f"unknown key {unknown[0]!r}; allowed: {', '.join(sorted(_FACE_KEYS))}", *at
            )
        identity, seed = raw.get("identity"), raw.get("identity_seed")
        if (identity is None) == (seed is None):
            raise self.fail(
                'a face needs an "identity" (a person\'s name) or an "identity_seed", not both', *at
            )
        if identity is not None:
            if not isinstance(identity, str) or not identity:
                raise self.fail(
                    f"{_show(identity)} is not a person's name (a non-empty string)",
                    *at,
                    "identity",
                )
            seed = identity_seed(identity)
        elif type(seed) is not int or not 0 <= seed < SEED_LIMIT:
            raise self.fail(
                f"{_show(seed)} is not an integer from 0 to 2**48-1", *at, "identity_seed"
            )
        similarity = raw.get("similarity")
        if similarity is not None:
            if not _is_number(similarity) or not 0 <= similarity <= 100:
                raise self.fail(
                    f"{_show(similarity)} is not a number from 0 to 100", *at, "similarity"
                )
            similarity = float(similarity)
        box = self.box(raw.get("box"), at, i, n)
        return seed, identity, similarity, box, self.quality(raw.get("quality"), at)

    def box(self, raw: object, at: tuple[object, ...], i: int, n: int) -> Box:
        if raw is None:  # laid out in rows of 10, each smaller than the one before
            cols = min(n, 10)
            rows = (n + cols - 1) // cols
            w = (0.7 - 0.3 * i / n) / cols
            h = min(w, 0.8 / rows)
            return ((i % cols + 0.15) / cols, (i // cols + 0.1) / rows, w, h)
        if isinstance(raw, Mapping):
            values: list[object] = [raw.get(k) for k in _BOX_KEYS]
            if set(raw) != set(_BOX_KEYS):
                raise self.fail("a box needs exactly the keys Left, Top, Width, Height", *at, "box")
        elif isinstance(raw, (list, tuple)) and len(raw) == 4:
            values = list(raw)
        else:
            raise self.fail(
                f"a box is [left, top, width, height] (ratios) or an object with Left, Top, "
                f"Width, Height, not {_show(raw)}",
                *at,
                "box",
            )
        if not all(_is_finite_number(v) for v in values):
            raise self.fail(f"{_show(raw)}: box values must be finite numbers", *at, "box")
        left, top, width, height = (float(v) for v in values)  # type: ignore[arg-type]
        if (
            width <= 0
            or height <= 0
            or left < 0
            or top < 0
            or left + width > 1 + 1e-9
            or top + height > 1 + 1e-9
        ):
            raise self.fail(
                f"{_show(raw)} is not a box inside the image: ratios with Width, Height > 0, "
                f"Left, Top >= 0, Left + Width <= 1, Top + Height <= 1",
                *at,
                "box",
            )
        return left, top, width, height

    def quality(self, raw: object, at: tuple[object, ...]) -> Quality:
        if raw is None:
            return DEFAULT_QUALITY
        if not isinstance(raw, Mapping) or not set(raw) <= set(_QUALITY_KEYS):
            raise self.fail(
                f'quality is an object like {{"Brightness": 80, "Sharpness": 60}}, '
                f"not {_show(raw)}",
                *at,
                "quality",
            )
        out = []
        for key, default in zip(_QUALITY_KEYS, DEFAULT_QUALITY):
            value = raw.get(key, default)
            if not _is_number(value) or not 0 <= value <= 100:
                raise self.fail(
                    f"{_show(value)} is not a number from 0 to 100", *at, "quality", key
                )
            out.append(float(value))
        return out[0], out[1]

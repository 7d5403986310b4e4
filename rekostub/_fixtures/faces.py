"""The fixture checker's base: reporting a problem, checking one face, building the vectors.

:class:`_FaceChecker` raises every FixtureError of a load (with the path inside the document and
a "did you mean" for a misspelt key), turns one raw face into a :class:`FaceSpec` (generated
ids, identity or seed or embedding, similarity, external image id) and builds a collection's
vector matrix. This is the hot path of a load, kept lean; :class:`rekostub._fixtures.parser._Parser`
adds the document, options, collections and users on top of it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any, NoReturn, Optional, cast

import numpy as np
import numpy.typing as npt

from rekostub._common.errors import FixtureError
from rekostub._engine.embedding import DIM, explicit_vector, face_vectors, identity_seed
from rekostub._engine.model import FACE_DEFAULTS
from rekostub._fixtures.specs import SEED_LIMIT, FaceSpec, default_face_id, default_image_id
from rekostub._fixtures.text import (
    PathPart,
    _is_finite_number,
    _is_number,
    _kind,
    _render,
    _show,
)

_FACE_KEYS = frozenset(
    {
        "face_id",
        "identity",
        "similarity",
        "embedding",
        "external_image_id",
        "image_id",
        "identity_seed",
    }
)

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").fullmatch
_UUID_ANY_CASE = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
).fullmatch
_EXTERNAL_IMAGE_ID = re.compile(r"[a-zA-Z0-9_.\-:]{1,255}").fullmatch

_EXAMPLE_UUID = "3f1c2b9e-8a4d-4c6f-9b2e-5d7a1c0e4f88"

_new = object.__new__


# --------------------------------------------------------------------------------------------
# The checker
# --------------------------------------------------------------------------------------------


class _FaceChecker:
    """Reports problems and checks faces for :class:`rekostub._fixtures.parser._Parser`."""

    __slots__ = ("_embedded", "_seeds", "problems", "source")

    def __init__(self, source: str) -> None:
        self.source = source
        #: Every problem found so far: a part that fails is noted and checking goes on.
        self.problems: list[FixtureError] = []
        self._seeds: dict[str, int] = {}  # identity -> identity_seed(identity)
        self._embedded = 0  # faces with an embedding in the current collection

    # -- errors ------------------------------------------------------------------------------
    def fail(self, problem: str, *parts: PathPart) -> NoReturn:
        raise FixtureError(problem, source=self.source, path=_render(parts))

    def note(self, error: FixtureError) -> None:
        """Keep a problem and go on checking the parts that do not depend on it."""
        self.problems.append(error)

    def unknown_key(
        self, obj: Mapping[Any, Any], allowed: frozenset[str], *parts: PathPart
    ) -> NoReturn:
        key = next(k for k in obj if k not in allowed)
        names = sorted(allowed)
        hint = ""
        if isinstance(key, str):
            close = difflib.get_close_matches(key, names, n=1)
            if close:
                hint = f" (did you mean {close[0]!r}?)"
        self.fail(f"unknown key {key!r}{hint}; allowed: {', '.join(names)}", *parts)

    def need_mapping(self, value: object, what: str, *parts: PathPart) -> NoReturn:
        self.fail(
            f"{what} must be an object (a mapping), not {_kind(value)} ({_show(value)})", *parts
        )

    # -- one face (the hot path: keep it lean) ------------------------------------------------
    def face(self, raw: object, cid: str, uid: Optional[str], index: int) -> FaceSpec:
        if type(raw) is not dict and not isinstance(raw, Mapping):
            self.fail(
                f'a face must be an object like {{"identity": "alice"}}, not {_kind(raw)} '
                f"({_show(raw)})",
                *self.face_path(cid, uid, index),
            )
        if not raw.keys() <= _FACE_KEYS:
            self.unknown_key(raw, _FACE_KEYS, *self.face_path(cid, uid, index))
        get = raw.get

        face_id = get("face_id")
        if face_id is None:
            face_id = default_face_id(cid, uid, index)
        elif type(face_id) is not str or not _UUID(face_id):
            self.bad_uuid(face_id, "face_id", cid, uid, index)
        image_id = get("image_id")
        if image_id is None:
            image_id = default_image_id(cid, uid, index)
        elif type(image_id) is not str or not _UUID(image_id):
            self.bad_uuid(image_id, "image_id", cid, uid, index)

        identity = get("identity")
        embedding = get("embedding")
        seed = get("identity_seed")
        similarity = get("similarity")
        vector_values: Optional[tuple[float, ...]] = None
        if embedding is not None:
            if identity is not None or seed is not None:
                other = "identity" if identity is not None else "identity_seed"
                self.fail(
                    f"a face has either an {other} or an embedding, not both: remove one",
                    *self.face_path(cid, uid, index),
                )
            if similarity is not None:
                self.fail(
                    "similarity cannot be used with an embedding (the embedding fixes the "
                    "vector): remove similarity, or use an identity instead of the embedding",
                    *self.face_path(cid, uid, index),
                )
            vector_values = self.embedding(embedding, cid, uid, index)
            self._embedded += 1
        else:
            if seed is not None:
                if identity is not None:
                    self.fail(
                        "identity and identity_seed are alternatives: give one of them",
                        *self.face_path(cid, uid, index),
                    )
                if type(seed) is not int or not 0 <= seed < SEED_LIMIT:
                    self.fail(
                        f"{_show(seed)} is not an integer from 0 to 2**48-1 ({SEED_LIMIT - 1})",
                        *self.face_path(cid, uid, index),
                        "identity_seed",
                    )
            else:
                if identity is None:
                    if uid is None:
                        self.fail(
                            'a face needs an identity or an embedding: add "identity": '
                            '"<person>" (faces of the same person match each other), an '
                            '"embedding": [numbers], or an "identity_seed"',
                            *self.face_path(cid, uid, index),
                        )
                    identity = uid
                elif type(identity) is not str or not identity:
                    self.fail(
                        f"{_show(identity)} is not a person's name: the identity must be a "
                        f"non-empty string",
                        *self.face_path(cid, uid, index),
                        "identity",
                    )
                seeds = self._seeds
                seed = seeds.get(identity)
                if seed is None:
                    seed = seeds[identity] = identity_seed(identity)
            if similarity is not None:
                if not _is_number(similarity) or not 0 <= similarity <= 100:  # NaN fails too
                    self.bad_similarity(similarity, cid, uid, index)
                similarity = float(similarity)

        external = get("external_image_id")
        if external is not None and (type(external) is not str or not _EXTERNAL_IMAGE_ID(external)):
            self.fail(
                f"{_show(external)} is not a valid ExternalImageId: use a string of 1-255 "
                f"characters from a-z, A-Z, 0-9, '_', '.', '-' and ':'",
                *self.face_path(cid, uid, index),
                "external_image_id",
            )

        # FaceSpec(...) without the frozen dataclass's eight object.__setattr__ calls: the same
        # instance, 3x faster (test_fast_face_spec_equals_the_constructor pins it).
        spec: FaceSpec = _new(FaceSpec)
        attrs = spec.__dict__
        attrs.update(FACE_DEFAULTS)
        attrs["face_id"] = face_id
        attrs["image_id"] = image_id
        attrs["user_id"] = uid
        attrs["seed"] = seed
        attrs["identity"] = identity
        attrs["similarity"] = similarity
        attrs["embedding"] = vector_values
        attrs["external_image_id"] = external
        return spec

    @staticmethod
    def face_path(cid: str, uid: Optional[str], index: int) -> tuple[PathPart, ...]:
        if uid is None:
            return ("collections", cid, "faces", index)
        return ("collections", cid, "users", uid, "faces", index)

    def bad_uuid(
        self, value: object, key: str, cid: str, uid: Optional[str], index: int
    ) -> NoReturn:
        if isinstance(value, str) and _UUID_ANY_CASE(value):
            fix = f"write it in lower case: {value.lower()!r}"
        else:
            fix = f"omit {key} to get a generated one"
        self.fail(
            f"{_show(value)} is not a lower-case UUID like {_EXAMPLE_UUID!r}: {fix}",
            *self.face_path(cid, uid, index),
            key,
        )

    def bad_similarity(self, value: object, cid: str, uid: Optional[str], index: int) -> NoReturn:
        self.fail(
            f"{_show(value)} is not a number from 0 to 100 (how closely this face matches its "
            f"identity's other faces; omit it for a near-perfect face)",
            *self.face_path(cid, uid, index),
            "similarity",
        )

    def embedding(self, raw: object, cid: str, uid: Optional[str], index: int) -> tuple[float, ...]:
        path = (*self.face_path(cid, uid, index), "embedding")
        if not isinstance(raw, (list, tuple)):
            self.fail(
                f"an embedding is a list of 1 to {DIM} numbers, not {_kind(raw)} ({_show(raw)})",
                *path,
            )
        if not 1 <= len(raw) <= DIM:
            self.fail(f"an embedding has 1 to {DIM} numbers; this one has {len(raw)}", *path)
        for i, value in enumerate(raw):
            if not _is_finite_number(value):
                self.fail(
                    f"{_show(value)} is not a finite number (item {i} of the embedding)", *path
                )
        return tuple(float(v) for v in raw)

    # -- vectors -----------------------------------------------------------------------------
    def vectors(self, cid: str, faces: list[FaceSpec]) -> npt.NDArray[np.float32]:
        """The (len(faces), DIM) matrix: one face_vectors call, explicit_vector rows."""
        n = len(faces)
        if not self._embedded:
            out = self.seeded(faces) if n else np.zeros((0, DIM), dtype=np.float32)
        else:
            out = np.zeros((n, DIM), dtype=np.float32)
            rows = [i for i, f in enumerate(faces) if f.embedding is None]
            if rows:
                out[rows] = self.seeded([faces[i] for i in rows])
            counts: dict[Optional[str], int] = {}
            for row, spec in enumerate(faces):
                index = counts.get(spec.user_id, 0)
                counts[spec.user_id] = index + 1
                if spec.embedding is None:
                    continue
                try:
                    out[row] = explicit_vector(spec.embedding)
                except ValueError as exc:
                    self.fail(
                        f"unusable embedding: {exc}",
                        *self.face_path(cid, spec.user_id, index),
                        "embedding",
                    )
        out = np.ascontiguousarray(out, dtype=np.float32)
        out.flags.writeable = False
        return out

    @staticmethod
    def seeded(faces: list[FaceSpec]) -> npt.NDArray[np.float32]:
        """One batched ``face_vectors`` call for faces with a seed."""
        seeds = cast("list[int]", [f.seed for f in faces])
        return face_vectors(seeds, [f.face_id for f in faces], [f.similarity for f in faces])

"""A collection's faces straight to columns: the fast path of a fixture load.

:func:`fast_table` builds the :class:`FaceTable` of a collection whose faces all have the
common shapes (``{"identity": ...}``, maybe with ``similarity``, ``external_image_id``,
``face_id`` and ``image_id``, or ``{}`` for a user's own identity) without a Python object per
face: one pass gathers the values, whole columns are checked at once, the generated ids,
identity seeds and vectors are derived in batches (one hash call per id, no intermediate
strings). It returns None -- and the caller runs the face-by-face checker, which reports the
first bad face exactly -- for any other shape, any value that fails a check, or a face id used
twice. The table is bit-identical to
the checker's (tests/test_fixture_columns.py compares them).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any, Optional

import numpy as np
import numpy.typing as npt

from rekostub._engine.embedding import identity_seed_bytes, seeded_vectors
from rekostub._engine.table import KIND_IDENTITY, FaceTable, assemble_table
from rekostub._fixtures.faces import _EXTERNAL_IMAGE_ID, _UUID
from rekostub._fixtures.specs import _NAMESPACE_BYTES, MAX_FACES_PER_USER
from rekostub._fixtures.text import _is_number

_FAST_KEYS = frozenset({"identity", "similarity", "external_image_id", "face_id", "image_id"})
_USER_KEYS = frozenset({"faces"})
_OPTIONAL = ("similarity", "external_image_id", "face_id", "image_id")
# Where the 32 hex digits of a UUID go in its 36 characters: (start, stop, first digit).
_GROUPS = ((0, 8, 0), (9, 13, 8), (14, 18, 12), (19, 23, 16), (24, 36, 20))


def fast_table(
    cid: str, users: tuple[str, ...], users_raw: Mapping[Any, Any], loose_raw: Any
) -> Optional[FaceTable]:
    """The table of a collection with checked user ids, or None (see the module docstring)."""
    counts: list[int] = []
    identities: list[Any] = []
    keys: list[bytes] = []  # "<cid>/<uid>/<index>": what the generated ids are derived from
    # row -> value of each optional key, for the faces that give it
    sims: dict[int, Any] = {}
    exts: dict[int, Any] = {}
    given: tuple[dict[int, Any], ...] = (sims, exts, {}, {})
    add_identity = identities.append
    add_key = keys.append
    for uid, user in users_raw.items():
        if user is None:
            counts.append(0)
            continue
        if type(user) is not dict or not user.keys() <= _USER_KEYS:
            return None
        faces = user.get("faces")
        if faces is None:
            counts.append(0)
            continue
        if type(faces) is not list or len(faces) > MAX_FACES_PER_USER:
            return None
        counts.append(len(faces))
        prefix = f"{cid}/{uid}/"
        for index, raw in enumerate(faces):
            if type(raw) is not dict:
                return None
            if len(raw) == 1 and "identity" in raw:
                identity = raw["identity"]
            else:
                if not raw.keys() <= _FAST_KEYS:
                    return None
                identity = raw.get("identity")
                if identity is None:
                    identity = uid
                _optional(raw, len(keys), given)
            add_identity(identity)
            add_key(f"{prefix}{index}".encode())
    n_user = len(keys)
    if loose_raw:
        if type(loose_raw) is not list:
            return None
        for index, raw in enumerate(loose_raw):
            if type(raw) is not dict or not raw.keys() <= _FAST_KEYS:
                return None
            identity = raw.get("identity")
            if identity is None:
                return None
            _optional(raw, len(keys), given)
            add_identity(identity)
            add_key(f"{cid}//{index}".encode())
    n = len(keys)

    # Whole columns checked at once; the checker reports the first bad face.
    try:
        slot_of: dict[str, int] = dict.fromkeys(identities, 0)  # first-seen order
    except TypeError:  # an unhashable identity
        return None
    if not set(map(type, slot_of)) <= {str} or "" in slot_of:
        return None
    if len(slot_of) == n:  # one face per identity: the slots are the rows
        slots = np.arange(n, dtype=np.intp)
    else:
        slot_of.update(zip(slot_of, range(len(slot_of))))
        slots = np.fromiter(map(slot_of.__getitem__, identities), np.intp, n)
    del identities
    sim = np.full(n, np.nan)
    for row, value in sims.items():
        if not _is_number(value) or not 0 <= value <= 100:  # NaN fails too
            return None
        sim[row] = float(value)
    ext = np.full(n, -1, dtype=np.int32)
    ext_codes: dict[str, int] = {}
    for row, value in exts.items():
        if type(value) is not str or not _EXTERNAL_IMAGE_ID(value):
            return None
        ext[row] = ext_codes.setdefault(value, len(ext_codes))

    fids, imgs = given[2], given[3]
    for value in (*fids.values(), *imgs.values()):
        if type(value) is not str or not _UUID(value):
            return None

    # Generated ids: det_uuid(key) and name_uuid("image:" + key) as 16 raw bytes.
    sha256, sha1 = hashlib.sha256, hashlib.sha1
    image = _NAMESPACE_BYTES + b"image:"
    fid = _ids(n, fids, lambda ks: [sha256(k).digest() for k in ks], keys, 32, 0x40)
    img = _ids(n, imgs, lambda ks: [sha1(image + k).digest() for k in ks], keys, 20, 0x50)
    del keys
    fid_col = fid.view("S16").reshape(n)
    order = np.argsort(fid_col, kind="stable").astype(np.int64)
    sorted_fid = fid_col[order]
    if n > 1 and bool(np.any(sorted_fid[1:] == sorted_fid[:-1])):
        return None  # a face id used twice: the checker says where

    seed_bytes = identity_seed_bytes(list(slot_of))
    text = _uuid_text(fid).tobytes()  # each face's vector key: its FaceId string
    vec = seeded_vectors(
        seed_bytes, slots, [text[at : at + 36] for at in range(0, 36 * n, 36)], sim
    )
    user = np.full(n, -1, dtype=np.int32)
    user[:n_user] = np.repeat(np.arange(len(users), dtype=np.int32), counts)
    columns: dict[str, npt.NDArray[Any]] = {
        "fid": fid_col,
        "img": img.view("S16").reshape(n),
        "user": user,
        "vec": vec,
        "kind": np.full(n, KIND_IDENTITY, dtype=np.int8),
        "seed": np.frombuffer(seed_bytes, dtype=">u8").astype(np.uint64)[slots],
        "sim": sim,
        "ident": slots.astype(np.int32),
        "ext": ext,
        "order": order,
        "sorted_fid": sorted_fid,
    }
    return assemble_table(cid, columns, users, list(slot_of), list(ext_codes), {})


def _optional(raw: dict[str, Any], row: int, given: tuple[dict[int, Any], ...]) -> None:
    """Note ``raw``'s optional values (those not None) under ``row``."""
    get = raw.get
    for key, values in zip(_OPTIONAL, given):
        value = get(key)
        if value is not None:
            values[row] = value


def _ids(
    n: int,
    given: dict[int, str],
    digest: Callable[[list[bytes]], list[bytes]],
    keys: list[bytes],
    size: int,
    version: int,
) -> npt.NDArray[np.uint8]:
    """(n, 16) UUID bytes: the given ids (checked UUID strings), the others generated from the
    digests of their keys."""
    if not given:
        return _uuid_bytes(b"".join(digest(keys)), n, size, version)
    out = np.empty((n, 16), dtype=np.uint8)
    rows = np.fromiter(given, np.intp, len(given))
    out[rows] = np.frombuffer(
        bytes.fromhex("".join(given.values()).replace("-", "")), dtype=np.uint8
    ).reshape(-1, 16)
    todo = np.ones(n, dtype=bool)
    todo[rows] = False
    rest = np.flatnonzero(todo)
    if rest.size:
        out[rest] = _uuid_bytes(
            b"".join(digest([keys[r] for r in rest.tolist()])), int(rest.size), size, version
        )
    return out


def _uuid_bytes(raw: bytes, n: int, size: int, version: int) -> npt.NDArray[np.uint8]:
    """The first 16 bytes of n joined ``size``-byte digests, as (n, 16), with the UUID version
    nibble and the RFC 4122 variant bits set."""
    digests = np.frombuffer(raw, dtype=np.uint8).reshape(n, size)
    out: npt.NDArray[np.uint8] = digests[:, :16].copy()
    out[:, 6] = (out[:, 6] & 0x0F) | version
    out[:, 8] = (out[:, 8] & 0x3F) | 0x80
    return out


def _uuid_text(raw: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """(n, 36) ASCII: each row's lower-case UUID string."""
    n = raw.shape[0]
    digits = np.frombuffer(raw.tobytes().hex().encode("ascii"), dtype=np.uint8)
    digits = digits.reshape(n, 32)
    out = np.full((n, 36), ord("-"), dtype=np.uint8)
    for start, stop, at in _GROUPS:  # 8-4-4-4-12 digits between the dashes
        out[:, start:stop] = digits[:, at : at + stop - start]
    return out

"""Face vectors: deterministic, platform-independent embeddings for identities and faces.

Nothing here knows about collections or HTTP. Every vector is a unit-length float32 row of
length ``DIM``, derived from SHA-256/SHAKE-256 only (no numpy RNG), so the same fixture gives
bit-identical vectors in every process, on every machine and numpy version.

Derivation (version 1 -- changing any of it changes every vector; the tests pin it)
----------------------------------------------------------------------------------
* ``identity_seed(identity)``: the first 6 bytes of ``sha256(identity UTF-8)``, big-endian.
* Identity base vector ``b(seed)``: ``SHAKE-256(b"rekostub/identity/v1\\0" + seed as 8 bytes
  big-endian)``, 256 bytes read as 128 big-endian int16, as float64, divided by its norm.
  (Uniform int16 components: two bases are uncorrelated, cosine ~ N(0, 1/128), so faces of
  different identities score < 50 -- 5.7 standard deviations -- all but never.)
* Face noise ``n(face_key)``: ``SHAKE-256(b"rekostub/face/v1\\0" + face_key UTF-8)``, 128
  bytes read as int8 (one Keccak permutation per face), as float64. ``u`` is its component
  orthogonal to ``b`` (Gram-Schmidt), normalised: a unit vector with ``u . b = 0``.
* Unpinned face: ``(b + r u) / sqrt(1 + r^2)`` with ``r = 4e-4``.
  Pinned at ``S``: ``s b + sqrt(1 - s^2) u`` with ``s = S / 100``.
  Both are ``alpha b + beta u``, evaluated as ``(alpha - beta p / rho) b + (beta / rho) n``
  with ``p = n . b`` and ``rho = |n - p b| = sqrt(|n|^2 - p^2)``, then rounded to float32.

Why the contract holds: the noise of an unpinned face is orthogonal to ``b`` with norm exactly
``r``, so a user made of any number of unpinned faces of one identity points along ``b + e``
with ``e`` orthogonal to ``b`` and ``|e| <= r``. A face pinned at ``S`` then scores
``100 (s + sqrt(1 - s^2) u . e) / sqrt(1 + |e|^2)``, within ``100 (r + r^2 / 2) ~= 0.04`` of
``S`` (float32 rounding adds ~1e-5; typically the error is ~0.005). So a face pinned at
``T - 0.05`` never reaches a threshold ``T`` and one pinned at ``T + 0.05`` always does.
Two unpinned faces of one identity score ``>= 100 (1 - r^2) / (1 + r^2) ~= 99.99997``.

Determinism: integer-valued sums of squares are exact in float64 whatever the order; the
one real dot product (``p``) uses the fixed summation tree of :mod:`._matcher`; everything
else is elementwise IEEE arithmetic (``+ - * /`` and ``sqrt`` are correctly rounded). Faces
are independent rows, so the batch size never changes a face's bits.
"""

from __future__ import annotations

import hashlib
import math
import numbers
import operator
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from rekostub._engine.matcher import _normalize_rows, _rowsum

__all__ = ["DIM", "explicit_vector", "face_vector", "face_vectors", "identity_seed"]

DIM = 128
Vector = npt.NDArray[np.float32]
_F64 = npt.NDArray[np.float64]

_IDENTITY_DOMAIN = b"rekostub/identity/v1\x00"
_FACE_DOMAIN = b"rekostub/face/v1\x00"
_NOISE_RADIUS = 4e-4  # |unpinned face - b| before normalisation, relative to |b| = 1
_SEED_LIMIT = 1 << 64  # seeds are encoded as 8 bytes
_CHUNK = 1024  # faces per vectorised block (keeps float64 temporaries in cache)
_BLOCK = 512  # faces per block of a fixture load (hashes and arithmetic; see seeded_vectors)
# A float32 vector whose squared norm is this close to 1 is already normalised: rounding an
# exact float64 unit vector to float32 moves the squared norm by at most 2**-23.
_UNIT_TOLERANCE = 2.0**-22


def identity_seed(identity: str) -> int:
    """The 48-bit seed of a person: the first 6 bytes of sha256(identity, UTF-8), big-endian."""
    return int.from_bytes(hashlib.sha256(identity.encode("utf-8")).digest()[:6], "big")


_BASES: dict[int, _F64] = {}  # seed -> b(seed), float64 unit rows (read-only)
_BASES_MAX = 1 << 17
_BASES_CACHE_BATCH = 1024  # identity bases computed in larger batches are not cached


def _identity_bases(seeds: list[int]) -> _F64:
    """The base vectors b(seed) of distinct valid ``seeds``, as rows (computed once per seed)."""
    cache = _BASES
    out: _F64 = np.empty((len(seeds), DIM), dtype=np.float64)
    missing: list[int] = []
    where: list[int] = []
    for i, seed in enumerate(seeds):
        row = cache.get(seed)
        if row is None:
            missing.append(seed)
            where.append(i)
        else:
            out[i] = row
    if missing:
        digests = b"".join(
            [
                hashlib.shake_256(_IDENTITY_DOMAIN + seed.to_bytes(8, "big")).digest(2 * DIM)
                for seed in missing
            ]
        )
        ints = np.frombuffer(digests, dtype=">i2").reshape(len(missing), DIM)
        rows = out if len(missing) == len(seeds) else np.empty((len(missing), DIM))
        for start in range(0, len(missing), _CHUNK):  # blocks stay in cache; rows independent
            raw = ints[start : start + _CHUNK].astype(np.float64)
            norms = np.sqrt(np.sum(raw * raw, axis=1))  # sums of integers < 2**53: exact
            rows[start : start + _CHUNK] = raw / norms[:, None]
        if rows is not out:
            out[np.asarray(where, dtype=np.intp)] = rows
        if len(missing) <= _BASES_CACHE_BATCH:  # big batches (fixture loads) are not cached
            if len(cache) + len(missing) > _BASES_MAX:
                cache.clear()
            rows.flags.writeable = False
            cache.update(zip(missing, rows))
    return out


def _check_seed(seed: object) -> int:
    try:
        value = operator.index(seed)  # type: ignore[arg-type]
    except TypeError:
        raise ValueError(f"an identity seed must be an integer, got {seed!r}") from None
    if isinstance(seed, bool) or not 0 <= value < _SEED_LIMIT:
        raise ValueError(f"an identity seed must be an integer in [0, 2**64), got {seed!r}")
    return value


def face_vector(seed: int, face_key: str, similarity: float | None = None) -> Vector:
    """The vector of one face of the person ``seed``.

    ``face_key`` (the FaceId, or any stable string) makes each face a little different.
    ``similarity=None``: a near-perfect face (>= 99.9 against the identity's other unpinned faces).
    ``similarity=S``: scores S +/- 0.1 against a user made of unpinned faces of the same identity.

    Bit-identical to the matching row of :func:`face_vectors`. ValueError for a seed outside
    [0, 2**64) or ``S`` outside [0, 100].
    """
    out: Vector = face_vectors([seed], [face_key], [similarity])[0]
    return out


def face_vectors(
    seeds: Sequence[int], face_keys: Sequence[str], similarities: Sequence[float | None]
) -> npt.NDArray[np.float32]:
    """``face_vector`` for many faces at once: an (n, DIM) float32 C-contiguous matrix.

    One SHAKE-256 per face and one per distinct seed (cached across calls); the arithmetic is
    vectorised in blocks of rows.
    """
    n = len(seeds)
    if len(face_keys) != n or len(similarities) != n:
        raise ValueError(
            f"face_vectors: {n} seeds, {len(face_keys)} face keys and "
            f"{len(similarities)} similarities; the lengths must match"
        )
    out = np.empty((n, DIM), dtype=np.float32)
    if n == 0:
        return out

    # Per-face Python work: a slot per distinct seed, one hash per face, the similarity.
    slot_of: dict[int, int] = {}
    slots = np.fromiter((slot_of.setdefault(s, len(slot_of)) for s in seeds), np.intp, n)
    bases = _identity_bases([_check_seed(s) for s in slot_of])
    prefix = hashlib.shake_256(_FACE_DOMAIN)
    digests: list[bytes] = []
    for key in face_keys:
        h = prefix.copy()
        h.update(key.encode("utf-8"))
        digests.append(h.digest(DIM))
    noise = np.frombuffer(b"".join(digests), dtype=np.int8).reshape(n, DIM)
    pinned = np.fromiter((s is not None for s in similarities), bool, n)
    values = np.fromiter((0.0 if s is None else s for s in similarities), np.float64, n)
    bad = pinned & ~((values >= 0.0) & (values <= 100.0))
    if np.any(bad):
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"a face similarity must be a number in [0, 100], got {similarities[i]!r}")

    # alpha b + beta u, per face.
    alpha, beta = _coefficients(pinned, values)

    for start in range(0, n, _CHUNK):
        stop = min(start + _CHUNK, n)
        _mix(out[start:stop], bases[slots[start:stop]], noise[start:stop], alpha, beta, start)
    return out


def _mix(
    out: Vector, b: _F64, noise: npt.NDArray[np.int8], alpha: _F64, beta: _F64, at: int
) -> None:
    """Rows ``alpha b + beta u`` of one block (faces ``at`` on) into ``out``; ``b`` is scratch."""
    _mix_into(out, b, noise.astype(np.float64), np.empty_like(b), alpha, beta, at)


def _mix_into(out: Vector, b: _F64, nz: _F64, tmp: _F64, alpha: _F64, beta: _F64, at: int) -> None:
    """:func:`_mix` with the noise already as float64 in ``nz``; ``b``, ``nz`` and ``tmp`` are
    scratch (the same IEEE operations as the formula, so the same bits, no temporaries)."""
    stop = at + out.shape[0]
    np.multiply(nz, b, out=tmp)
    p = _rowsum_inplace(tmp)
    nn = np.einsum("ij,ij->i", nz, nz)  # sums of integers < 2**53: exact in any order
    rho = np.sqrt(nn - p * p)
    coef_n = beta[at:stop] / rho
    coef_b = alpha[at:stop] - coef_n * p
    b *= coef_b[:, None]
    nz *= coef_n[:, None]
    b += nz
    out[:] = b


def _rowsum_inplace(x: _F64) -> _F64:
    """:func:`rekostub._engine.matcher._rowsum` (the same additions in the same order), folding
    ``x`` into its own left columns instead of allocating a new array per step."""
    width = x.shape[1]
    while width > 1:
        half = width // 2
        x[:, :half] += x[:, half : 2 * half]
        if width % 2:
            x[:, half] = x[:, width - 1]
            half += 1
        width = half
    return x[:, 0].copy() if width == 1 else np.zeros(x.shape[0])


def _coefficients(pinned: npt.NDArray[np.bool_], values: _F64) -> tuple[_F64, _F64]:
    s = values / 100.0
    unpinned_alpha = 1.0 / math.sqrt(1.0 + _NOISE_RADIUS * _NOISE_RADIUS)
    alpha = np.where(pinned, s, unpinned_alpha)
    beta = np.where(pinned, np.sqrt((1.0 - s) * (1.0 + s)), _NOISE_RADIUS * unpinned_alpha)
    return alpha, beta


def identity_seed_bytes(identities: Sequence[str]) -> bytes:
    """``identity_seed`` of each identity as 8 big-endian bytes, joined (one sha256 each)."""
    sha = hashlib.sha256
    digests = np.frombuffer(
        b"".join([sha(i.encode("utf-8")).digest() for i in identities]), dtype=np.uint8
    ).reshape(-1, 32)
    out = np.zeros((len(identities), 8), dtype=np.uint8)
    out[:, 2:] = digests[:, :6]
    return out.tobytes()


def seeded_vectors(
    seed_bytes: bytes,
    slots: npt.NDArray[np.intp],
    face_keys: Sequence[bytes],
    similarities: _F64,
) -> Vector:
    """:func:`face_vectors` for a fixture load, bit-identical, without per-face objects.

    ``seed_bytes``: each distinct seed as 8 big-endian bytes (< 2**64), joined; ``slots``: each
    face's seed (an index into them; fastest when seeds first appear in order); ``face_keys``:
    each face key, UTF-8; ``similarities``: float64 in [0, 100], NaN for none. Everything runs
    block by block -- hashes, bases, arithmetic -- so a block's data is still in cache when it
    is used; the bases are kept as int16 (no float64 matrix of all bases).
    """
    n = len(face_keys)
    out = np.empty((n, DIM), dtype=np.float32)
    if n == 0:
        return out
    shake = hashlib.shake_256
    base_prefix = shake(_IDENTITY_DOMAIN)
    prefix = shake(_FACE_DOMAIN)
    # One seed per face, in order (slots == 0..n-1): no base is used twice, none is kept.
    distinct = len(seed_bytes) // 8 == n and bool(np.array_equal(slots, np.arange(n)))
    ints = np.empty((0 if distinct else len(seed_bytes) // 8, DIM), dtype=">i2")
    done = 0  # bases computed so far
    pinned = ~np.isnan(similarities)
    alpha, beta = _coefficients(pinned, np.where(pinned, similarities, 0.0))
    digests: list[bytes] = []
    add = digests.append
    scratch = np.empty((3, min(n, _BLOCK), DIM))  # bases, noise, products: reused per block
    for start in range(0, n, _BLOCK):
        stop = min(start + _BLOCK, n)
        raw, nz, tmp = scratch[:, : stop - start]
        block = slots[start:stop]
        need = int(block.max()) + 1
        if need > done:
            for at in range(8 * done, 8 * need, 8):
                h = base_prefix.copy()
                h.update(seed_bytes[at : at + 8])
                add(h.digest(2 * DIM))
            fresh = np.frombuffer(b"".join(digests), dtype=">i2").reshape(-1, DIM)
            digests.clear()
            if not distinct:
                ints[done:need] = fresh
            done = need
        for key in face_keys[start:stop]:
            h = prefix.copy()
            h.update(key)
            add(h.digest(DIM))
        nz[:] = np.frombuffer(b"".join(digests), dtype=np.int8).reshape(-1, DIM)
        digests.clear()
        raw[:] = fresh if distinct else ints[block]
        raw /= np.sqrt(np.einsum("ij,ij->i", raw, raw))[:, None]  # integer sums: exact
        _mix_into(out[start:stop], raw, nz, tmp, alpha, beta, start)
    return out


def explicit_vector(values: Sequence[float]) -> Vector:
    """A user-given embedding: 1..DIM finite numbers, zero-padded to DIM, normalised.

    Normalised in float64 (exact power-of-two pre-scaling, so huge or tiny values work), then
    rounded to float32. A vector that is already a float32 unit vector (its float32 rounding
    has a squared norm within 2**-22 of 1, which every output of this module has) is returned
    as that float32 rounding, unchanged -- so writing vectors out and reading them back in
    gives bit-identical vectors. ValueError, with the reason, for anything else.
    """
    if isinstance(values, (str, bytes)):
        raise ValueError("an explicit vector must be a list of numbers, not a string")
    items: list[object] = list(values)
    if not 1 <= len(items) <= DIM:
        raise ValueError(f"an explicit vector needs 1 to {DIM} numbers, got {len(items)}")
    for i, item in enumerate(items):
        if isinstance(item, bool) or not isinstance(item, numbers.Real):
            raise ValueError(f"item {i} of the explicit vector is not a number: {item!r}")
        if not math.isfinite(item):
            raise ValueError(f"item {i} of the explicit vector is not finite: {item!r}")
    raw = np.zeros(DIM, dtype=np.float64)
    raw[: len(items)] = np.asarray(items, dtype=np.float64)
    if not np.any(raw):
        raise ValueError("an explicit vector must not be all zeros")

    with np.errstate(over="ignore"):
        as32 = raw.astype(np.float32)  # huge values become inf: not the fast path
    if np.all(np.isfinite(as32)):
        w = as32.astype(np.float64)
        if abs(float(_rowsum((w * w)[None, :])[0]) - 1.0) <= _UNIT_TOLERANCE:
            return as32
    _, exponent = math.frexp(float(np.max(np.abs(raw))))
    scaled = np.ldexp(raw, -exponent)
    out: Vector = _normalize_rows(scaled[None, :])[0]
    return out

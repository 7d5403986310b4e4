"""The embedding contract: deterministic vectors that score what the fixture asked for."""

from __future__ import annotations

import hashlib
import json
import math

import numpy as np
import pytest

from rekostub._engine.embedding import (
    DIM,
    explicit_vector,
    face_vector,
    face_vectors,
    identity_seed,
)
from rekostub._engine.matcher import similarity, unit_mean

PINNED = [0.0, 10.0, 50.0, 75.0, 79.95, 80.0, 85.0, 99.0]


def _unpinned(seed: int, prefix: str, n: int) -> np.ndarray:
    return face_vectors([seed] * n, [f"{prefix}-{i}" for i in range(n)], [None] * n)


def _le_bytes(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a, dtype="<f4").tobytes()


# -- identity seeds -------------------------------------------------------------------------------


def test_identity_seed_is_first_six_bytes_of_sha256() -> None:
    for name in ["alice", "bob", "", "Zoë 🙂", "x" * 1000]:
        digest = hashlib.sha256(name.encode("utf-8")).digest()
        assert identity_seed(name) == int.from_bytes(digest[:6], "big")
        assert 0 <= identity_seed(name) < 2**48
    assert identity_seed("alice") == 48206826798862


# -- golden values: any change of derivation must be deliberate -----------------------------------


def test_golden_face_vector() -> None:
    v = face_vector(identity_seed("alice"), "f1")
    expected = np.array(
        [-0.05414522439241409, -0.033121779561042786, 0.06999777257442474, -0.003450687974691391],
        dtype=np.float32,
    )
    assert np.array_equal(v[:4], expected)


def test_golden_batch_and_explicit_bytes() -> None:
    m = face_vectors(
        [identity_seed("alice"), identity_seed("bob"), identity_seed("alice")],
        ["f1", "f2", "f3"],
        [None, None, 80.0],
    )
    assert (
        hashlib.sha256(_le_bytes(m)).hexdigest()
        == "033250430a6508d7ff4b6a1bde765c495393f47768217e17d38f10320536196d"
    )
    assert (
        hashlib.sha256(_le_bytes(explicit_vector([1.0, 2.0, 3.0]))).hexdigest()
        == "c359ee9437772a80611574b13f2045669c799250dd55dd83e6a7ddf2b7ccd404"
    )


# -- shape and basic properties -------------------------------------------------------------------


def test_vectors_are_unit_float32_rows() -> None:
    seed = identity_seed("alice")
    for s in [None, 0.0, 42.5, 100.0]:
        v = face_vector(seed, "k", s)
        assert v.dtype == np.float32
        assert v.shape == (DIM,)
        assert abs(float(np.linalg.norm(v.astype(np.float64))) - 1.0) < 1e-6
    m = face_vectors([seed, seed], ["a", "b"], [None, 3.0])
    assert m.dtype == np.float32
    assert m.shape == (2, DIM)
    assert m.flags.c_contiguous


def test_empty_batch() -> None:
    m = face_vectors([], [], [])
    assert m.shape == (0, DIM)
    assert m.dtype == np.float32


def test_same_inputs_same_bits_and_keys_matter() -> None:
    seed = identity_seed("carol")
    assert np.array_equal(face_vector(seed, "a"), face_vector(seed, "a"))
    assert not np.array_equal(face_vector(seed, "a"), face_vector(seed, "b"))
    assert not np.array_equal(face_vector(seed, "a"), face_vector(seed + 1, "a"))
    assert not np.array_equal(face_vector(seed, "a", 80.0), face_vector(seed, "a", 80.01))


def test_pinned_100_is_the_identity_direction() -> None:
    seed = identity_seed("dave")
    a = face_vector(seed, "one", 100.0)
    b = face_vector(seed, "two", 100.0)
    assert np.array_equal(a, b)  # s = 1: the noise term vanishes
    assert similarity(a, unit_mean(_unpinned(seed, "u", 10))) >= 99.999


# -- the similarity contract ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["alice", "bob", "Zoë", "person-42"])
def test_same_identity_faces_and_user_score_high(name: str) -> None:
    seed = identity_seed(name)
    faces = _unpinned(seed, name, 40)
    f64 = faces.astype(np.float64)
    pairwise = 100.0 * (f64 @ f64.T)
    assert pairwise.min() >= 99.9
    for i, j in [(0, 1), (5, 39), (17, 3)]:
        assert similarity(faces[i], faces[j]) >= 99.9
    user = unit_mean(faces)
    for face in faces:
        assert similarity(face, user) >= 99.9
    assert similarity(faces[0], unit_mean(faces[:1])) >= 99.9


@pytest.mark.parametrize("name", ["alice", "bob", "erin", "frank", "grace"])
@pytest.mark.parametrize("n_faces", [1, 5, 100])
def test_pinned_similarity_against_users(name: str, n_faces: int) -> None:
    seed = identity_seed(name)
    user = unit_mean(_unpinned(seed, f"{name}-user", n_faces))
    for target in PINNED:
        face = face_vector(seed, f"{name}-pinned-{target}", target)
        got = similarity(face, user)
        assert abs(got - target) <= 0.1, (target, got)


def test_pinned_similarity_batched_many_users() -> None:
    """The bound holds for every user size 1..100 (the derivation makes it size-independent)."""
    seed = identity_seed("heidi")
    faces = _unpinned(seed, "heidi", 100)
    targets = [0.0, 33.3, 79.95, 80.0, 80.05, 99.0]
    pinned = face_vectors([seed] * len(targets), [f"p{t}" for t in targets], targets)
    for n in range(1, 101, 7):
        user = unit_mean(faces[:n])
        for target, face in zip(targets, pinned):
            assert abs(similarity(face, user) - target) <= 0.1


def test_threshold_neighbours_fall_on_the_right_side() -> None:
    """Pinned at T - 0.05 stays below T, at T + 0.05 reaches it (the bound is ~0.04)."""
    for i in range(20):
        seed = identity_seed(f"side-{i}")
        user = unit_mean(_unpinned(seed, f"side-{i}", 1 + i * 5))
        assert similarity(face_vector(seed, f"lo-{i}", 79.95), user) < 80.0
        assert similarity(face_vector(seed, f"hi-{i}", 80.05), user) >= 80.0


def test_different_identities_score_below_50() -> None:
    n = 2000
    seeds = [identity_seed(f"stranger-{i}") for i in range(n)]
    for sims in ([None] * n, [float(i % 101) for i in range(n)]):
        m = face_vectors(seeds, [f"key-{i}" for i in range(n)], sims).astype(np.float64)
        gram = m @ m.T
        np.fill_diagonal(gram, -1.0)
        assert 100.0 * gram.max() < 50.0


# -- batched == single ----------------------------------------------------------------------------


def test_batched_equals_single_bit_for_bit() -> None:
    n = 300
    seeds = [identity_seed(f"p{i % 37}") for i in range(n)]
    keys = [f"face-{i}" for i in range(n)]
    sims: list[float | None] = [None if i % 3 else (i * 7.3) % 100.0 for i in range(n)]
    batch = face_vectors(seeds, keys, sims)
    for i in range(n):
        assert np.array_equal(batch[i], face_vector(seeds[i], keys[i], sims[i]))


def test_batch_size_never_changes_bits() -> None:
    n = 5000  # crosses the internal block size
    seeds = [identity_seed(f"q{i % 101}") for i in range(n)]
    keys = [f"k{i}" for i in range(n)]
    sims: list[float | None] = [None if i % 2 else float(i % 100) for i in range(n)]
    whole = face_vectors(seeds, keys, sims)
    parts = [
        face_vectors(seeds[a : a + 777], keys[a : a + 777], sims[a : a + 777])
        for a in range(0, n, 777)
    ]
    assert np.array_equal(whole, np.concatenate(parts))
    rev = face_vectors(seeds[::-1], keys[::-1], sims[::-1])
    assert np.array_equal(whole, rev[::-1])


def test_numpy_integer_seeds_are_accepted() -> None:
    seed = identity_seed("ivan")
    assert np.array_equal(face_vector(np.int64(seed), "a"), face_vector(seed, "a"))


# -- validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [-0.001, 100.001, math.nan, math.inf, -math.inf])
def test_bad_similarity(bad: float) -> None:
    with pytest.raises(ValueError, match=r"\[0, 100\]"):
        face_vector(1, "k", bad)


@pytest.mark.parametrize("bad", [-1, 2**64, "7", 1.5])
def test_bad_seed(bad: object) -> None:
    with pytest.raises(ValueError, match="seed"):
        face_vector(bad, "k")  # type: ignore[arg-type]


def test_length_mismatch() -> None:
    with pytest.raises(ValueError, match="lengths must match"):
        face_vectors([1, 2], ["a"], [None, None])


# -- explicit vectors -----------------------------------------------------------------------------


def test_explicit_vector_pads_and_normalises() -> None:
    v = explicit_vector([3.0, 4.0])
    assert v.dtype == np.float32
    assert v.shape == (DIM,)
    assert v[0] == np.float32(0.6)
    assert v[1] == np.float32(0.8)
    assert not np.any(v[2:])
    full = explicit_vector([float(i) - 60.0 for i in range(DIM)])
    assert abs(float(np.linalg.norm(full.astype(np.float64))) - 1.0) < 1e-6
    assert np.array_equal(explicit_vector([5]), explicit_vector([0.25]))


def test_explicit_vector_extreme_magnitudes() -> None:
    big = explicit_vector([1e300, -1e300, 1e300])
    tiny = explicit_vector([1e-300, -1e-300, 1e-300])
    ones = explicit_vector([1.0, -1.0, 1.0])
    assert np.array_equal(big, ones)
    assert np.array_equal(tiny, ones)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([], "1 to 128 numbers"),
        ([1.0] * (DIM + 1), "1 to 128 numbers"),
        ([1.0, math.nan], "not finite"),
        ([math.inf], "not finite"),
        ([0.0, 0.0, 0.0], "all zeros"),
        ([1.0, "2"], "not a number"),
        ([True, 1.0], "not a number"),
        ([None], "not a number"),
        ("123", "not a string"),
    ],
)
def test_explicit_vector_rejects(values: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        explicit_vector(values)  # type: ignore[arg-type]


def test_renormalising_is_bit_identical() -> None:
    rng = np.random.default_rng(7)
    vectors = [
        explicit_vector(rng.standard_normal(rng.integers(1, DIM + 1)).tolist()) for _ in range(300)
    ]
    vectors += list(
        face_vectors(
            [identity_seed(f"r{i}") for i in range(200)],
            [f"k{i}" for i in range(200)],
            [None if i % 2 else float(i % 100) for i in range(200)],
        )
    )
    seed = identity_seed("judy")
    vectors += [unit_mean(_unpinned(seed, "judy", n)) for n in (1, 2, 3, 50, 100)]
    for v in vectors:
        again = explicit_vector(v.tolist())
        assert np.array_equal(again, v)
        assert np.array_equal(explicit_vector(again.tolist()), v)
        # A snapshot that writes float32 values in their shortest form reads back the same bits.
        shortest = [float(str(x)) for x in v]
        assert np.array_equal(explicit_vector(shortest), v)
        assert np.array_equal(explicit_vector(json.loads(json.dumps(v.tolist()))), v)
        # Trailing zeros may be dropped by a writer: padding restores them.
        nz = int(np.flatnonzero(v)[-1]) + 1
        assert np.array_equal(explicit_vector(v[:nz].tolist()), v)


def test_explicit_vector_accepts_numpy_numbers() -> None:
    a = explicit_vector(np.array([1.0, 2.0], dtype=np.float32))  # type: ignore[arg-type]
    assert np.array_equal(a, explicit_vector([1.0, 2.0]))

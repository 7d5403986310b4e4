"""The matcher: similarity, means and the vector index (search order, threshold, ties)."""

from __future__ import annotations

import bisect
import math

import numpy as np
import numpy.typing as npt
import pytest

from rekostub._engine.embedding import DIM, face_vector, face_vectors, identity_seed
from rekostub._engine.matcher import VectorIndex, grouped_mean, similarity, unit_mean


def _unit(rng: np.random.Generator, n: int, dim: int = DIM) -> npt.NDArray[np.float32]:
    x = rng.standard_normal((n, dim))
    out: npt.NDArray[np.float32] = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
    return out


def _reference(
    index_rows: dict[str, np.ndarray],
    query: np.ndarray,
    threshold: float,
    limit: int,
    exclude: str | None = None,
) -> list[tuple[str, float]]:
    """Brute force: every row through ``similarity``, filter, sort, cut."""
    scored = [(key, similarity(query, row)) for key, row in index_rows.items()]
    kept = [(k, s) for k, s in scored if s >= threshold and k != exclude]
    kept.sort(key=lambda item: (-item[1], item[0]))
    return kept[: max(limit, 0)]


# -- similarity -----------------------------------------------------------------------------------


def test_similarity_basics() -> None:
    rng = np.random.default_rng(1)
    a, b = _unit(rng, 2)
    assert similarity(a, a) == 100.0 or similarity(a, a) >= 99.99999
    assert similarity(a, b) == similarity(b, a)
    e0 = np.zeros(DIM, dtype=np.float32)
    e1 = np.zeros(DIM, dtype=np.float32)
    e0[0] = 1.0
    e1[1] = 1.0
    assert similarity(e0, e0) == 100.0
    assert similarity(e0, e1) == 0.0
    assert similarity(e0, -e0) == 0.0  # clipped, never negative
    assert similarity(e0, (e0 + e1) / np.float32(math.sqrt(2.0))) == pytest.approx(
        70.71068, abs=1e-4
    )


def test_similarity_is_rounded_through_float32() -> None:
    rng = np.random.default_rng(2)
    vs = _unit(rng, 50)
    for i in range(49):
        s = similarity(vs[i], vs[i + 1])
        assert isinstance(s, float)
        assert float(np.float32(s)) == s
        exact = 100.0 * math.fsum(float(x) * float(y) for x, y in zip(vs[i], vs[i + 1]))
        assert s == pytest.approx(min(max(exact, 0.0), 100.0), abs=1e-4)


def test_similarity_shape_mismatch() -> None:
    with pytest.raises(ValueError, match="one length"):
        similarity(np.zeros(3, np.float32), np.zeros(4, np.float32))


# -- means ----------------------------------------------------------------------------------------


def test_unit_mean_direction_and_errors() -> None:
    rng = np.random.default_rng(3)
    rows = _unit(rng, 7)
    m = unit_mean(rows)
    assert m.dtype == np.float32
    expected = rows.astype(np.float64).sum(axis=0)
    expected /= np.linalg.norm(expected)
    assert np.allclose(m, expected, atol=1e-6)
    with pytest.raises(ValueError, match="non-empty"):
        unit_mean(np.zeros((0, DIM), np.float32))
    with pytest.raises(ValueError, match="zero"):
        unit_mean(np.stack([rows[0], -rows[0]]))


def test_grouped_mean_equals_unit_mean_bit_for_bit() -> None:
    rng = np.random.default_rng(4)
    n_groups = 60
    sizes = rng.integers(1, 101, n_groups)
    sizes[0] = 1
    sizes[1] = 100
    groups = rng.permutation(np.repeat(np.arange(n_groups), sizes)).astype(np.intp)
    seeds = [identity_seed(f"g{g}") for g in groups.tolist()]
    vectors = face_vectors(seeds, [f"f{i}" for i in range(groups.size)], [None] * groups.size)
    means = grouped_mean(vectors, groups, n_groups)
    assert means.shape == (n_groups, DIM)
    assert means.dtype == np.float32
    assert means.flags.c_contiguous
    for g in range(n_groups):
        assert np.array_equal(means[g], unit_mean(vectors[groups == g]))


def test_grouped_mean_validation() -> None:
    v = np.eye(3, DIM, dtype=np.float32)
    with pytest.raises(ValueError, match="no rows"):
        grouped_mean(v, np.array([0, 0, 2], dtype=np.intp), 3)
    with pytest.raises(ValueError, match="range"):
        grouped_mean(v, np.array([0, 1, 3], dtype=np.intp), 3)
    with pytest.raises(ValueError, match="range"):
        grouped_mean(v, np.array([0, -1, 1], dtype=np.intp), 2)
    with pytest.raises(ValueError, match="match"):
        grouped_mean(v, np.array([0, 1], dtype=np.intp), 2)
    assert grouped_mean(np.zeros((0, DIM), np.float32), np.zeros(0, np.intp), 0).shape == (0, DIM)


# -- VectorIndex: bookkeeping ---------------------------------------------------------------------


def test_empty_index() -> None:
    index = VectorIndex(DIM)
    assert len(index) == 0
    assert "a" not in index
    q = face_vector(1, "q")
    assert index.search(q, threshold=0.0, limit=10) == []
    assert index.search(q, threshold=80.0, limit=10, exclude="a") == []
    with pytest.raises(KeyError):
        index.get("a")
    with pytest.raises(KeyError):
        index.remove("a")


def test_add_get_replace_remove() -> None:
    rng = np.random.default_rng(5)
    vs = _unit(rng, 5)
    index = VectorIndex(DIM, capacity=2)
    for i, key in enumerate("abcde"):
        index.add(key, vs[i])
    assert len(index) == 5
    assert all(k in index for k in "abcde")
    assert 3 not in index
    got = index.get("c")
    assert np.array_equal(got, vs[2])
    got[:] = 0.0  # a copy: the index is not affected
    assert np.array_equal(index.get("c"), vs[2])
    index.add("c", vs[0])  # replace
    assert len(index) == 5
    assert np.array_equal(index.get("c"), vs[0])
    index.add("c", vs[2])

    index.remove("c")  # middle
    index.remove("a")  # first
    index.remove("e")  # last
    assert len(index) == 2
    assert sorted(k for k in "abcde" if k in index) == ["b", "d"]
    assert np.array_equal(index.get("b"), vs[1])
    assert np.array_equal(index.get("d"), vs[3])
    assert [k for k, _ in index.search(vs[3], threshold=99.0, limit=10)] == ["d"]
    assert [k for k, _ in index.search(vs[1], threshold=99.0, limit=10)] == ["b"]
    index.add("a", vs[0])
    assert np.array_equal(index.get("a"), vs[0])
    index.remove("b")
    index.remove("d")
    index.remove("a")
    assert len(index) == 0
    assert index.search(vs[0], threshold=0.0, limit=10) == []


def test_growing_past_capacity() -> None:
    rng = np.random.default_rng(6)
    vs = _unit(rng, 1000)
    index = VectorIndex(DIM, capacity=1)
    for i in range(1000):
        index.add(f"k{i:04d}", vs[i])
    assert len(index) == 1000
    for i in (0, 1, 2, 511, 512, 999):
        assert np.array_equal(index.get(f"k{i:04d}"), vs[i])
        assert index.search(vs[i], threshold=99.9, limit=1)[0][0] == f"k{i:04d}"
    index.add_many([f"m{i}" for i in range(3000)], _unit(rng, 3000))
    assert len(index) == 4000
    assert np.array_equal(index.get("k0999"), vs[999])


def test_add_many_matches_add() -> None:
    rng = np.random.default_rng(7)
    vs = _unit(rng, 6)
    many = VectorIndex(DIM)
    many.add("x", vs[5])
    many.add_many(["a", "b", "x", "a"], vs[:4])  # replaces x, a repeated: last wins
    one = VectorIndex(DIM)
    one.add("x", vs[5])
    for key, v in zip(["a", "b", "x", "a"], vs[:4]):
        one.add(key, v)
    assert len(many) == len(one) == 3
    for key in "abx":
        assert np.array_equal(many.get(key), one.get(key))
    assert np.array_equal(many.get("a"), vs[3])
    with pytest.raises(ValueError, match="shape"):
        many.add_many(["p", "q"], vs[:3])
    with pytest.raises(ValueError, match="shape"):
        many.add("p", vs[0][:10])


def test_copy_is_independent() -> None:
    rng = np.random.default_rng(8)
    vs = _unit(rng, 4)
    index = VectorIndex(DIM)
    index.add_many(["a", "b", "c"], vs[:3])
    clone = index.copy()
    clone.remove("a")
    clone.add("d", vs[3])
    clone.add("b", vs[3])
    assert len(index) == 3
    assert "a" in index
    assert "d" not in index
    assert np.array_equal(index.get("b"), vs[1])
    assert [k for k, _ in index.search(vs[0], threshold=99.0, limit=5)] == ["a"]
    index.add("e", vs[0])
    assert "e" not in clone


# -- VectorIndex: search semantics ----------------------------------------------------------------


def test_threshold_is_inclusive_at_the_exact_value() -> None:
    seed = identity_seed("alice")
    user = face_vector(seed, "u")
    index = VectorIndex(DIM)
    index.add("pinned", face_vector(seed, "p", 80.0))
    s = similarity(user, index.get("pinned"))
    assert index.search(user, threshold=s, limit=5) == [("pinned", s)]
    assert (
        index.search(
            user, threshold=float(np.nextafter(np.float32(s), np.float32(np.inf))), limit=5
        )
        == []
    )
    assert index.search(user, threshold=math.nextafter(s, math.inf), limit=5) == []


def test_search_scores_equal_pairwise_similarity() -> None:
    seed = identity_seed("bob")
    faces = face_vectors(
        [seed] * 20, [f"f{i}" for i in range(20)], [None] * 10 + [float(70 + i) for i in range(10)]
    )
    index = VectorIndex(DIM)
    index.add_many([f"f{i}" for i in range(20)], faces)
    query = unit_mean(faces[:10])
    for key, s in index.search(query, threshold=0.0, limit=100):
        assert s == similarity(query, index.get(key))
        assert s == similarity(index.get(key), query)


def test_ties_are_ordered_by_key() -> None:
    rng = np.random.default_rng(9)
    v, w = _unit(rng, 2)
    index = VectorIndex(DIM)
    for key in ["m", "c", "x", "a", "q"]:
        index.add(key, v)
    index.add("z-best", v)
    index.add("other", w)
    got = index.search(v, threshold=50.0, limit=10)
    assert [k for k, _ in got] == ["a", "c", "m", "q", "x", "z-best"]
    assert len({s for _, s in got}) == 1
    assert [k for k, _ in index.search(v, threshold=50.0, limit=3)] == ["a", "c", "m"]
    assert [k for k, _ in index.search(v, threshold=50.0, limit=3, exclude="a")] == ["c", "m", "q"]


def test_many_ties_at_the_cut_keep_the_smallest_keys() -> None:
    rng = np.random.default_rng(10)
    v = _unit(rng, 1)[0]
    others = _unit(rng, 300)
    index = VectorIndex(DIM)
    keys = [f"t{i:03d}" for i in rng.permutation(200)]
    index.add_many(keys, np.repeat(v[None, :], 200, axis=0))
    index.add_many([f"o{i}" for i in range(300)], others)
    got = index.search(v, threshold=90.0, limit=7)
    assert [k for k, _ in got] == [f"t{i:03d}" for i in range(7)]


def test_order_is_similarity_then_key() -> None:
    seed = identity_seed("carol")
    targets = [95.0, 90.0, 85.0, 99.0, 81.0, 79.0, 40.0]
    faces = face_vectors([seed] * len(targets), [f"p{t}" for t in targets], targets)
    index = VectorIndex(DIM)
    index.add_many([f"p{t}" for t in targets], faces)
    query = unit_mean(face_vectors([seed] * 3, ["u1", "u2", "u3"], [None] * 3))
    got = index.search(query, threshold=80.0, limit=500)
    assert [k for k, _ in got] == ["p99.0", "p95.0", "p90.0", "p85.0", "p81.0"]
    sims = [s for _, s in got]
    assert sims == sorted(sims, reverse=True)


def test_exclude_and_limit() -> None:
    seed = identity_seed("dave")
    faces = face_vectors([seed] * 6, [f"f{i}" for i in range(6)], [None] * 6)
    index = VectorIndex(DIM)
    index.add_many([f"f{i}" for i in range(6)], faces)
    everything = index.search(faces[0], threshold=90.0, limit=500)
    assert len(everything) == 6
    assert everything[0] == ("f0", similarity(faces[0], faces[0]))
    without = index.search(faces[0], threshold=90.0, limit=500, exclude="f0")
    assert [k for k, _ in without] == [k for k, _ in everything if k != "f0"]
    assert len(index.search(faces[0], threshold=90.0, limit=5, exclude="f0")) == 5
    assert len(index.search(faces[0], threshold=90.0, limit=5, exclude="f3")) == 5
    assert "f3" not in [k for k, _ in index.search(faces[0], threshold=90.0, limit=5, exclude="f3")]
    assert index.search(faces[0], threshold=90.0, limit=2) == everything[:2]
    assert index.search(faces[0], threshold=90.0, limit=0) == []
    assert len(index.search(faces[0], threshold=90.0, limit=5, exclude="absent")) == 5


def test_threshold_zero_includes_clipped_rows_ordered_by_key() -> None:
    rng = np.random.default_rng(11)
    q = _unit(rng, 1)[0]
    index = VectorIndex(DIM)
    rows: dict[str, np.ndarray] = {}
    for i in range(40):
        v = _unit(rng, 1)[0]
        if float(v.astype(np.float64) @ q.astype(np.float64)) > 0:
            v = -v  # every row scores 0 after clipping
        key = f"neg{rng.integers(1_000_000):07d}-{i}"
        rows[key] = v
        index.add(key, v)
    got = index.search(q, threshold=0.0, limit=5)
    assert got == _reference(rows, q, 0.0, 5)
    assert all(s == 0.0 for _, s in got)
    assert index.search(q, threshold=0.001, limit=5) == []


def _random_index(rng: np.random.Generator, n: int) -> tuple[VectorIndex, dict[str, np.ndarray]]:
    """Clusters of near-duplicates (so thresholds bite) plus noise and exact duplicates."""
    centres = _unit(rng, 40)
    spread = rng.uniform(0.0, 0.8, n)[:, None]
    x = centres[rng.integers(0, 40, n)].astype(np.float64) + spread * rng.standard_normal(
        (n, DIM)
    ) / math.sqrt(DIM)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    vectors = x.astype(np.float32)
    vectors[rng.integers(0, n, 200)] = vectors[rng.integers(0, n, 200)]  # exact ties
    keys = [f"key-{i:05d}" for i in rng.permutation(n)]
    index = VectorIndex(DIM, capacity=64)
    index.add_many(keys[: n // 2], vectors[: n // 2])
    for key, v in zip(keys[n // 2 :], vectors[n // 2 :]):
        index.add(key, v)
    return index, dict(zip(keys, vectors))


def test_search_equals_brute_force() -> None:
    rng = np.random.default_rng(12)
    index, rows = _random_index(rng, 5000)
    keys = list(rows)
    for trial in range(8):
        query = rows[keys[int(rng.integers(len(keys)))]] if trial % 2 else _unit(rng, 1)[0]
        scored = sorted(
            ((k, similarity(query, v)) for k, v in rows.items()), key=lambda t: (-t[1], t[0])
        )
        if trial % 2:
            assert scored[20][1] >= 80.0  # the clusters give real matches to order
        negated = [-s for _, s in scored]
        for threshold in [0.0, 20.0, 50.0, 80.0, scored[10][1], scored[200][1], 99.0, 100.0]:
            matching = bisect.bisect_right(negated, -threshold)  # scored[:matching] are >= it
            for limit in [1, 7, 100, 500]:
                head = scored[: min(matching, limit + 1)]
                for exclude in [None, scored[0][0], scored[3][0]]:
                    expected = [(k, s) for k, s in head if k != exclude][:limit]
                    got = index.search(query, threshold=threshold, limit=limit, exclude=exclude)
                    assert got == expected, (trial, threshold, limit, exclude)


def test_search_after_removals_equals_brute_force() -> None:
    rng = np.random.default_rng(13)
    index, rows = _random_index(rng, 2000)
    keys = list(rows)
    for key in [keys[i] for i in rng.choice(len(keys), 700, replace=False)]:
        index.remove(key)
        del rows[key]
    replaced = list(rows)[:50]
    for key, v in zip(replaced, _unit(rng, 50)):
        index.add(key, v)
        rows[key] = v
    assert len(index) == len(rows)
    for _ in range(5):
        query = _unit(rng, 1)[0]
        for threshold, limit in [(0.0, 10), (30.0, 500), (60.0, 3)]:
            assert index.search(query, threshold=threshold, limit=limit) == _reference(
                rows, query, threshold, limit
            )

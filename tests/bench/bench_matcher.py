"""Micro-benchmarks for the matcher and the embeddings. Prints figures; not collected by pytest.

Run: ``.venv/bin/python tests/bench/bench_matcher.py`` (``--threads N`` to let BLAS use N
threads; the default is 1, which gives steadier figures on a shared machine).

1. ``VectorIndex.search`` over 100,000 rows against a bare ``M @ q`` + ``np.argpartition``
   on the same matrix (target: <= 1.3x), at the default threshold 80, at 50 and at 0 (where
   500 results come back and every row is a candidate).
2. ``face_vectors`` for 100,000 faces of 20,000 identities, first call (identity vectors not
   cached) and again (cached); target well under 0.5 s.
"""

from __future__ import annotations

import argparse
import os


def _threads_from_argv() -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    parser.add_argument("--rows", type=int, default=100_000, help="index rows / faces")
    args = parser.parse_args()
    os.environ["REKOSTUB_BENCH_ROWS"] = str(args.rows)
    return str(args.threads)


if __name__ == "__main__":  # must precede the numpy import to take effect
    _threads = _threads_from_argv()
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = _threads

import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from typing import Callable  # noqa: E402

import numpy as np  # noqa: E402

from rekostub._engine.embedding import _BASES, DIM, face_vectors, identity_seed  # noqa: E402
from rekostub._engine.matcher import VectorIndex  # noqa: E402

# CPU time of this process: with single-threaded BLAS it measures the work done, and is far
# less disturbed than wall time by other processes on a shared machine.
clock = time.process_time


def median_seconds(fn: Callable[[], object], *, repeat: int = 60, warmup: int = 5) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = clock()
        fn()
        times.append(clock() - start)
    return statistics.median(times)


def paired(
    a: Callable[[], object], b: Callable[[], object], *, rounds: int = 7
) -> tuple[float, float]:
    """Interleaved medians, so machine noise hits both sides alike; the best round of each."""
    ta, tb = [], []
    for _ in range(rounds):
        ta.append(median_seconds(a, repeat=25))
        tb.append(median_seconds(b, repeat=25))
    return min(ta), min(tb)


def bench_search(n: int) -> None:
    seeds = [identity_seed(f"person-{i % 20_000}") for i in range(n)]
    keys = [f"face-{i:07d}" for i in range(n)]
    sims = [None if i % 3 else float(i % 100) for i in range(n)]
    vectors = face_vectors(seeds, keys, sims)
    index = VectorIndex(DIM)
    index.add_many(keys, vectors)
    query = vectors[12_345].copy()
    matrix = np.ascontiguousarray(vectors)
    limit = 500

    def bare() -> object:
        scores = matrix @ query
        return np.argpartition(scores, scores.size - limit)[scores.size - limit :]

    for threshold in (80.0, 50.0, 0.0):
        found = index.search(query, threshold=threshold, limit=limit)

        def ours(threshold: float = threshold) -> object:
            return index.search(query, threshold=threshold, limit=limit)

        t_ours, t_bare = paired(ours, bare)
        print(
            f"search {n:,} rows, threshold {threshold:g}, limit {limit} ({len(found)} found): "
            f"VectorIndex.search {t_ours * 1e3:.3f} ms/call, bare M @ q + argpartition "
            f"{t_bare * 1e3:.3f} ms/call, ratio {t_ours / t_bare:.2f}x (target <= 1.3x)"
        )


def bench_face_vectors(n: int) -> None:
    seeds = [identity_seed(f"person-{i % 20_000}") for i in range(n)]
    keys = [f"face-{i:07d}" for i in range(n)]
    sims = [None if i % 3 else float(i % 100) for i in range(n)]
    cold, warm = [], []
    for _ in range(5):
        _BASES.clear()
        start = clock()
        face_vectors(seeds, keys, sims)
        cold.append(clock() - start)
        start = clock()
        face_vectors(seeds, keys, sims)
        warm.append(clock() - start)
    print(
        f"face_vectors {n:,} faces / 20,000 identities: {statistics.median(cold) * 1e3:.0f} ms "
        f"(identity vectors not cached), {statistics.median(warm) * 1e3:.0f} ms (cached); "
        f"medians of 5 (target well under 500 ms)"
    )


def main() -> None:
    n = int(os.environ.get("REKOSTUB_BENCH_ROWS", "100000"))
    print(
        f"machine: {platform.machine()} {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, numpy {np.__version__}, "
        f"BLAS threads {os.environ.get('OPENBLAS_NUM_THREADS', 'default')}; "
        f"times are process CPU time"
    )
    bench_search(n)
    bench_face_vectors(n)


if __name__ == "__main__":
    main()

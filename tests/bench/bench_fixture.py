"""Benchmark: load a 100,000-user fixture (one face each, identity = user id) from JSON.

Run: ``.venv/bin/python tests/bench/bench_fixture.py [n_users] [repeats]``.
Prints the first (cold) load, including vectors, and the cached re-load; budget < 1.5 s.
Each cold load runs in a fresh process (``_embedding`` caches identity bases per process, so
an in-process repeat would not be cold). CPU time is shown too: on a shared machine the wall
time includes waiting for a core. Not collected by pytest (``norecursedirs``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUDGET_S = 1.5


def write_fixture(path: Path, n_users: int) -> None:
    users = {f"user-{i:06d}": {"faces": [{"identity": f"user-{i:06d}"}]} for i in range(n_users)}
    path.write_text(json.dumps({"collections": {"bench": {"users": users}}}), encoding="utf-8")


def measure(path: str) -> None:
    """One cold load and one cached load in this process; prints a JSON line."""
    import rekostub._fixtures.faces as faces
    import rekostub._fixtures.load as fx

    inner = getattr(faces, "face_vectors")  # noqa: B009 - the name _fixture_faces imported
    spent = [0.0]

    def timed_face_vectors(*args: object) -> object:
        start = time.perf_counter()
        try:
            return inner(*args)
        finally:
            spent[0] += time.perf_counter() - start

    setattr(faces, "face_vectors", timed_face_vectors)  # noqa: B010
    wall, cpu = time.perf_counter(), time.process_time()
    fixture = fx.load_fixture(path)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    n = len(fixture.collections[0].table)
    assert fixture.collections[0].vectors.shape[0] == n
    start = time.perf_counter()
    again = fx.load_fixture(path)
    cached = time.perf_counter() - start
    assert again is fixture
    print(json.dumps({"wall": wall, "cpu": cpu, "vectors": spent[0], "cached": cached, "n": n}))


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--measure":
        measure(sys.argv[2])
        return 0
    n_users = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.json"
        write_fixture(path, n_users)
        print(f"fixture: {n_users:,} users, {path.stat().st_size / 1e6:.1f} MB")
        runs = []
        for _ in range(repeats):
            out = subprocess.run(
                [sys.executable, __file__, "--measure", str(path)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            runs.append(json.loads(out.strip().splitlines()[-1]))
    for i, run in enumerate(runs):
        print(
            f"run {i + 1}: first load {run['wall']:.3f} s wall, {run['cpu']:.3f} s CPU "
            f"(face_vectors {run['vectors']:.3f} s); cached re-load {run['cached'] * 1e6:.0f} us"
        )
    best = min(r["wall"] for r in runs)
    print(f"best first load: {best:.3f} s (budget {BUDGET_S} s)")
    return 0 if best < BUDGET_S else 1


if __name__ == "__main__":
    sys.exit(main())

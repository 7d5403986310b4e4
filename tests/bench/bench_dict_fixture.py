"""Benchmark: tests marked with the same dict fixture (issue 10).

Run: ``.venv/bin/python tests/bench/bench_dict_fixture.py [--quick]``. Prints:

1. The extra cost per test of ``stub(fixture=DICT)`` (what ``@pytest.mark.rekostub(fixture=DICT)``
   does around each test) at 1,000 users, against ``stub()`` with no fixture: a loop of
   enter/exit, best of 5 rounds, in CPU time of this process (target <= 1 ms; on a shared
   machine wall time mostly measures waiting for a core, its best round is printed too). The
   same through pytest: generated test files (marked with the dict, marked without a fixture,
   unmarked), each run in a fresh process, CPU time from ``getrusage``.
2. RSS (VmRSS from /proc/self/status) over 1,000 such tests at 10,000 users, with the same dict
   object and with an equal dict rebuilt for each test (target: < 5 % growth after the first).

Not collected by pytest (``norecursedirs``); figures vary on a shared machine.
"""

from __future__ import annotations

import gc
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import rekostub


def users_fixture(n: int) -> dict[str, Any]:
    users = {f"user-{i:06d}": {"faces": [{"identity": f"person-{i}"}]} for i in range(n)}
    return {"collections": {"bench": {"users": users}}}


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def per_test(body: Callable[[], object], tests: int, rounds: int = 5) -> tuple[float, float]:
    """Best-of-rounds (CPU, wall) seconds per test."""
    for _ in range(10):
        body()
    cpu = wall = float("inf")
    for _ in range(rounds):
        start, start_cpu = time.perf_counter(), time.process_time()
        for _ in range(tests):
            body()
        cpu = min(cpu, (time.process_time() - start_cpu) / tests)
        wall = min(wall, (time.perf_counter() - start) / tests)
    return cpu, wall


def loop_cost(n_users: int, tests: int) -> None:
    fixture = users_fixture(n_users)

    def marked() -> None:
        with rekostub.stub(fixture=fixture):
            pass

    def bare() -> None:
        with rekostub.stub():
            pass

    start = time.perf_counter()
    rekostub.FakeRekognition(users_fixture(n_users))
    first = time.perf_counter() - start
    (with_dict, with_wall), (without, without_wall) = per_test(marked, tests), per_test(bare, tests)
    extra = with_dict - without
    print(
        f"stub(fixture=DICT) at {n_users:,} users: first {first * 1e3:.1f} ms (parse + build), "
        f"then {with_dict * 1e3:.3f} ms CPU per test vs {without * 1e3:.3f} ms without a "
        f"fixture: {extra * 1e3:.3f} ms extra per test (target <= 1 ms) "
        f"{'MET' if extra <= 1e-3 else 'MISSED'}; best wall {with_wall * 1e3:.3f} vs "
        f"{without_wall * 1e3:.3f} ms"
    )


_TESTS = """
import pytest

FIXTURE = {{"collections": {{"bench": {{"users": {{
    f"user-{{i:06d}}": {{"faces": [{{"identity": f"person-{{i}}"}}]}} for i in range({n})
}}}}}}}}

@pytest.mark.parametrize("i", range({tests}))
{mark}def test_it(i):
    pass
"""


def pytest_cost(n_users: int, tests: int) -> None:
    """CPU time of pytest runs of ``tests`` tests: marked with the dict, marked with no
    fixture, unmarked (each a fresh process; best of 3)."""
    marks = {
        "marked with the dict": "@pytest.mark.rekostub(fixture=FIXTURE)\n",
        "marked, no fixture": "@pytest.mark.rekostub\n",
        "unmarked": "",
    }
    times = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, mark) in enumerate(marks.items()):
            path = Path(tmp) / f"test_{i}.py"
            path.write_text(_TESTS.format(n=n_users, tests=tests, mark=mark), encoding="utf-8")
            best = float("inf")
            for _ in range(3):
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                subprocess.run(
                    [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(path)],
                    cwd=tmp,
                    check=True,
                    capture_output=True,
                )
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
                best = min(best, cpu)
            times[name] = best
    dict_run, bare_marked, unmarked = times.values()
    print(
        f"pytest, {tests} tests at {n_users:,} users, CPU of the whole run: marked with the dict "
        f"{dict_run:.2f} s, marked with no fixture {bare_marked:.2f} s, unmarked {unmarked:.2f} s;"
        f" the dict costs {(dict_run - bare_marked) / tests * 1e3:.3f} ms per test over a marked "
        f"test without one (first test's parse included), the marker "
        f"{(dict_run - unmarked) / tests * 1e3:.3f} ms over an unmarked test"
    )


def rss_growth(n_users: int, tests: int, *, rebuild: bool) -> None:
    fixture = users_fixture(n_users)
    readings = []
    for i in range(tests):
        source = users_fixture(n_users) if rebuild else fixture
        with rekostub.stub(fixture=source) as fake:
            assert "bench" in fake.state.collections
        del source
        if i in (9, tests - 1):
            gc.collect()
            readings.append(rss_mb())
    after_first, last = readings
    growth = (last - after_first) / after_first * 100
    how = "an equal dict rebuilt per test" if rebuild else "the same dict"
    print(
        f"RSS over {tests:,} tests at {n_users:,} users ({how}): {after_first:.1f} MB after 10, "
        f"{last:.1f} MB after {tests:,}: {growth:+.1f} % (target < 5 %) "
        f"{'MET' if growth < 5 else 'MISSED'}"
    )


def main() -> int:
    quick = "--quick" in sys.argv
    print(
        f"machine: {platform.machine()} {os.cpu_count()} cores (shared), "
        f"Python {platform.python_version()}"
    )
    loop_cost(1000, 200 if quick else 1000)
    rss_growth(10_000, 100 if quick else 1000, rebuild=False)
    rss_growth(10_000, 50 if quick else 300, rebuild=True)
    if not quick:
        pytest_cost(1000, 500)
    return 0


if __name__ == "__main__":
    sys.exit(main())

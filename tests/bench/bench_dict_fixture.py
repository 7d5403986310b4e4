"""Benchmark: tests marked with the same dict fixture (issue 10).

Run: ``.venv/bin/python tests/bench/bench_dict_fixture.py [--quick]``. Prints:

1. The extra cost per test of ``stub(fixture=DICT)`` (what ``@pytest.mark.rekostub(fixture=DICT)``
   does around each test) at 1,000 users, against ``stub()`` with no fixture: a loop of
   enter/exit, best of 5 rounds (target <= 1 ms). The same through pytest: a generated test
   file of marked tests against one of unmarked tests, run in a fresh process.
2. RSS (VmRSS from /proc/self/status) over 1,000 such tests at 10,000 users, with the same dict
   object and with an equal dict rebuilt for each test (target: < 5 % growth after the first).

Not collected by pytest (``norecursedirs``); figures vary on a shared machine.
"""

from __future__ import annotations

import gc
import os
import platform
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


def per_test(body: Callable[[], object], tests: int, rounds: int = 5) -> float:
    """Best-of-rounds seconds per test."""
    for _ in range(10):
        body()
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(tests):
            body()
        best = min(best, (time.perf_counter() - start) / tests)
    return best


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
    with_dict = per_test(marked, tests)
    without = per_test(bare, tests)
    extra = with_dict - without
    print(
        f"stub(fixture=DICT) at {n_users:,} users: first {first * 1e3:.1f} ms (parse + build), "
        f"then {with_dict * 1e3:.3f} ms per test vs {without * 1e3:.3f} ms without a fixture: "
        f"{extra * 1e3:.3f} ms extra per test (target <= 1 ms) "
        f"{'MET' if extra <= 1e-3 else 'MISSED'}"
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
    """Wall time of a pytest run of ``tests`` marked tests minus one of unmarked tests."""
    times = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, mark in (("marked", "@pytest.mark.rekostub(fixture=FIXTURE)\n"), ("bare", "")):
            path = Path(tmp) / f"test_{name}.py"
            path.write_text(_TESTS.format(n=n_users, tests=tests, mark=mark), encoding="utf-8")
            best = float("inf")
            for _ in range(3):
                start = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(path)],
                    cwd=tmp,
                    check=True,
                    capture_output=True,
                )
                best = min(best, time.perf_counter() - start)
            times[name] = best
    extra = (times["marked"] - times["bare"]) / tests
    print(
        f"pytest, {tests} tests marked with one {n_users:,}-user dict: "
        f"{times['marked']:.2f} s vs {times['bare']:.2f} s unmarked: {extra * 1e3:.3f} ms extra "
        f"per test, first test's parse included (best of 3 runs)"
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

"""Start-up cost of ``REKOSTUB_FIXTURE`` (run: ``python tests/bench/bench_startup.py [runs]``).

Prints the median wall time of fresh ``python -c CODE`` processes with the variable unset and
set (to a real fixture file), for code that never imports botocore (``pass``, ``import json``;
target: < 10 ms more with the variable set) and, for reference, for code that builds a
Rekognition client (where rekostub, botocore and numpy are imported: paid only there).
Runs alternate between the two settings so that a busy machine slows both alike.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

CODES = {
    "pass": "pass",
    "import json": "import json",
    "boto3 client (reference)": (
        "import boto3; boto3.client('rekognition', region_name='us-east-1')"
    ),
}


def once(code: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    return time.perf_counter() - start


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    with tempfile.TemporaryDirectory() as folder:
        fixture = os.path.join(folder, "faces.json")
        with open(fixture, "w", encoding="utf-8") as out:
            json.dump({"collections": {"staff": {"users": {"alice": {"faces": [{}]}}}}}, out)
        unset = {k: v for k, v in os.environ.items() if k != "REKOSTUB_FIXTURE"}
        set_ = {**unset, "REKOSTUB_FIXTURE": fixture}
        print(f"python {sys.version.split()[0]}, {runs} runs each, median wall time")
        print(f"{'code':28} {'unset ms':>9} {'set ms':>9} {'extra ms':>9}")
        for name, code in CODES.items():
            times: dict[str, list[float]] = {"unset": [], "set": []}
            for _ in range(3):  # warm the file cache
                once(code, unset), once(code, set_)
            for _ in range(runs):
                times["unset"].append(once(code, unset))
                times["set"].append(once(code, set_))
            without = statistics.median(times["unset"]) * 1000
            with_ = statistics.median(times["set"]) * 1000
            print(f"{name:28} {without:9.1f} {with_:9.1f} {with_ - without:9.1f}")


if __name__ == "__main__":
    main()

"""ListFaces paging cost over 100,000 faces (run: ``python tests/bench/bench_list_faces.py``).

Walks the whole collection through a real boto3 client answered by rekostub, page by page,
and prints the total seconds and the milliseconds of the first and last pages. Paging resumes
by binary search in the FaceIds (``Collection.face_ids_after``), so every page costs the same:
the first and last pages should take about the same time (a quadratic walk would make the
last page ~100x slower than the first).
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from typing import Any

import boto3

import rekostub

N_FACES = 100_000
PAGE_SIZE = 1000
EDGE = 5  # pages averaged at each end


def fixture(n: int) -> dict[str, Any]:
    faces = [
        {"face_id": f"{i:08x}-0000-4000-8000-{i * 7919 % 10**12:012d}", "identity": f"p{i % 997}"}
        for i in range(n)
    ]
    return {"collections": {"bench": {"faces": faces}}}


def main() -> int:
    start = time.perf_counter()
    fake = rekostub.FakeRekognition(fixture(N_FACES))
    print(f"fixture: {N_FACES:,} faces built in {time.perf_counter() - start:.2f} s")
    client = boto3.client("rekognition", region_name="us-east-1")
    page_ms: list[float] = []
    seen = 0
    with rekostub.stub(client, fake=fake):
        for _ in range(3):  # warm up botocore and the interpreter
            client.list_faces(CollectionId="bench", MaxResults=PAGE_SIZE)
        gc.collect()
        kwargs: dict[str, Any] = {"CollectionId": "bench", "MaxResults": PAGE_SIZE}
        walk_start = time.perf_counter()
        while True:
            t0 = time.perf_counter()
            page = client.list_faces(**kwargs)
            page_ms.append((time.perf_counter() - t0) * 1000)
            seen += len(page["Faces"])
            token = page.get("NextToken")
            if token is None:
                break
            kwargs["NextToken"] = token
        total = time.perf_counter() - walk_start
    if seen != N_FACES:
        print(f"ERROR: walked {seen} faces, expected {N_FACES}")
        return 1
    first = statistics.median(page_ms[:EDGE])
    last = statistics.median(page_ms[-EDGE:])
    print(f"walked {seen:,} faces in {len(page_ms)} pages of {PAGE_SIZE}: {total:.2f} s total")
    print(f"first page: {page_ms[0]:.2f} ms (median of first {EDGE}: {first:.2f} ms)")
    print(f"last page:  {page_ms[-1]:.2f} ms (median of last {EDGE}: {last:.2f} ms)")
    print(f"last/first: {last / first:.2f}x (about 1 = linear paging)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

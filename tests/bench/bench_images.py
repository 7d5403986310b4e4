"""Benchmark: per-call cost of the image operations vs SearchUsers, through a real boto3 client.

Run: ``.venv/bin/python tests/bench/bench_images.py [calls] [users]`` (defaults 200, 1000).

A collection of ``users`` users (one face each) is built from a fixture dict. Each figure is the
median of ``calls`` calls, in microseconds per call, and its ratio to SearchUsers (by FaceId):

* IndexFaces of a PNG ``face_image`` -- a distinct image every call (the codes are decoded), and
  the same image again (the decoded faces are cached by SHA-256; ``ExternalImageId`` differs so
  each call still stores a face);
* SearchUsersByImage of a PNG ``face_image`` -- distinct images, and the same image again;
* SearchUsersByImage of a JPEG crop of a group photo (Pillow crop + JPEG save, as AWS's
  ``detect_users.py`` sample does) -- distinct crops.

Not collected by pytest (``norecursedirs``).
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import time
from collections.abc import Iterator
from typing import Any, Callable

import boto3
from PIL import Image

import rekostub


def fixture(users: int) -> dict[str, Any]:
    people = {f"user-{i:05d}": {"faces": [{"identity": f"user-{i:05d}"}]} for i in range(users)}
    return {"collections": {"bench": {"users": people}}}


def median_us(calls: Iterator[Callable[[], object]]) -> float:
    times = []
    for call in calls:
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def jpeg_crops(count: int, users: int) -> list[bytes]:
    """Crops of group photos (10 faces each), each face box cropped and saved as JPEG."""
    crops: list[bytes] = []
    group_no = 0
    while len(crops) < count:
        names = [f"user-{(group_no * 10 + k) % users:05d}" for k in range(10)]
        photo = Image.open(io.BytesIO(rekostub.face_image(*names, format="JPEG")))
        width, height = photo.size
        client = boto3.client("rekognition", region_name="us-east-1")
        with rekostub.stub(client):
            details = client.detect_faces(Image={"Bytes": photo_bytes(photo)})["FaceDetails"]
        for detail in details:
            box = detail["BoundingBox"]
            left, top = box["Left"] * width, box["Top"] * height
            crop = photo.crop(
                (left, top, left + box["Width"] * width, top + box["Height"] * height)
            )
            out = io.BytesIO()
            crop.save(out, format="JPEG")
            crops.append(out.getvalue())
        group_no += 1
    return crops[:count]


def photo_bytes(photo: Image.Image) -> bytes:
    out = io.BytesIO()
    photo.save(out, format="JPEG", quality=95)
    return out.getvalue()


def main() -> int:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    users = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    pngs = [rekostub.face_image(f"user-{i % users:05d}", size=(320, 320)) for i in range(calls)]
    index_pngs = [rekostub.face_image(f"new-{i}", size=(320, 320)) for i in range(calls)]
    crops = jpeg_crops(calls, users)
    c = boto3.client("rekognition", region_name="us-east-1")
    with rekostub.stub(fixture=fixture(users)) as fake:
        face_id = next(iter(fake.state.collections["bench"].faces))
        for _ in range(20):  # warm up botocore and the fake
            c.search_users(CollectionId="bench", FaceId=face_id)
        figures = {
            "SearchUsers (by FaceId)": median_us(
                (lambda: c.search_users(CollectionId="bench", FaceId=face_id)) for _ in range(calls)
            ),
            "IndexFaces, PNG, distinct images": median_us(
                (lambda d=d: c.index_faces(CollectionId="bench", Image={"Bytes": d}))
                for d in index_pngs
            ),
            "IndexFaces, PNG, same image": median_us(
                (
                    lambda i=i: c.index_faces(
                        CollectionId="bench",
                        Image={"Bytes": index_pngs[0]},
                        ExternalImageId=f"again-{i}",
                    )
                )
                for i in range(calls)
            ),
            "SearchUsersByImage, PNG, distinct images": median_us(
                (lambda d=d: c.search_users_by_image(CollectionId="bench", Image={"Bytes": d}))
                for d in pngs
            ),
            "SearchUsersByImage, PNG, same image": median_us(
                (lambda: c.search_users_by_image(CollectionId="bench", Image={"Bytes": pngs[0]}))
                for _ in range(calls)
            ),
            "SearchUsersByImage, JPEG crop, distinct": median_us(
                (lambda d=d: c.search_users_by_image(CollectionId="bench", Image={"Bytes": d}))
                for d in crops
            ),
        }
        hits = c.search_users_by_image(CollectionId="bench", Image={"Bytes": crops[0]})
        assert hits["UserMatches"], "a JPEG crop must identify its person"
    base = figures["SearchUsers (by FaceId)"]
    print(f"{calls} calls each, {users} users; median per call")
    for name, us in figures.items():
        print(f"  {name:<42} {us:9.0f} us   {us / base:5.1f}x SearchUsers")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

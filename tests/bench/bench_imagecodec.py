"""Image codec timings (run: ``python tests/bench/bench_imagecodec.py``). Prints figures.

Targets: face_image for a 1024x768 image < 20 ms; read_faces of it (PNG, JPEG q75) < 50 ms.
"""

from __future__ import annotations

import io
import time
from typing import Callable

from PIL import Image

from rekostub._images.codec import face_image, read_faces


def best(fn: Callable[[], object], runs: int = 7) -> float:
    fn()
    result = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        result = min(result, time.perf_counter() - start)
    return result


def main() -> None:
    names = ["alice", "bob", "carol", "dave", "erin"]
    drawing = best(lambda: face_image(*names, size=(1024, 768)))
    print(f"face_image 1024x768, 5 faces: {drawing * 1e3:.1f} ms")
    data = face_image(*names, size=(1024, 768))
    print(f"read_faces PNG 1024x768: {best(lambda: read_faces(data)) * 1e3:.1f} ms")
    out = io.BytesIO()
    Image.open(io.BytesIO(data)).convert("RGB").save(out, "JPEG", quality=75)
    jpeg = out.getvalue()
    print(f"read_faces JPEG q75 1024x768: {best(lambda: read_faces(jpeg)) * 1e3:.1f} ms")


if __name__ == "__main__":
    main()

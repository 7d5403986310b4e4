"""Hostile inputs (issue 13): worst-case time and peak memory per input class.

    python tests/bench/bench_hostile.py            # every class, each case 3 times
    python tests/bench/bench_hostile.py --repeat 1 # quicker

Each case runs in a fresh interpreter: its input is prepared beforehand (files in a temporary
folder), so the peak resident memory printed is the call's own (``ru_maxrss`` after the call
minus before it; the interpreter with boto3, numpy and rekostub loaded is the baseline).
Images go through a real boto3 client (DetectFaces) answered by ``rekostub.stub()``; request
bodies through SearchUsers; fixtures through ``FakeRekognition(path)``; patterns through the
validator, one adversarial value of 262,144 characters per pattern of the model.

Targets (issue 13): every image the service accepts answered within ~1 s and ~300 MB, or refused
as the service refuses it; patterns linear in the value's length.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any, Callable

N = 262_144  # characters of the adversarial pattern values (the SNSTopicArn case of the issue)


# -- inputs ------------------------------------------------------------------------------------


def _png(width: int, height: int, filter_type: int, *, channels: int = 3, extra: int = 0) -> bytes:
    from rekostub._images.png import PNG_SIGNATURE, _chunk

    row = bytes([filter_type]) + bytes(width * channels)
    deflate = zlib.compressobj(9)
    idat = b"".join(deflate.compress(row) for _ in range(height + extra)) + deflate.flush()
    ctype = {1: 0, 3: 2}[channels]
    ihdr = struct.pack(">IIBBBBB", width, height, 8, ctype, 0, 0, 0)
    return PNG_SIGNATURE + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def _jpeg(width: int, height: int, progressive: bool = False) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (180, 120, 90)).save(
        out, format="JPEG", quality=60, progressive=progressive
    )
    return out.getvalue()


def _alias_bomb() -> str:
    levels = ['&a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        levels.append(f"&{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "options:\n  account_id: [" + ", ".join(levels) + "]\n"


IMAGES: dict[str, Callable[[], bytes]] = {
    "png 11585x11585 (refused)": lambda: _png(11_585, 11_585, 0, channels=1),
    "png 10000x10000 RGB Paeth": lambda: _png(10_000, 10_000, 4),
    "png 10000x10000 RGB Up": lambda: _png(10_000, 10_000, 2),
    "png 10000x10000 RGB Sub": lambda: _png(10_000, 10_000, 1),
    "png 10000x10000 RGB None": lambda: _png(10_000, 10_000, 0),
    "png 1920x1080 RGB Paeth": lambda: _png(1920, 1080, 4),
    "png 80x10000 RGB Paeth": lambda: _png(80, 10_000, 4),
    "png 10000x207 RGB Paeth": lambda: _png(10_000, 207, 4),
    "png 100x100 + 1M extra rows": lambda: _png(100, 100, 0, extra=1_000_000),
    "jpeg 13000x13000 (refused)": lambda: _jpeg(13_000, 13_000),
    "jpeg 10000x10000 baseline": lambda: _jpeg(10_000, 10_000),
    "jpeg 10000x10000 progressive": lambda: _jpeg(10_000, 10_000, progressive=True),
    "jpeg 4000x3000 baseline": lambda: _jpeg(4_000, 3_000),
}
BODIES: dict[str, Callable[[], bytes]] = {
    "body nested 1,000 deep": lambda: (
        b'{"CollectionId":"staff","X":' + b"[" * 999 + b"]" * 999 + b"}"
    ),
    "body nested 1,000,000 deep": lambda: b'{"X":' + b"[" * 10**6 + b"]" * 10**6 + b"}",
    "body 5 MB string member": lambda: b'{"CollectionId":"' + b"a" * 5_000_000 + b'"}',
}
FIXTURES: dict[str, Callable[[], tuple[str, str]]] = {
    "fixture json 100,000 deep": lambda: ("f.json", "[" * 100_000 + "]" * 100_000),
    "fixture toml 100,000 deep": lambda: ("f.toml", "a = " + "[" * 100_000 + "]" * 100_000),
    "fixture yaml 100,000 deep": lambda: ("f.yaml", "a: " + "[" * 100_000 + "]" * 100_000),
    "fixture yaml alias bomb": lambda: ("f.yaml", _alias_bomb()),
    "fixture 5,000-digit integer": lambda: (
        "f.json",
        '{"options": {"updating_seconds": ' + "9" * 5_000 + "}}",
    ),
}


# -- one case, in a fresh interpreter -------------------------------------------------------


def _client() -> Any:
    import boto3
    from botocore.config import Config

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    return boto3.session.Session().client(
        "rekognition",
        region_name="us-east-1",
        config=Config(parameter_validation=False, retries={"total_max_attempts": 1}),
    )


def _outcome(call: Callable[[], Any]) -> str:
    from botocore.exceptions import ClientError

    try:
        call()
    except ClientError as exc:
        return str(exc.response["Error"]["Code"])
    except Exception as exc:
        return f"{type(exc).__name__} (escaped!)"
    return "200"


def run_case(kind: str, name: str, folder: Path) -> dict[str, Any]:
    import rekostub
    from rekostub._fixtures.load import clear_cache

    client = _client()
    with rekostub.stub():
        client.list_collections()  # warm: the model, the hooks
    data = (folder / "input").read_bytes() if kind != "fixture" else b""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    if kind == "image":
        with rekostub.stub():
            outcome = _outcome(lambda: client.detect_faces(Image={"Bytes": data}))
    elif kind == "body":

        def send() -> Any:
            def replace(request: Any, **_: Any) -> None:
                request.data = data

            client.meta.events.register("before-sign.rekognition", replace)
            return client.describe_collection(CollectionId="staff")

        with rekostub.stub(fixture={"collections": {"staff": {}}}):
            outcome = _outcome(send)
    else:
        clear_cache()
        path = next(p for p in folder.iterdir() if p.name.startswith("f."))
        try:
            rekostub.FakeRekognition(str(path))
            outcome = "loaded"
        except rekostub.FixtureError:
            outcome = "FixtureError"
        except BaseException as exc:
            outcome = f"{type(exc).__name__} (escaped!)"
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    return {
        "seconds": seconds,
        "peak_mb": (after - before) * scale / 2**20,
        "outcome": outcome,
        "bytes": len(data),
    }


def run_patterns() -> list[tuple[float, str, str]]:
    """(seconds, pattern, value kind) of the slowest value for every pattern of the model."""
    from rekostub._common.names import service_model
    from rekostub._validation import shape_problems

    model = service_model()
    shapes: dict[str, Any] = {}
    for name in model.shape_names:
        shape = model.shape_for(name)
        pattern = shape.metadata.get("pattern")
        if pattern and pattern not in shapes:
            shapes[pattern] = shape
    values = {f"{c!r}*N+newline": c * N + "\n" for c in "a0 :-{}/x.@_"}
    values["':' + 12 word chars + ':' repeated + newline"] = (
        "arn:aws:sns:" + ":aaaaaaaaaaaa:" * (N // 14) + "\n"
    )
    values["arn prefix + 'x'*N + newline"] = "arn:a:kinesis:b:123456789012:" + "x" * N + "\n"
    values["'a' + '-'*N + '!'"] = "a" + "-" * N + "!"
    values["'{' + '}'*N + 'x'"] = "{" + "}" * N + "x"
    results = []
    for pattern, shape in shapes.items():
        shape_problems(shape, "warm")  # compile the pattern first
        worst = (0.0, pattern, "")
        for label, value in values.items():
            start = time.perf_counter()
            shape_problems(shape, value)
            seconds = time.perf_counter() - start
            if seconds > worst[0]:
                worst = (seconds, pattern, label)
        results.append(worst)
    return sorted(results, reverse=True)


# -- driver -------------------------------------------------------------------------------------


def _prepare(kind: str, name: str, folder: Path) -> None:
    if kind == "image":
        (folder / "input").write_bytes(IMAGES[name]())
    elif kind == "body":
        (folder / "input").write_bytes(BODIES[name]())
    else:
        file_name, text = FIXTURES[name]()
        (folder / file_name).write_text(text)


def _child(argv: list[str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, *argv], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"case {argv} failed:\n{out.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="", help="run the cases whose name contains this")
    parser.add_argument(
        "--case", nargs=3, metavar=("KIND", "NAME", "FOLDER"), help=argparse.SUPPRESS
    )
    parser.add_argument(
        "--prepare", nargs=3, metavar=("KIND", "NAME", "FOLDER"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.prepare:
        kind, name, folder = args.prepare
        _prepare(kind, name, Path(folder))
        print("{}")
        return
    if args.case:
        kind, name, folder = args.case
        print(json.dumps(run_case(kind, name, Path(folder))))
        return

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; worst of {args.repeat} runs")
    print(f"{'case':<36} {'input':>10} {'outcome':<24} {'worst s':>8} {'peak MB':>8}")
    cases = [("image", n) for n in IMAGES] + [("body", n) for n in BODIES]
    cases += [("fixture", n) for n in FIXTURES]
    for kind, name in cases:
        if args.only not in name:
            continue
        with tempfile.TemporaryDirectory() as folder:
            _child(["--prepare", kind, name, folder])
            runs = [_child(["--case", kind, name, folder]) for _ in range(args.repeat)]
        seconds = max(r["seconds"] for r in runs)
        peak = max(r["peak_mb"] for r in runs)
        size = runs[0]["bytes"]
        shown = f"{size / 1e3:,.0f} KB" if size else "-"
        print(f"{name:<36} {shown:>10} {runs[0]['outcome']:<24} {seconds:>8.2f} {peak:>8.0f}")

    if "pattern" in args.only or not args.only:
        print(f"\npatterns: one value of {N:,} characters per kind, every pattern of the model")
        results = run_patterns()
        for seconds, pattern, label in results[:5]:
            print(f"  {seconds * 1e3:8.1f} ms  {pattern[:60]:<60} {label}")
        print(f"worst over {len(results)} patterns: {results[0][0] * 1e3:.1f} ms")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    main()

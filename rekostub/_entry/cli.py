"""The command line, ``python -m rekostub COMMAND`` (also installed as ``rekostub``).

Each command is one row of :data:`COMMANDS`: its name, a one-line help, a function that adds
its arguments to its sub-parser and a function that runs it and returns the exit status. A new
command is a new row. Exit statuses: 0 all good, 1 the command found problems (a bad fixture),
2 a usage error (argparse's).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

from rekostub._server import cli as serve_cli

__all__ = ["COMMANDS", "Command", "check_fixture_file", "fixture_schema", "main"]

DATA = Path(__file__).resolve().parent.parent / "data"
DEMO_FIXTURE = DATA / "demo.json"
SCHEMA_FILE = DATA / "fixture.schema.json"

DESCRIPTION = """\
rekostub: an in-memory Amazon Rekognition fake for boto3 tests.

exit status: 0 when all is well, 1 when a command found problems (a bad fixture),
2 for a usage error."""


@dataclass(frozen=True)
class Command:
    """One sub-command: ``add_arguments(parser)`` declares its arguments, ``run(args)`` runs it
    and returns the exit status."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def _no_arguments(parser: argparse.ArgumentParser) -> None:
    del parser


# -- demo -------------------------------------------------------------------------------------


def _demo(args: argparse.Namespace) -> int:
    del args
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    from rekostub._entry.stub import stub
    from rekostub._fixtures.load import load_fixture

    fixture = load_fixture(str(DEMO_FIXTURE))
    collection_id, face_id = _demo_face(fixture)
    with stub(fixture=fixture):
        # UNSIGNED: no credential look-up at all, so the demo runs on any machine, offline.
        client = boto3.client(
            "rekognition", region_name="us-east-1", config=Config(signature_version=UNSIGNED)
        )
        request = {"CollectionId": collection_id, "FaceId": face_id, "MaxUsers": 5}
        print(f"client.search_users(**{request!r})  # answered by rekostub, not AWS")
        response = client.search_users(**request)
    print(json.dumps(response, indent=2, default=str))
    return 0


def _demo_face(fixture: Any) -> tuple[str, str]:
    """(collection id, face id) to search from: the first face on a user in the demo fixture."""
    for col in fixture.collections:
        faces = [f for f in col.faces if f.user_id is not None] or list(col.faces)
        if faces:
            return str(col.collection_id), str(faces[0].face_id)
    raise SystemExit(f"the demo fixture {fixture.source} has no faces")


# -- check ------------------------------------------------------------------------------------


def check_fixture_file(path: str) -> tuple[Any, list[Any]]:
    """(the loaded Fixture or None, every problem found): the structure, the values, the
    ``images`` section (each named file must exist and be a PNG or JPEG that decodes)."""
    from rekostub._common.errors import FixtureError
    from rekostub._fixtures.formats import _EXTENSIONS, _parse_text
    from rekostub._fixtures.load import load_fixture
    from rekostub._fixtures.specs import Fixture
    from rekostub._images.registry import image_registry

    problems: list[FixtureError] = []
    fixture: Optional[Fixture] = None
    try:
        fixture = load_fixture(path)
    except FixtureError as exc:
        problems.extend(exc.problems)
        if not exc.problems[0].path:  # the file itself (missing, syntax): nothing else to see
            return None, problems
    images_of = fixture
    if images_of is None:  # the rest is bad: check the images section on its own
        file = Path(path)
        if file.suffix.lower() in _EXTENSIONS:
            data = _parse_text(file.read_text(encoding="utf-8-sig"), file.suffix.lower(), path)
            raw = data.get("images") if isinstance(data, dict) else None
            if isinstance(raw, dict) and raw:
                images_of = Fixture(source=path, images=raw, base_dir=file.resolve().parent)
    if images_of is not None:
        try:
            registry = image_registry(images_of)
        except FixtureError as exc:
            problems.extend(exc.problems)
        else:
            del registry
            problems.extend(_undecodable(images_of))
    return (fixture if not problems else None), problems


def _undecodable(fixture: Any) -> list[Any]:
    """A problem for each image file of the (checked) section that does not decode."""
    from rekostub._common.errors import FixtureError
    from rekostub._images.read import ImageDecodeError, _decode

    base = fixture.base_dir if fixture.base_dir is not None else Path.cwd()
    out: list[FixtureError] = []
    for ref, value in fixture.images.items():
        is_s3 = ref.startswith("s3://")
        name = (value or {}).get("file") if is_s3 else ref
        if name is None or name.startswith("sha256:"):
            continue
        path = base / name
        try:
            _decode(path.read_bytes())
        except ImageDecodeError as exc:
            if "need Pillow" in str(exc):  # described images are matched by their bytes
                continue
            out.append(
                FixtureError(
                    f"{path} does not decode as an image: {exc}",
                    source=fixture.source,
                    path=f'images["{ref}"]' + (".file" if is_s3 else ""),
                )
            )
    return out


def _check_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("fixtures", nargs="+", metavar="FIXTURE", help=".json/.toml/.yaml file")


def _check(args: argparse.Namespace) -> int:
    status = 0
    for path in args.fixtures:
        fixture, problems = check_fixture_file(path)
        if problems:
            status = 1
            count = "1 problem" if len(problems) == 1 else f"{len(problems)} problems"
            print(f"{path}: {count}", file=sys.stderr)
            for problem in problems:
                print(f"  {problem.path or '(the file)'}: {problem.problem}", file=sys.stderr)
            continue
        print(f"{path}: OK")
        for col in fixture.collections:
            users_with_faces = len({f.user_id for f in col.faces if f.user_id is not None})
            print(
                f"  collection {col.collection_id!r} (face model {col.face_model_version}): "
                f"{len(col.users)} users ({users_with_faces} with faces), {len(col.faces)} faces"
            )
        if fixture.images:
            print(f"  images described: {len(fixture.images)}")
    return status


# -- schema -----------------------------------------------------------------------------------


def fixture_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a fixture, from the file shipped in the package."""
    schema: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return schema


def _schema(args: argparse.Namespace) -> int:
    del args
    print(json.dumps(fixture_schema(), indent=2))
    return 0


def _pack_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("src", help="the fixture to pack (.json/.toml/.yaml or packed)")
    parser.add_argument("dest", help="the packed file to write")


def _pack(args: argparse.Namespace) -> int:
    from rekostub._service.fake import FakeRekognition

    print(f"wrote {FakeRekognition(args.src).snapshot(args.dest)}")
    return 0


COMMANDS: list[Command] = [
    Command(
        "demo",
        "run a real boto3 SearchUsers against a fixture shipped in the package",
        _no_arguments,
        _demo,
    ),
    Command(
        "check",
        "check fixture files: every problem with its place (exit 1 if any), or a summary",
        _check_arguments,
        _check,
    ),
    Command("serve", serve_cli.HELP, serve_cli.add_arguments, serve_cli.run),
    Command(
        "pack",
        "write a fixture as a packed file that opens memory-mapped (see docs/performance.md)",
        _pack_arguments,
        _pack,
    ),
    Command(
        "schema",
        "print the JSON Schema (draft 2020-12) of a fixture, for editors and validators",
        _no_arguments,
        _schema,
    ),
]


def parser() -> argparse.ArgumentParser:
    from rekostub._common.version import __version__

    top = argparse.ArgumentParser(
        prog="python -m rekostub",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    top.add_argument("--version", action="version", version=f"rekostub {__version__}")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        one = sub.add_parser(command.name, help=command.help, description=command.help)
        command.add_arguments(one)
        one.set_defaults(run=command.run)
    return top


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parser().parse_args(argv)
    status: int = args.run(args)
    return status

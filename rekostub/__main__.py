"""``python -m rekostub demo``, ``check FIXTURE`` and ``pack SRC DEST``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from rekostub._server import cli as serve_cli

if TYPE_CHECKING:
    from rekostub._fixtures.load import Fixture

DEMO_FIXTURE = "demo.json"


def _demo_face(fixture: Fixture) -> tuple[str, str]:
    """(collection id, face id) to search from: the first face on a user in the demo fixture."""
    for col in fixture.collections:
        faces = [f for f in col.faces if f.user_id is not None] or list(col.faces)
        if faces:
            return col.collection_id, faces[0].face_id
    raise SystemExit(f"the demo fixture {fixture.source} has no faces")


def _demo() -> int:
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    import rekostub

    path = Path(rekostub.__file__).parent / "data" / DEMO_FIXTURE
    collection_id, face_id = _demo_face(rekostub.load_fixture(str(path)))
    with rekostub.stub(fixture=str(path)):
        # UNSIGNED: no credential look-up at all, so the demo runs on any machine, offline.
        client = boto3.client(
            "rekognition", region_name="us-east-1", config=Config(signature_version=UNSIGNED)
        )
        request = {"CollectionId": collection_id, "FaceId": face_id, "MaxUsers": 5}
        print(f"client.search_users(**{request!r})  # answered by rekostub, not AWS")
        response = client.search_users(**request)
    print(json.dumps(response, indent=2, default=str))
    return 0


def _check(path: str) -> int:
    from rekostub import FixtureError, load_fixture

    try:
        fixture = load_fixture(path)
    except FixtureError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{path}: OK")
    for col in fixture.collections:
        users_with_faces = len({f.user_id for f in col.faces if f.user_id is not None})
        print(
            f"  collection {col.collection_id!r} (face model {col.face_model_version}): "
            f"{len(col.users)} users ({users_with_faces} with faces), {len(col.faces)} faces"
        )
    if fixture.images:
        print(f"  images described: {len(fixture.images)}")
    return 0


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rekostub", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="run a real boto3 SearchUsers against a shipped fixture")
    check = commands.add_parser("check", help="validate a fixture file and summarise it")
    check.add_argument("fixture", help="path to a .json/.toml/.yaml fixture")
    serve_cli.add_serve_command(commands)
    pack = commands.add_parser("pack", help="write a fixture as a packed (memory-mapped) file")
    pack.add_argument("src", help="the fixture to pack (.json/.toml/.yaml or packed)")
    pack.add_argument("dest", help="the packed file to write")
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve_cli.run(args)
    if args.command == "demo":
        return _demo()
    if args.command == "pack":
        from rekostub import FakeRekognition

        print(f"wrote {FakeRekognition(args.src).snapshot(args.dest)}")
        return 0
    return _check(args.fixture)


if __name__ == "__main__":
    sys.exit(main())

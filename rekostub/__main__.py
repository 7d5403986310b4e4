"""``python -m rekostub demo`` and ``python -m rekostub check FIXTURE``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Optional

DEMO_FIXTURE = "demo.json"
DEMO_FACE_ID = "11111111-1111-4111-8111-111111111111"


def _demo() -> int:
    import boto3

    import rekostub

    path = Path(rekostub.__file__).parent / "data" / DEMO_FIXTURE
    with rekostub.stub(fixture=str(path)):
        client = boto3.client("rekognition", region_name="us-east-1")
        request = {"CollectionId": "demo-staff", "FaceId": DEMO_FACE_ID, "MaxUsers": 5}
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
    args = parser.parse_args(argv)
    if args.command == "demo":
        return _demo()
    return _check(args.fixture)


if __name__ == "__main__":
    sys.exit(main())

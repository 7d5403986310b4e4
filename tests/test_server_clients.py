"""Other clients against the server: the AWS SDK for JavaScript v3, the AWS CLI v1, and many
boto3 threads at once. The outside programs come from ``bash .ci/tools``; offline here."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import STAFF
from server_support import DUMMY_KEY, DUMMY_SECRET, server_client

import rekostub

ROOT = Path(__file__).resolve().parent.parent
JS_DIR = ROOT / "tests" / "js"
AWS_CLI = ROOT / ".tools" / "awscli" / "bin" / "aws"
PORTRAITS = {"ada": 2, "grace": 3, "linus": 1}


def clean_env(home: Path) -> dict[str, str]:
    """A child's environment: no real AWS settings, dummy credentials, nothing else leaking."""
    empty = home / "empty-aws-config"
    empty.touch()
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "AWS_ACCESS_KEY_ID": DUMMY_KEY,
        "AWS_SECRET_ACCESS_KEY": DUMMY_SECRET,
        "AWS_CONFIG_FILE": str(empty),
        "AWS_SHARED_CREDENTIALS_FILE": str(empty),
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def write_portraits(folder: Path) -> Path:
    """Enrolment photos <person>-<n>.png (each a different picture) and query.png of grace."""
    folder.mkdir()
    for person, takes in PORTRAITS.items():
        for take in range(1, takes + 1):
            image = rekostub.face_image(person, size=(260 + 30 * take, 300))
            (folder / f"{person}-{take}.png").write_bytes(image)
    (folder / "query.png").write_bytes(rekostub.face_image("grace", size=(420, 380)))
    return folder


# -- JavaScript ------------------------------------------------------------------------------
def test_javascript_sdk_runs_the_user_vector_flow(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None or not (JS_DIR / "node_modules" / "@aws-sdk" / "client-rekognition").is_dir():
        pytest.skip("node or tests/js/node_modules is absent: run `bash .ci/tools` (needs node)")
    images = write_portraits(tmp_path / "images")
    with rekostub.serve() as server:
        done = subprocess.run(
            [node, str(JS_DIR / "user_vectors.mjs"), server.url, str(images)],
            cwd=JS_DIR,
            env=clean_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout)
        calls = Counter(call.operation for call in server.fake.calls)
        regions = {call.region for call in server.fake.calls}

    assert {person: len(faces) for person, faces in result["people"].items()} == PORTRAITS
    assert result["associated"] == result["people"]
    top = result["userMatches"][0]
    assert top["User"] == {"UserId": "grace", "UserStatus": "ACTIVE"}
    assert top["Similarity"] > 99
    assert [m["User"]["UserId"] for m in result["userMatches"]] == ["grace"]
    assert result["searchedFace"]["FaceDetail"]["BoundingBox"]["Width"] > 0
    assert result["requestId"]
    assert result["missing"] == {
        "name": "ResourceNotFoundException",
        "isModeled": True,
        "status": 400,
        "message": "The collection id: nope does not exist",
    }
    assert calls == {
        "CreateCollection": 1,
        "IndexFaces": 6,
        "CreateUser": 4,
        "AssociateFaces": 3,
        "SearchUsersByImage": 1,
    }
    assert regions == {"eu-west-1"}


# -- AWS CLI v1 ------------------------------------------------------------------------------
CLI_OPTIONS = ("--region", "ap-northeast-1", "--output", "json")


def test_aws_cli_v1_against_the_endpoint(tmp_path: Path) -> None:
    if not AWS_CLI.exists():
        pytest.skip(f"{AWS_CLI.relative_to(ROOT)} is absent: run `bash .ci/tools`")
    images = write_portraits(tmp_path / "images")
    env = clean_env(tmp_path)

    with rekostub.serve() as server:

        def aws(*args: str) -> Any:
            done = subprocess.run(
                [str(AWS_CLI), "rekognition", *args, "--endpoint-url", server.url, *CLI_OPTIONS],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            if done.returncode != 0:
                return done.stderr
            return json.loads(done.stdout) if done.stdout.strip() else {}

        aws("create-collection", "--collection-id", "cli")
        indexed = aws(
            "index-faces",
            "--collection-id",
            "cli",
            "--image-bytes",
            f"fileb://{images / 'ada-1.png'}",
        )
        aws("create-user", "--collection-id", "cli", "--user-id", "ada")
        face_ids = [r["Face"]["FaceId"] for r in indexed["FaceRecords"]]
        associated = aws(
            "associate-faces", "--collection-id", "cli", "--user-id", "ada", "--face-ids", *face_ids
        )
        found = aws(
            "search-users-by-image",
            "--collection-id",
            "cli",
            "--image-bytes",
            f"fileb://{images / 'ada-2.png'}",
        )
        missing = aws("describe-collection", "--collection-id", "nope")
        regions = {call.region for call in server.fake.calls}

    assert len(face_ids) == 1
    assert associated["AssociatedFaces"] == [{"FaceId": face_ids[0]}]
    assert found["UserMatches"][0]["User"] == {"UserId": "ada", "UserStatus": "ACTIVE"}
    assert "ResourceNotFoundException" in missing
    assert "The collection id: nope does not exist" in missing
    assert regions == {"ap-northeast-1"}


# -- many boto3 clients at once --------------------------------------------------------------
THREADS = 8
ROUNDS = 6


def test_concurrent_clients_keep_the_invariants() -> None:
    with rekostub.serve(fixture=STAFF) as server:
        setup = server_client(server)
        setup.create_collection(CollectionId="busy")
        # a different picture of each thread's person every round (one picture, one face)
        images = {
            (i, r): rekostub.face_image(f"person-{i}", size=(256 + 16 * r, 256))
            for i in range(THREADS)
            for r in range(ROUNDS)
        }
        failures: list[BaseException] = []
        barrier = threading.Barrier(THREADS)

        def work(i: int) -> None:
            try:
                c = server_client(server)
                barrier.wait(timeout=60)
                for r in range(ROUNDS):
                    user = f"t{i}-r{r}"
                    face = c.index_faces(CollectionId="busy", Image={"Bytes": images[i, r]})
                    face_id = face["FaceRecords"][0]["Face"]["FaceId"]
                    c.create_user(CollectionId="busy", UserId=user)
                    c.associate_faces(CollectionId="busy", UserId=user, FaceIds=[face_id])
                    found = c.search_users(CollectionId="busy", FaceId=face_id, MaxUsers=500)
                    # the thread's own earlier users share this identity; nobody else's do
                    ids = {m["User"]["UserId"] for m in found["UserMatches"]}
                    assert ids <= {f"t{i}-r{k}" for k in range(r + 1)}
                    assert user in ids
                    alice = c.search_users(CollectionId="staff", UserId="alice")
                    assert alice["SearchedUser"] == {"UserId": "alice"}
                    if r % 2:
                        c.delete_user(CollectionId="busy", UserId=user)
            except BaseException as exc:
                failures.append(exc)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        assert not any(t.is_alive() for t in threads)
        if failures:
            raise failures[0]

        described = setup.describe_collection(CollectionId="busy")
        listed = setup.list_users(CollectionId="busy", MaxResults=500)["Users"]
        log = list(server.fake.calls)

    kept = {f"t{i}-r{r}" for i in range(THREADS) for r in range(ROUNDS) if r % 2 == 0}
    assert {u["UserId"] for u in listed} == kept
    assert described["FaceCount"] == THREADS * ROUNDS
    assert described["UserCount"] == len(kept)
    per_thread = Counter(call.operation for call in log if call.operation != "DescribeCollection")
    n = THREADS * ROUNDS
    assert per_thread == {
        "CreateCollection": 1,
        "IndexFaces": n,
        "CreateUser": n,
        "AssociateFaces": n,
        "SearchUsers": 2 * n,
        "DeleteUser": n // 2,
        "ListUsers": 1,
    }
    assert all(call.error is None for call in log)

"""Packed fixtures: written by ``python -m rekostub pack`` and ``fake.snapshot(path)``, opened
memory-mapped everywhere a fixture path is accepted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import numpy as np
import pytest
from conftest import ALICE_1, ALICE_85, STAFF

import rekostub
from rekostub import FixtureError, load_fixture

WEST: dict[str, Any] = {
    "collections": {
        **STAFF["collections"],
        "west": {
            "region": "us-west-2",
            "users": {"zed": {"faces": [{"identity": "zed", "external_image_id": "z.jpg"}]}},
            "faces": [{"embedding": [1.0, 2.0, 3.0]}, {"identity_seed": 42, "similarity": 70}],
        },
    },
    "options": {"updating_seconds": 2.5, "account_id": "210987654321"},
}


def answers(region: str = "us-east-1") -> dict[str, Any]:
    """What a user sees of the fake: lists and searches, without request metadata."""
    c = boto3.client("rekognition", region_name=region)
    out: dict[str, Any] = {"collections": c.list_collections()["CollectionIds"]}
    for cid in out["collections"]:
        faces = c.list_faces(CollectionId=cid)["Faces"]
        out[cid] = {
            "faces": faces,
            "users": c.list_users(CollectionId=cid)["Users"],
            "search": [
                c.search_faces(CollectionId=cid, FaceId=f["FaceId"], FaceMatchThreshold=0)[
                    "FaceMatches"
                ]
                for f in faces
            ],
            "users_by_face": [
                c.search_users(CollectionId=cid, FaceId=f["FaceId"], UserMatchThreshold=0)[
                    "UserMatches"
                ]
                for f in faces
            ],
        }
    return out


def both_regions() -> dict[str, Any]:
    return {"east": answers("us-east-1"), "west": answers("us-west-2")}


def test_pack_cli_writes_a_file_that_answers_like_the_source(tmp_path: Path) -> None:
    src = tmp_path / "src.json"
    src.write_text(json.dumps(WEST))
    dest = tmp_path / "staff.rkpack"
    done = subprocess.run(
        [sys.executable, "-m", "rekostub", "pack", str(src), str(dest)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert str(dest) in done.stdout
    with rekostub.stub(fixture=str(src)):
        expected = both_regions()
    with rekostub.stub(fixture=str(dest)) as fake:
        got = both_regions()
        assert fake.account_id == "210987654321"
        assert fake.updating_seconds == 2.5
    assert got == expected
    assert expected["west"]["collections"] == ["west"]


def test_packed_vectors_are_memory_mapped_and_shared(tmp_path: Path) -> None:
    path = rekostub.FakeRekognition(STAFF).snapshot(tmp_path / "staff.pack")
    fixture = load_fixture(path)
    vectors = fixture.collections[0].vectors
    assert isinstance(vectors, np.memmap)
    assert not vectors.flags.writeable
    # two fakes from the one loaded file share its matrix: nothing is copied per fake
    one, two = rekostub.FakeRekognition(fixture), rekostub.FakeRekognition(fixture)
    assert one.state.collection("staff").table.vec is two.state.collection("staff").table.vec
    assert load_fixture(str(path)) is fixture  # opened once per process, like other files


def test_snapshot_to_a_path_keeps_changes_and_round_trips(tmp_path: Path) -> None:
    with rekostub.stub(fixture=WEST) as fake:
        fake.updating_seconds = 0  # UPDATING holds are not part of a snapshot
        c = boto3.client("rekognition", region_name="us-east-1")
        c.delete_user(CollectionId="staff", UserId="carol")
        c.create_user(CollectionId="staff", UserId="erin")
        c.associate_faces(CollectionId="staff", UserId="erin", FaceIds=[ALICE_85])
        c.create_collection(CollectionId="made")
        before = both_regions()
        path = fake.snapshot(tmp_path / "after.rkpack")
        as_dict = fake.snapshot()
    with rekostub.stub(fixture=str(path)) as again:
        assert both_regions() == before
        assert again.snapshot() == as_dict
        # and the reloaded fake is a working fake: it changes and searches
        c = boto3.client("rekognition", region_name="us-east-1")
        c.disassociate_faces(CollectionId="staff", UserId="erin", FaceIds=[ALICE_85])
        found = c.search_users(CollectionId="staff", FaceId=ALICE_1)["UserMatches"]
        assert [m["User"]["UserId"] for m in found] == ["alice"]


def test_packed_fixture_in_the_pytest_plugin(pytester: pytest.Pytester, tmp_path: Path) -> None:
    path = rekostub.FakeRekognition(STAFF).snapshot(tmp_path / "staff.rkpack")
    pytester.makepyfile(
        f"""
        import boto3, pytest

        @pytest.mark.rekostub(fixture={str(path)!r})
        def test_it(fake_rekognition):
            c = boto3.client("rekognition", region_name="us-east-1")
            users = c.list_users(CollectionId="staff")["Users"]
            assert sorted(u["UserId"] for u in users) == ["alice", "bob", "carol", "dave"]
        """
    )
    result = pytester.runpytest(
        "-p", "no:rekostub", "-p", "rekostub._entry.pytest_plugin", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=1)


def test_packed_fixture_through_rekostub_fixture_env(tmp_path: Path) -> None:
    path = rekostub.FakeRekognition(STAFF).snapshot(tmp_path / "staff.rkpack")
    code = (
        "import boto3; c = boto3.client('rekognition', region_name='us-east-1'); "
        "print(c.describe_collection(CollectionId='staff')['FaceCount'])"
    )
    env = {**os.environ, "REKOSTUB_FIXTURE": str(path)}
    env.pop("HTTPS_PROXY", None)
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "6"


def test_damaged_packed_file_is_a_clear_error(tmp_path: Path) -> None:
    path = rekostub.FakeRekognition(STAFF).snapshot(tmp_path / "staff.rkpack")
    data = path.read_bytes()
    cut = tmp_path / "cut.rkpack"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(FixtureError) as excinfo:
        load_fixture(str(cut))
    assert "cannot open this packed fixture" in str(excinfo.value)
    assert "python -m rekostub pack SRC DEST" in str(excinfo.value)


def test_packed_fixture_in_the_server(tmp_path: Path) -> None:
    from server_support import server_client

    path = rekostub.FakeRekognition(STAFF).snapshot(tmp_path / "staff.rkpack")
    with rekostub.serve(fixture=str(path)) as server:
        c = server_client(server)
        found = c.search_users(CollectionId="staff", FaceId=ALICE_1)["UserMatches"]
    assert [m["User"]["UserId"] for m in found] == ["alice"]

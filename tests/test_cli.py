"""``python -m rekostub demo`` and ``python -m rekostub check FIXTURE``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import STAFF, write_json

import rekostub
from rekostub import load_fixture
from rekostub.__main__ import main


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rekostub", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_demo_runs_a_real_search_users() -> None:
    done = cli("demo")
    assert done.returncode == 0, done.stderr
    first, _, rest = done.stdout.partition("\n")
    assert first.startswith("client.search_users(**{'CollectionId': ")
    assert first.endswith("# answered by rekostub, not AWS")
    response = json.loads(rest)
    # the searched face belongs to a user of the shipped demo fixture: that user comes first
    demo = load_fixture(str(Path(rekostub.__file__).parent / "data" / "demo.json"))
    owner = {f.face_id: f.user_id for col in demo.collections for f in col.faces}
    searched = response["SearchedFace"]["FaceId"]
    assert owner[searched] is not None
    best = response["UserMatches"][0]
    assert best["User"] == {"UserId": owner[searched], "UserStatus": "ACTIVE"}
    assert best["Similarity"] >= 99
    assert response["FaceModelVersion"] == "7.0"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_check_a_good_fixture(tmp_path: Path) -> None:
    good = write_json(tmp_path / "good.json", STAFF)
    done = cli("check", str(good))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"{good}: OK"
    assert lines[1] == "  collection 'staff' (face model 7.0): 4 users (3 with faces), 6 faces"


def test_check_a_good_toml_fixture(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.toml"
    good.write_text('[collections.one.users.u]\nfaces = [{ identity = "u" }]\n')
    assert main(["check", str(good)]) == 0
    out = capsys.readouterr().out
    assert "collection 'one' (face model 7.0): 1 users (1 with faces), 1 faces" in out


def test_check_a_bad_fixture(tmp_path: Path) -> None:
    bad = write_json(
        tmp_path / "bad.json",
        {"collections": {"staff": {"users": {"bob": {"faces": [{"face_id": "NOT-A-UUID"}]}}}}},
    )
    done = cli("check", str(bad))
    assert done.returncode != 0
    assert done.stdout == ""
    assert done.stderr.startswith("error: bad rekostub fixture ")
    assert str(bad) in done.stderr
    assert "collections.staff.users.bob.faces[0].face_id" in done.stderr
    assert "'NOT-A-UUID' is not a lower-case UUID" in done.stderr


def test_check_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.json"
    assert main(["check", str(missing)]) == 1
    err = capsys.readouterr().err
    assert str(missing) in err
    assert "no such file" in err


def test_usage_errors() -> None:
    done = cli()
    assert done.returncode == 2
    assert "demo" in done.stderr
    assert "check" in done.stderr

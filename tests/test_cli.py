"""``python -m rekostub``: demo, check, schema, --version and the exit statuses."""

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
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.splitlines()[0] == f"{bad}: 1 problem"
    assert (
        "  collections.staff.users.bob.faces[0].face_id: 'NOT-A-UUID' is not a lower-case UUID"
        in done.stderr
    )


def test_check_reports_every_problem_with_its_place(tmp_path: Path) -> None:
    """One run lists every problem: options, users, faces and images, each with its path."""
    (tmp_path / "not-an-image.png").write_bytes(b"hello")
    bad = write_json(
        tmp_path / "bad.json",
        {
            "options": {"account_id": "42", "updating_seconds": -1},
            "collections": {
                "staff": {
                    "users": {"bob": {"faces": [{"face_id": "NOT-A-UUID"}]}, "a b": {}},
                    "faces": [{"identity": "x", "similarity": 101}, {}],
                },
                "other": {"face_model_version": 7},
            },
            "images": {
                "photos/group.png": {"faces": ["alice"]},
                "not-an-image.png": {"faces": ["bob"]},
                "s3://bkt/k": {"size": 0},
            },
        },
    )
    done = cli("check", str(bad))
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[0] == f"{bad}: 10 problems"
    places = [line.split(": ", 1)[0].strip() for line in lines[1:]]
    assert places == [
        "options.updating_seconds",
        "options.account_id",
        'collections.staff.users["a b"]',
        "collections.staff.users.bob.faces[0].face_id",
        "collections.staff.faces[0].similarity",
        "collections.staff.faces[1]",
        "collections.other.face_model_version",
        'images["photos/group.png"]',
        'images["not-an-image.png"]',
        'images["s3://bkt/k"].size',
    ]
    assert "No such file or directory" in lines[8]
    assert "is not a PNG or JPEG image" in lines[9]


def test_check_a_good_fixture_with_a_broken_image(tmp_path: Path) -> None:
    """A file with a PNG signature that does not decode is a problem too."""
    png = rekostub.face_image("alice")
    (tmp_path / "cut.png").write_bytes(png[: len(png) // 2])
    (tmp_path / "whole.png").write_bytes(png)
    fixture = write_json(
        tmp_path / "f.json", {"images": {"cut.png": {"faces": ["a"]}, "whole.png": {"faces": []}}}
    )
    done = cli("check", str(fixture))
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[0] == f"{fixture}: 1 problem"
    assert lines[1].startswith('  images["cut.png"]: ')
    assert "does not decode as an image" in lines[1]


def test_check_several_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_json(tmp_path / "good.json", STAFF)
    bad = write_json(tmp_path / "bad.json", {"colections": {}})
    assert main(["check", str(good), str(bad)]) == 1
    out, err = capsys.readouterr()
    assert out.startswith(f"{good}: OK")
    assert err.startswith(f"{bad}: 1 problem\n  (the file): unknown key 'colections'")


def test_version_and_help_text() -> None:
    done = cli("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"rekostub {rekostub.__version__}"
    done = cli("--help")
    assert done.returncode == 0
    for name in ("demo", "check", "schema", "exit status: 0", "1 when", "2 for a usage error"):
        assert name in done.stdout
    assert "``" not in done.stdout
    assert ":func:" not in done.stdout


def test_schema_prints_a_json_schema() -> None:
    done = cli("schema")
    assert done.returncode == 0
    schema = json.loads(done.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(schema["properties"]) == {"collections", "options", "images"}


def test_check_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.json"
    assert main(["check", str(missing)]) == 1
    err = capsys.readouterr().err
    assert str(missing) in err
    assert "no such file" in err


def test_usage_errors() -> None:
    done = cli()
    assert done.returncode == 2
    assert "COMMAND" in done.stderr
    assert cli("check").returncode == 2
    assert cli("nonsense").returncode == 2

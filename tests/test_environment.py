"""``REKOSTUB_FIXTURE``: rekostub on in a whole process (and its children) with no code change.

Each test runs a fresh ``python -c`` whose code never imports rekostub. A loopback listener is
the client's endpoint and proxy, so a request that escaped would be counted.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Optional

import pytest
from conftest import ALICE_1, STAFF, Listener, write_json

import rekostub

BOOT_DIR = Path(rekostub.__file__).parent / "_entry"

CHILD = """
import sys
import boto3

c = boto3.client("rekognition", region_name="us-east-1", endpoint_url=sys.argv[1])
r = c.search_users(CollectionId="staff", FaceId=sys.argv[2])
print(r["UserMatches"][0]["User"]["UserId"], r["SearchedFace"]["FaceId"])
"""

PARENT = """
import subprocess, sys

child = subprocess.run([sys.executable, "-c", sys.argv[1], *sys.argv[2:]],
                       capture_output=True, text=True, timeout=60)
sys.stderr.write(child.stderr)
print("grandchild:", child.stdout.strip())
sys.exit(child.returncode)
"""


def python(
    code: str,
    *args: str,
    fixture: Optional[Path],
    listener: Listener,
    flags: tuple[str, ...] = (),
    cwd: Optional[Path] = None,
    **env: str,
) -> subprocess.CompletedProcess[str]:
    """Run ``python [flags] -c code args`` with REKOSTUB_FIXTURE set to ``fixture`` (or unset)."""
    child_env = {**os.environ, "HTTPS_PROXY": listener.url, "HTTP_PROXY": listener.url, **env}
    child_env.pop("REKOSTUB_FIXTURE", None)
    if fixture is not None:
        child_env["REKOSTUB_FIXTURE"] = str(fixture)
    return subprocess.run(
        [sys.executable, *flags, "-c", code, *args],
        env=child_env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def staff_file(tmp_path: Path) -> Path:
    return write_json(tmp_path / "staff.json", STAFF)


def test_boot_files_are_installed_in_site_packages() -> None:
    site_packages = Path(sysconfig.get_paths()["purelib"])
    pth = site_packages / "rekostub_autostart.pth"
    boot = site_packages / "_rekostub_boot.py"
    if not pth.exists() and not boot.exists():
        pytest.skip(f"rekostub is not pip-installed into {site_packages} (no .pth there)")
    assert pth.read_text() == (BOOT_DIR / "rekostub_autostart.pth").read_text(), (
        f"{pth} is stale: reinstall with `pip install -e .`"
    )
    assert boot.read_text() == (BOOT_DIR / "_rekostub_boot.py").read_text(), (
        f"{boot} is stale: reinstall with `pip install -e .`"
    )
    assert pth.read_text().startswith("import os; os.environ.get('REKOSTUB_FIXTURE') and ")


def test_fixture_variable_answers_boto3_with_no_code_change(
    staff_file: Path, listener: Listener
) -> None:
    done = python(CHILD, listener.url, ALICE_1, fixture=staff_file, listener=listener)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["alice", ALICE_1]
    assert listener.connections == 0


def test_a_grandchild_process_is_answered_too(staff_file: Path, listener: Listener) -> None:
    done = python(PARENT, CHILD, listener.url, ALICE_1, fixture=staff_file, listener=listener)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"grandchild: alice {ALICE_1}"
    assert listener.connections == 0


def test_a_bad_fixture_refuses_every_call_loudly(tmp_path: Path, listener: Listener) -> None:
    bad = write_json(tmp_path / "bad.json", {"collections": {"staff": {"users": {"bob": 7}}}})
    done = python(CHILD, listener.url, ALICE_1, fixture=bad, listener=listener)
    assert done.returncode != 0
    assert "RekostubError" in done.stderr
    assert str(bad) in done.stderr
    assert "collections.staff.users.bob" in done.stderr
    assert listener.connections == 0


def test_a_missing_fixture_refuses_every_call(tmp_path: Path, listener: Listener) -> None:
    missing = tmp_path / "nowhere.json"
    done = python(CHILD, listener.url, ALICE_1, fixture=missing, listener=listener)
    assert done.returncode != 0
    assert str(missing) in done.stderr
    assert listener.connections == 0


def test_when_rekostub_cannot_load_calls_are_still_blocked(
    tmp_path: Path, staff_file: Path, listener: Listener
) -> None:
    if not (Path(sysconfig.get_paths()["purelib"]) / "_rekostub_boot.py").exists():
        pytest.skip("rekostub's boot module is not pip-installed into site-packages")
    broken = tmp_path / "shadow" / "rekostub"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("raise ImportError('simulated broken rekostub install')\n")
    done = python(
        CHILD,
        listener.url,
        ALICE_1,
        fixture=staff_file,
        listener=listener,
        cwd=tmp_path,  # not the repository: `python -c` puts the current directory first
        PYTHONPATH=str(tmp_path / "shadow"),
    )
    assert done.returncode != 0
    assert "RuntimeError" in done.stderr
    assert "rekostub could not start" in done.stderr
    assert "simulated broken rekostub install" in done.stderr
    assert listener.connections == 0


NOTHING_IMPORTED = """
import sys
heavy = ("rekostub", "_rekostub_boot", "boto3", "botocore", "numpy")
print(sorted(m for m in sys.modules if m.split(".")[0] in heavy))
"""


@pytest.mark.parametrize("value", [None, ""])
def test_unset_variable_costs_no_imports(listener: Listener, value: Optional[str]) -> None:
    extra = {} if value is None else {"REKOSTUB_FIXTURE": value}
    done = python(NOTHING_IMPORTED, fixture=None, listener=listener, **extra)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    timed = python("pass", fixture=None, listener=listener, PYTHONPROFILEIMPORTTIME="1", **extra)
    assert timed.returncode == 0, timed.stderr
    imported = [
        line.rsplit("|", 1)[-1].strip() for line in timed.stderr.splitlines() if "|" in line
    ]
    assert imported, "python -X importtime printed nothing"
    assert not [m for m in imported if m.split(".")[0] in ("rekostub", "boto3", "numpy")]


CHDIR_CHILD = """
import os
import sys

os.chdir(sys.argv[3])  # before boto3 is even imported: the fixture path must not depend on it
import boto3

print(os.environ["REKOSTUB_FIXTURE"])
c = boto3.client("rekognition", region_name="us-east-1", endpoint_url=sys.argv[1])
r = c.search_users(CollectionId="staff", FaceId=sys.argv[2])
print(r["UserMatches"][0]["User"]["UserId"])
"""


def test_relative_path_is_resolved_at_start_and_exported(
    tmp_path: Path, staff_file: Path, listener: Listener
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", CHDIR_CHILD, listener.url, ALICE_1, str(elsewhere)],
        env={**os.environ, "REKOSTUB_FIXTURE": staff_file.name, "HTTPS_PROXY": listener.url},
        cwd=staff_file.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(staff_file), "alice"]
    assert listener.connections == 0


def test_a_child_started_elsewhere_inherits_the_absolute_path(
    tmp_path: Path, staff_file: Path, listener: Listener
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    parent = (
        "import os, subprocess, sys\n"
        "child = subprocess.run([sys.executable, '-c', sys.argv[1], *sys.argv[2:]],\n"
        "                       cwd=sys.argv[4], capture_output=True, text=True, timeout=60)\n"
        "sys.stderr.write(child.stderr)\n"
        "print(child.stdout.strip())\n"
        "sys.exit(child.returncode)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", parent, CHDIR_CHILD, listener.url, ALICE_1, str(elsewhere)],
        env={**os.environ, "REKOSTUB_FIXTURE": staff_file.name, "HTTPS_PROXY": listener.url},
        cwd=staff_file.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(staff_file), "alice"]
    assert listener.connections == 0


IMPORTS = """
import sys
heavy = ("rekostub", "boto3", "botocore", "numpy")
def loaded():
    return sorted({m.split(".")[0] for m in sys.modules if m.split(".")[0] in heavy})
print(loaded())
import json
print(loaded())
import botocore.session
print(loaded())
import boto3
boto3.client("rekognition", region_name="us-east-1")
print(loaded())
"""


def test_set_variable_imports_rekostub_only_with_the_first_rekognition_client(
    staff_file: Path, listener: Listener
) -> None:
    done = python(IMPORTS, fixture=staff_file, listener=listener)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "[]",
        "[]",
        "['botocore']",
        "['boto3', 'botocore', 'numpy', 'rekostub']",
    ]


def test_pytest_with_warnings_as_errors_is_answered_without_a_warning(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    staff_file: Path,
    listener: Listener,
) -> None:
    monkeypatch.setenv("REKOSTUB_FIXTURE", str(staff_file))
    pytester.makeini("[pytest]\nfilterwarnings =\n    error\n")
    pytester.makepyfile(
        test_env=f"""
        import boto3

        def test_answered_from_the_environment():
            c = boto3.session.Session(
                aws_access_key_id="testing", aws_secret_access_key="testing"
            ).client("rekognition", region_name="us-east-1", endpoint_url={listener.url!r})
            r = c.search_users(CollectionId="staff", FaceId={ALICE_1!r})
            assert r["UserMatches"][0]["User"]["UserId"] == "alice"
        """
    )
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:randomly", "-W", "error"
    )
    result.assert_outcomes(passed=1)
    assert "Warning" not in result.stdout.str()
    assert listener.connections == 0

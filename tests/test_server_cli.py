"""``rekostub serve`` / ``python -m rekostub serve``: a process other programs point at."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
from conftest import ALICE_1, STAFF, write_json
from server_support import DUMMY_KEY, DUMMY_SECRET

SCRIPT = Path(sys.executable).parent / "rekostub"


def command(how: str) -> list[str]:
    return (
        [str(SCRIPT), "serve"] if how == "script" else [sys.executable, "-m", "rekostub", "serve"]
    )


class Running:
    def __init__(self, proc: subprocess.Popen[str], url: str) -> None:
        self.proc = proc
        self.url = url

    def client(self) -> Any:
        return boto3.session.Session(
            aws_access_key_id=DUMMY_KEY, aws_secret_access_key=DUMMY_SECRET, region_name="us-east-1"
        ).client("rekognition", endpoint_url=self.url)

    def stop(self, signum: int = signal.SIGTERM) -> tuple[int, str]:
        self.proc.send_signal(signum)
        _, err = self.proc.communicate(timeout=20)
        return self.proc.returncode, err


@contextmanager
def serving(*args: str, how: str = "module") -> Iterator[Running]:
    proc = subprocess.Popen(
        [*command(how), "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()  # the first line, once it is listening
        assert url.startswith("http://127.0.0.1:"), proc.communicate(timeout=20)
        yield Running(proc, url)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=20)


@pytest.mark.parametrize(
    ("how", "signum"),
    [("module", signal.SIGTERM), ("script", signal.SIGINT)],
    ids=["python -m rekostub, SIGTERM", "rekostub script, Ctrl-C"],
)
def test_serves_a_fixture_and_stops_cleanly_on_a_signal(
    tmp_path: Path, how: str, signum: int
) -> None:
    fixture = write_json(tmp_path / "staff.json", STAFF)
    with serving("--fixture", str(fixture), how=how) as server:
        c = server.client()
        found = c.search_users(CollectionId="staff", FaceId=ALICE_1)
        assert found["UserMatches"][0]["User"]["UserId"] == "alice"
        code, err = server.stop(signum)
    assert code == 0
    assert "SigV4 signatures accepted, not verified" in err
    assert "SearchUsers -> 200" in err  # the request log
    assert "Traceback" not in err


def test_state_file_is_written_on_shutdown_and_loaded_on_start(tmp_path: Path) -> None:
    fixture = write_json(tmp_path / "staff.json", STAFF)
    state = tmp_path / "dev-state.json"
    with serving("--fixture", str(fixture), "--state", str(state), "--quiet") as server:
        server.client().create_collection(CollectionId="mine")
        code, err = server.stop()
    assert code == 0
    assert f"state written to {state}" in err
    assert "->" not in err  # --quiet: no request log
    assert set(json.loads(state.read_text())["collections"]) == {"staff", "mine"}
    with serving("--fixture", str(fixture), "--state", str(state)) as server:
        c = server.client()
        assert c.list_collections()["CollectionIds"] == ["mine", "staff"]  # sorted by id
        c.delete_collection(CollectionId="staff")
        assert server.stop()[0] == 0
    assert set(json.loads(state.read_text())["collections"]) == {"mine"}


def test_a_bad_fixture_is_reported_and_nothing_listens(tmp_path: Path) -> None:
    bad = write_json(tmp_path / "bad.json", {"collections": {"x": {"users": 3}}})
    done = subprocess.run(
        [*command("module"), "--port", "0", "--fixture", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert "bad rekostub fixture" in done.stderr
    assert str(bad) in done.stderr


def test_a_port_in_use_is_reported() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "rekostub", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr


def test_serve_help_names_every_option() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "rekostub", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    for option in ("--fixture", "--host", "--port", "--state", "--max-body", "--quiet"):
        assert option in done.stdout

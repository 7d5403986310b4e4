"""Other routes in: botocore's client plugins and AWS CLI v1 ``[plugins]``.

Each test runs a separate process with fake credentials in its environment and a loopback
listener as endpoint and proxy: a request rekostub let through would be counted there. The
processes run with ``python -S`` where the point is that the plugin alone does the work (no
``site``, so no ``.pth`` start-up hook), with the needed folders on ``PYTHONPATH``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any, Optional

import botocore.session
import pytest
from conftest import ALICE_1, STAFF, Listener, write_json

import rekostub
from rekostub._entry import routes

REPO = Path(rekostub.__file__).resolve().parent.parent
AWS = REPO / ".tools" / "awscli" / "bin" / "aws"
PLUGINS = "rekostub=rekostub"

needs_client_plugins = pytest.mark.skipif(
    importlib.util.find_spec("botocore.plugin") is None,
    reason="this botocore has no client plugins (botocore/plugin.py came in mid-2025)",
)

CHILD = """
import sys
import boto3

print("boot hook ran:", "_rekostub_boot" in sys.modules or "rekostub" in sys.modules)
first = boto3.client("rekognition", region_name="us-east-1", endpoint_url=sys.argv[1])
second = boto3.session.Session().client("rekognition", region_name="us-east-1")  # fixture region
r = first.search_users(CollectionId="staff", FaceId=sys.argv[2])
print(r["UserMatches"][0]["User"]["UserId"])
print(second.list_collections()["CollectionIds"])
"""


def run(
    argv: list[str],
    listener: Listener,
    *,
    fixture: Optional[str],
    no_site: bool = False,
    cwd: Optional[Path] = None,
    **env: str,
) -> subprocess.CompletedProcess[str]:
    child_env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "HTTPS_PROXY": listener.url,
        "HTTP_PROXY": listener.url,
        **env,
    }
    child_env.pop("REKOSTUB_FIXTURE", None)
    if fixture is not None:
        child_env["REKOSTUB_FIXTURE"] = fixture
    if no_site:
        python, *rest = argv
        site_packages = sysconfig.get_paths()["purelib"]
        if python == str(AWS):  # the CLI's own interpreter, its own site-packages
            python = str(AWS.parent / "python")
            site_packages = str(next((AWS.parent.parent / "lib").glob("python3*/site-packages")))
            rest = ["-m", "awscli", *rest]
        argv = [python, "-S", *rest]
        child_env["PYTHONPATH"] = os.pathsep.join([str(REPO), site_packages])
    return subprocess.run(
        argv, env=child_env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def staff_file(tmp_path: Path) -> Path:
    return write_json(tmp_path / "staff.json", STAFF)


# -- BOTOCORE_EXPERIMENTAL__PLUGINS ----------------------------------------------------------------


@needs_client_plugins
def test_botocore_plugin_answers_every_client_of_the_process(
    staff_file: Path, listener: Listener
) -> None:
    done = run(
        [sys.executable, "-c", CHILD, listener.url, ALICE_1],
        listener,
        fixture=str(staff_file),
        no_site=True,
        BOTOCORE_EXPERIMENTAL__PLUGINS=PLUGINS,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["boot hook ran: False", "alice", "['staff']"]
    assert listener.connections == 0


@needs_client_plugins
def test_botocore_plugin_with_a_relative_fixture(staff_file: Path, listener: Listener) -> None:
    done = run(
        [sys.executable, "-c", CHILD, listener.url, ALICE_1],
        listener,
        fixture=staff_file.name,
        no_site=True,
        cwd=staff_file.parent,
        BOTOCORE_EXPERIMENTAL__PLUGINS=PLUGINS,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1:] == ["alice", "['staff']"]
    assert listener.connections == 0


@needs_client_plugins
def test_botocore_plugin_without_the_fixture_refuses_every_call(listener: Listener) -> None:
    done = run(
        [sys.executable, "-c", CHILD, listener.url, ALICE_1],
        listener,
        fixture=None,
        no_site=True,
        BOTOCORE_EXPERIMENTAL__PLUGINS=PLUGINS,
    )
    assert done.returncode != 0
    assert "RekostubError" in done.stderr
    assert "SearchUsers was refused" in done.stderr
    assert "set REKOSTUB_FIXTURE to a fixture file" in done.stderr
    assert listener.connections == 0


def test_control_without_the_plugin_the_same_process_reaches_the_listener(
    listener: Listener,
) -> None:
    done = run(
        [sys.executable, "-c", CHILD, listener.url, ALICE_1], listener, fixture=None, no_site=True
    )
    assert done.returncode != 0
    assert listener.connections >= 1


STUBBED_CHILD = """
import boto3
import rekostub

c = boto3.client("rekognition", region_name="us-east-1", endpoint_url=__import__("sys").argv[1])
with rekostub.stub(fixture={"collections": {"mine": {}}}):
    print(c.list_collections()["CollectionIds"])
try:
    c.list_collections()
except rekostub.RekostubError as exc:
    print("refused:", "REKOSTUB_FIXTURE" in str(exc))
"""


@needs_client_plugins
def test_botocore_plugin_without_the_fixture_lets_a_stub_answer(listener: Listener) -> None:
    done = run(
        [sys.executable, "-c", STUBBED_CHILD, listener.url],
        listener,
        fixture=None,
        no_site=True,
        BOTOCORE_EXPERIMENTAL__PLUGINS=PLUGINS,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["['mine']", "refused: True"]
    assert listener.connections == 0


# -- AWS CLI v1 [plugins] ------------------------------------------------------------------------

needs_cli = pytest.mark.skipif(
    not AWS.exists(),
    reason=f"the AWS CLI v1 is not installed in {AWS.parent}: run `bash .ci/tools`",
)


@pytest.fixture
def cli_config(tmp_path: Path) -> Path:
    config = tmp_path / "aws-config"
    config.write_text("[plugins]\nrekostub = rekostub\n")
    return config


def aws(
    listener: Listener, config: Path, fixture: Optional[str], *args: str, no_site: bool = False
) -> subprocess.CompletedProcess[str]:
    return run(
        [str(AWS), "--endpoint-url", listener.url, "rekognition", *args],
        listener,
        fixture=fixture,
        no_site=no_site,
        AWS_CONFIG_FILE=str(config),
    )


@needs_cli
@pytest.mark.parametrize("no_site", [False, True], ids=["aws", "plugin-alone"])
def test_aws_cli_plugin_answers_rekognition_commands(
    listener: Listener, cli_config: Path, staff_file: Path, no_site: bool
) -> None:
    done = aws(
        listener,
        cli_config,
        str(staff_file),
        "search-users",
        "--collection-id",
        "staff",
        "--face-id",
        ALICE_1,
        no_site=no_site,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["UserMatches"][0]["User"]["UserId"] == "alice"
    assert listener.connections == 0


@needs_cli
def test_aws_cli_plugin_without_the_fixture_refuses(listener: Listener, cli_config: Path) -> None:
    done = aws(listener, cli_config, None, "list-collections")
    assert done.returncode != 0
    assert "ListCollections was refused" in done.stderr
    assert "set REKOSTUB_FIXTURE to a fixture file" in done.stderr
    assert listener.connections == 0


@needs_cli
def test_control_the_aws_cli_without_the_plugin_reaches_the_listener(
    listener: Listener, tmp_path: Path
) -> None:
    empty = tmp_path / "empty-config"
    empty.write_text("")
    done = aws(listener, empty, None, "list-collections")
    assert done.returncode != 0
    assert listener.connections >= 1


# -- in process: the entry points never let a failure through ------------------------------------


def _listened_session() -> tuple[botocore.session.Session, dict[str, Any]]:
    session = botocore.session.Session()
    session.set_credentials("testing", "testing")
    return session, {"region_name": "us-east-1"}


def test_client_plugin_that_cannot_start_refuses_the_client(
    monkeypatch: pytest.MonkeyPatch, listener: Listener, staff_file: Path
) -> None:
    def broken(path: str) -> None:
        raise OSError("simulated start-up failure")

    monkeypatch.setattr(routes, "start_from_environment", broken)
    monkeypatch.setenv("REKOSTUB_FIXTURE", str(staff_file))
    session, kwargs = _listened_session()
    client = session.create_client("rekognition", endpoint_url=listener.url, **kwargs)
    rekostub.initialize_client_plugin(client)  # as botocore calls it: it must not raise
    with pytest.raises(rekostub.RekostubError, match="simulated start-up failure") as excinfo:
        client.list_collections()
    assert "ListCollections was refused" in str(excinfo.value)
    assert listener.connections == 0


def test_awscli_entry_point_without_the_fixture_refuses_the_sessions_clients(
    listener: Listener,
) -> None:
    session, kwargs = _listened_session()
    rekostub.awscli_initialize(session.get_component("event_emitter"))
    client = session.create_client("rekognition", endpoint_url=listener.url, **kwargs)
    with pytest.raises(rekostub.RekostubError, match="set REKOSTUB_FIXTURE to a fixture file"):
        client.describe_collection(CollectionId="staff")
    assert listener.connections == 0

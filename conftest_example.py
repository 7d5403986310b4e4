"""A conftest.py for your project's tests: copy it next to your tests and adapt.

rekostub's pytest plugin is registered when rekostub is installed, so the
``fake_rekognition`` fixture and the ``@pytest.mark.rekostub`` marker need no import.
Tests then use the fixtures below::

    def test_new_face_is_alice(rekognition):
        response = rekognition.search_users(CollectionId="staff", FaceId=NEW_FACE)
        assert response["UserMatches"][0]["User"]["UserId"] == "alice"

Point the default fixture at a file once, either here (``REKOSTUB_FIXTURE_FILE``) or in
pytest's configuration::

    [tool.pytest.ini_options]
    rekostub_fixture = "tests/faces.json"
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

import rekostub

# The collection your code under test reads; a fixture file is parsed once per test session.
REKOSTUB_FIXTURE_FILE = Path(__file__).parent / "faces.json"
NEW_FACE = "0f1e2d3c-4b5a-4697-8877-665544332211"  # a face indexed but not yet associated
STAFF: dict[str, Any] = {
    "collections": {
        "staff": {
            "users": {
                "alice": {"faces": [{"identity": "alice"}, {"identity": "alice"}]},
                "bob": {"faces": [{"identity": "bob"}]},
                "dave": {},
            },
            "faces": [{"face_id": NEW_FACE, "identity": "alice", "similarity": 85}],
        }
    }
}


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Belt and braces: fake credentials and a region, so nothing could ever sign a real call."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture
def staff() -> Iterator[rekostub.FakeRekognition]:
    """Every Rekognition client answered from the STAFF collection (or the file, if present)."""
    fixture = REKOSTUB_FIXTURE_FILE if REKOSTUB_FIXTURE_FILE.exists() else STAFF
    with rekostub.stub(fixture=fixture if isinstance(fixture, dict) else str(fixture)) as fake:
        yield fake


@pytest.fixture
def rekognition(staff: rekostub.FakeRekognition) -> Any:
    """A boto3 client; your code can also create its own, they are all intercepted."""
    return boto3.client("rekognition", region_name="us-east-1")

"""The conftest a user copies (conftest_example.py) works as their conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parent.parent / "conftest_example.py"

USER_TESTS = """
import boto3
import pytest

import rekostub
from conftest import NEW_FACE, STAFF


def test_new_face_is_alice(rekognition):
    response = rekognition.search_users(CollectionId="staff", FaceId=NEW_FACE)
    best = response["UserMatches"][0]
    assert best["User"]["UserId"] == "alice"
    assert best["Similarity"] == pytest.approx(85, abs=0.1)  # pinned in the fixture


def test_code_under_test_makes_its_own_client(staff):
    client = boto3.client("rekognition")  # region from the conftest's environment
    assert "alice" in [u["UserId"] for u in client.list_users(CollectionId="staff")["Users"]]


@pytest.mark.rekostub(fixture=STAFF)
def test_access_denied_is_handled(fake_rekognition):
    client = boto3.client("rekognition", region_name="us-east-1")
    fake_rekognition.fail("SearchUsers", "AccessDeniedException")
    with pytest.raises(client.exceptions.AccessDeniedException):
        client.search_users(CollectionId="staff", UserId="alice")
    fake_rekognition.calls.assert_called_with("SearchUsers", UserId="alice")
"""


def test_the_example_conftest_serves_a_users_tests(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(EXAMPLE.read_text())
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest("-p", "no:rekostub", "-p", "rekostub._entry.pytest_plugin")
    result.assert_outcomes(passed=3)

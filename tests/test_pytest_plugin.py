"""The pytest plugin, run in a pytester sandbox: fixture, marker, default fixture, caching."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import Listener

FIXTURE: dict[str, Any] = {
    "collections": {"staff": {"users": {"alice": {"faces": [{"identity": "alice"}]}, "dave": {}}}}
}
BAD: dict[str, Any] = {
    "collections": {"staff": {"users": {"bob": {"faces": [{"face_id": "NOT-A-UUID"}]}}}}
}

CLIENT = """
import boto3
import pytest


def client():
    return boto3.client("rekognition", region_name="us-east-1")


def alice_is_there():
    return client().search_users(CollectionId="staff", UserId="alice")["SearchedUser"]
"""


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(
        "-p",
        "no:rekostub",
        "-p",
        "rekostub._entry.pytest_plugin",
        "--strict-markers",
        "-p",
        "no:cacheprovider",
        *args,
    )


@pytest.fixture(autouse=True)
def _helpers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(helpers=CLIENT)
    pytester.syspathinsert()


def test_fixture_is_fresh_per_test(pytester: pytest.Pytester) -> None:
    # Each test checks that it starts from an empty fake of its own, so the outcome holds in
    # any order (pytest-randomly shuffles the inner run too).
    pytester.makepyfile(
        test_fresh="""
        import pytest
        from helpers import client

        SEEN = []

        @pytest.mark.parametrize("name", ["one", "two", "three"])
        def test_starts_empty(fake_rekognition, name):
            assert all(fake_rekognition is not other for other in SEEN)
            SEEN.append(fake_rekognition)
            c = client()
            assert c.list_collections()["CollectionIds"] == []
            c.create_collection(CollectionId=f"made-in-{name}")
            assert c.list_collections()["CollectionIds"] == [f"made-in-{name}"]
            assert len(fake_rekognition.calls) == 3
        """
    )
    run(pytester).assert_outcomes(passed=3)


def test_not_stubbed_outside_the_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_outside="""
        import boto3
        import pytest
        from botocore.exceptions import NoCredentialsError

        def test_plain():
            # A closed loopback port: even a signed request could not leave the machine.
            plain = boto3.client(
                "rekognition", region_name="us-east-1", endpoint_url="http://127.0.0.1:9"
            )
            with pytest.raises(NoCredentialsError):
                plain.list_collections()
        """
    )
    run(pytester).assert_outcomes(passed=1)


def test_marker_fixture_file_relative_to_the_test_file(pytester: pytest.Pytester) -> None:
    sub = pytester.mkdir("sub")
    (sub / "faces.json").write_text(json.dumps(FIXTURE))
    (sub / "test_marked.py").write_text(
        "import pytest\n"
        "from helpers import alice_is_there\n"
        "\n"
        "@pytest.mark.rekostub(fixture='faces.json')\n"
        "def test_injected_without_asking():\n"
        "    assert alice_is_there() == {'UserId': 'alice'}\n"
        "\n"
        "@pytest.mark.rekostub(fixture='faces.json', account_id='210987654321')\n"
        "def test_options(fake_rekognition):\n"
        "    assert fake_rekognition.account_id == '210987654321'\n"
        "    alice_is_there()\n"
        "    assert [c.operation for c in fake_rekognition.calls] == ['SearchUsers']\n"
    )
    run(pytester).assert_outcomes(passed=2)


def test_marker_with_a_dict_on_a_class_and_a_module(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_dict=f"""
        import pytest
        from helpers import alice_is_there

        pytestmark = pytest.mark.rekostub(fixture={FIXTURE!r})

        def test_module_marker():
            assert alice_is_there() == {{"UserId": "alice"}}

        @pytest.mark.rekostub(fixture={{"collections": {{"other": {{}}}}}})
        class TestClass:
            def test_closest_marker_wins(self, fake_rekognition):
                assert list(fake_rekognition.state.collections) == ["other"]
        """
    )
    run(pytester).assert_outcomes(passed=2)


def test_command_line_default_fixture(pytester: pytest.Pytester) -> None:
    pytester.makefile(".json", faces=json.dumps(FIXTURE))
    pytester.makepyfile(
        test_default="""
        from helpers import alice_is_there

        def test_it(fake_rekognition):
            assert alice_is_there() == {"UserId": "alice"}
        """
    )
    run(pytester, "--rekostub-fixture", "faces.json").assert_outcomes(passed=1)


def test_command_line_fixture_is_relative_to_where_pytest_was_started(
    pytester: pytest.Pytester,
) -> None:
    pytester.makefile(".json", faces=json.dumps(FIXTURE))
    pytester.makepyfile(
        test_chdir="""
        import pytest
        from helpers import alice_is_there

        @pytest.fixture(autouse=True)
        def elsewhere(tmp_path, monkeypatch):
            monkeypatch.chdir(tmp_path)  # a test that changes directory first

        def test_it(elsewhere, fake_rekognition):
            assert alice_is_there() == {"UserId": "alice"}
        """
    )
    run(pytester, "--rekostub-fixture", "faces.json").assert_outcomes(passed=1)


def test_ini_default_fixture(pytester: pytest.Pytester) -> None:
    pytester.mkdir("data")
    (pytester.path / "data" / "faces.json").write_text(json.dumps(FIXTURE))
    pytester.makeini("[pytest]\nrekostub_fixture = data/faces.json\n")
    pytester.makepyfile(
        test_ini="""
        from helpers import alice_is_there

        def test_it(fake_rekognition):
            assert alice_is_there() == {"UserId": "alice"}
        """
    )
    run(pytester).assert_outcomes(passed=1)


def test_no_default_fixture_means_an_empty_fake(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_empty="""
        from helpers import client

        def test_it(fake_rekognition):
            assert client().list_collections()["CollectionIds"] == []
        """
    )
    run(pytester).assert_outcomes(passed=1)


def test_fixture_file_parsed_once_per_session(pytester: pytest.Pytester) -> None:
    pytester.makefile(".json", faces=json.dumps(FIXTURE))
    pytester.makeconftest(
        """
        import rekostub._fixtures.load as fixture_module

        PARSED = []
        _original = fixture_module._parse_text

        def _counting(text, ext, source):
            PARSED.append(source)
            return _original(text, ext, source)

        def pytest_configure(config):
            fixture_module._parse_text = _counting

        def pytest_unconfigure(config):
            fixture_module._parse_text = _original
            with open("parsed.json", "w") as out:
                out.write(__import__("json").dumps(PARSED))
        """
    )
    tests = "\n".join(
        f"def test_{i}(fake_rekognition):\n    assert alice_is_there()\n" for i in range(6)
    )
    pytester.makepyfile(
        test_a="from helpers import alice_is_there\n" + tests,
        test_b="from helpers import alice_is_there\n" + tests,
    )
    run(pytester, "--rekostub-fixture", "faces.json").assert_outcomes(passed=12)
    parsed = json.loads((pytester.path / "parsed.json").read_text())
    assert len(parsed) == 1
    assert parsed[0].endswith("faces.json")


def test_marker_is_registered(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.rekostub(fixture=None*"])
    assert result.ret == 0


def test_bad_fixture_file_errors_naming_the_file(pytester: pytest.Pytester) -> None:
    pytester.makefile(".json", broken=json.dumps(BAD))
    pytester.makepyfile(
        test_bad="""
        import pytest

        @pytest.mark.rekostub(fixture="broken.json")
        def test_it():
            pass
        """
    )
    result = run(pytester)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*FixtureError*broken.json*collections.staff.users.bob.faces[[]0[]].face_id*"]
    )


def test_missing_default_fixture_errors_naming_the_file(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_missing="""
        def test_it(fake_rekognition):
            pass
        """
    )
    result = run(pytester, "--rekostub-fixture", "nowhere.json")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*nowhere.json*no such file*"])


LISTENED = """
import boto3
import pytest
from botocore.config import Config

URL = {url!r}


def listened():
    # Fake credentials and a loopback endpoint: a call rekostub did not answer reaches URL.
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing"
    ).client(
        "rekognition", region_name="us-east-1", endpoint_url=URL,
        config=Config(retries={{"total_max_attempts": 1}}, connect_timeout=2, read_timeout=2),
    )
"""


def test_default_fixture_covers_every_test_marked_or_not(
    pytester: pytest.Pytester, listener: Listener
) -> None:
    pytester.makefile(".json", faces=json.dumps(FIXTURE))
    pytester.makepyfile(listened=LISTENED.format(url=listener.url))
    pytester.makepyfile(
        test_every="""
        import unittest
        import pytest
        from listened import listened

        def test_unmarked_and_not_asking():
            assert listened().search_users(CollectionId="staff", UserId="alice")["SearchedUser"]

        @pytest.mark.parametrize("name", ["a", "b"])
        def test_each_starts_from_the_fixture(name):
            c = listened()
            assert c.list_collections()["CollectionIds"] == ["staff"]
            c.create_collection(CollectionId=name)

        class TestPlain:
            def test_in_a_class(self):
                assert listened().list_collections()["CollectionIds"] == ["staff"]

        class TestUnittest(unittest.TestCase):
            def setUp(self):
                self.client = listened()
                self.client.create_collection(CollectionId="from-setup")

            def test_in_a_testcase(self):
                ids = sorted(self.client.list_collections()["CollectionIds"])
                self.assertEqual(ids, ["from-setup", "staff"])
        """
    )
    run(pytester, "--rekostub-fixture", "faces.json").assert_outcomes(passed=5)
    assert listener.connections == 0


def test_without_a_default_unmarked_tests_are_untouched(
    pytester: pytest.Pytester, listener: Listener
) -> None:
    pytester.makepyfile(listened=LISTENED.format(url=listener.url))
    pytester.makepyfile(
        test_untouched="""
        import pytest
        from botocore.exceptions import BotoCoreError
        from listened import listened

        def test_plain():
            with pytest.raises(BotoCoreError):
                listened().list_collections()
        """
    )
    run(pytester).assert_outcomes(passed=1)
    assert listener.connections >= 1  # the control: an untouched call does reach the listener


def test_opt_out_marker_leaves_one_test_untouched(
    pytester: pytest.Pytester, listener: Listener
) -> None:
    pytester.makefile(".json", faces=json.dumps(FIXTURE))
    pytester.makepyfile(listened=LISTENED.format(url=listener.url))
    pytester.makepyfile(
        test_opt_out="""
        import pytest
        from botocore.exceptions import BotoCoreError
        from listened import listened

        @pytest.mark.rekostub(enabled=False)
        def test_out():
            with pytest.raises(BotoCoreError):
                listened().list_collections()

        def test_in():
            assert listened().list_collections()["CollectionIds"] == ["staff"]
        """
    )
    result = run(pytester, "--rekostub-fixture", "faces.json", "-k", "test_in")
    result.assert_outcomes(passed=1, deselected=1)
    assert listener.connections == 0
    run(pytester, "--rekostub-fixture", "faces.json", "-k", "test_out").assert_outcomes(
        passed=1, deselected=1
    )
    assert listener.connections >= 1  # opted out: sent, as without rekostub


def test_opt_out_of_a_whole_module_and_back_in_for_one_test(pytester: pytest.Pytester) -> None:
    pytester.makefile(".json", faces=json.dumps(FIXTURE))
    pytester.makepyfile(
        test_module_out="""
        import pytest
        from helpers import alice_is_there

        pytestmark = pytest.mark.rekostub(enabled=False)

        def test_out(request):
            assert "fake_rekognition" not in request.fixturenames

        @pytest.mark.rekostub
        def test_back_in(fake_rekognition):
            assert alice_is_there() == {"UserId": "alice"}
        """
    )
    run(pytester, "--rekostub-fixture", "faces.json").assert_outcomes(passed=2)


def test_opted_out_test_asking_for_the_fake_is_an_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_both="""
        import pytest

        @pytest.mark.rekostub(enabled=False)
        def test_both(fake_rekognition):
            pass

        @pytest.mark.rekostub(enabled=False, fixture="x.json")
        def test_options_with_opt_out():
            pass
        """
    )
    result = run(pytester)
    result.assert_outcomes(errors=2)
    # One call per line: fnmatch_lines wants its lines in order, and the tests may run in any.
    result.stdout.fnmatch_lines(
        ["*test_both*asks for fake_rekognition but is marked rekostub(enabled=False)*"]
    )
    result.stdout.fnmatch_lines(
        ["*rekostub(enabled=False) opts a test out and takes no other option*"]
    )

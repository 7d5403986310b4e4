"""``@rekostub.stub(...)`` on a test class: every test wrapped, one fresh fake per test.

Inner test files run in a pytester sandbox; their clients have fake credentials and a loopback
listener as endpoint, so a call the decorator failed to cover would be counted there.
"""

from __future__ import annotations

import re
import unittest
from typing import Any

import pytest
from conftest import STAFF, Listener

import rekostub

CLIENT = """
import boto3
from botocore.config import Config

STAFF = {staff!r}
URL = {url!r}


def listened():
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing"
    ).client(
        "rekognition", region_name="us-east-1", endpoint_url=URL,
        config=Config(retries={{"total_max_attempts": 1}}, connect_timeout=2, read_timeout=2),
    )
"""


@pytest.fixture
def sandbox(pytester: pytest.Pytester, listener: Listener) -> pytest.Pytester:
    pytester.makepyfile(listened=CLIENT.format(staff=STAFF, url=listener.url))
    pytester.syspathinsert()
    return pytester


def run(pytester: pytest.Pytester) -> pytest.RunResult:
    # The plugin is off: a test class needs nothing but the decorator.
    return pytester.runpytest("-p", "no:rekostub", "-p", "no:cacheprovider", "-p", "no:randomly")


def test_pytest_class_each_test_fresh_with_setup_and_teardown(
    sandbox: pytest.Pytester, listener: Listener
) -> None:
    sandbox.makepyfile(
        test_cls="""
        import pytest
        import rekostub
        from listened import STAFF, listened

        LOG = []

        @rekostub.stub(fixture=STAFF)
        class TestStaff:
            def setup_method(self, method):
                self.client = listened()
                self.client.create_collection(CollectionId=method.__name__.replace("_", "-"))

            def teardown_method(self):
                LOG.append((self.fake_rekognition, sorted(self.fake_rekognition.state.collections)))

            @pytest.mark.parametrize("n", [1, 2])
            def test_sees_only_its_own(self, n, fake_rekognition):
                assert fake_rekognition is self.fake_rekognition
                ids = sorted(self.client.list_collections()["CollectionIds"])
                assert ids == ["staff", "test-sees-only-its-own"]
                assert [c.operation for c in fake_rekognition.calls] == [
                    "CreateCollection", "ListCollections"
                ]

            def test_without_the_parameter(self):
                assert self.client.search_users(CollectionId="staff", UserId="alice")

            @staticmethod
            def test_static(fake_rekognition):
                ids = sorted(listened().list_collections()["CollectionIds"])
                assert ids == ["staff", "test-static"]
                assert len(fake_rekognition.calls) == 2

        def test_teardowns_saw_one_fake_per_test():
            assert len(LOG) == 4
            assert len({id(fake) for fake, _ in LOG}) == 4
        """
    )
    run(sandbox).assert_outcomes(passed=5)
    assert listener.connections == 0


def test_unittest_testcase_setup_test_teardown_share_one_fresh_fake(
    sandbox: pytest.Pytester, listener: Listener
) -> None:
    sandbox.makepyfile(
        test_case="""
        import unittest
        import rekostub
        from listened import STAFF, listened

        FAKES = []

        @rekostub.stub(fixture=STAFF)
        class StaffTest(unittest.TestCase):
            def setUp(self):
                self.client = listened()
                self.client.create_collection(CollectionId="from-setup")
                self.addCleanup(lambda: FAKES.append(self.fake_rekognition))

            def tearDown(self):
                self.client.delete_collection(CollectionId="from-setup")
                self.fake_rekognition.calls.assert_called_with("DeleteCollection")

            def test_one(self):
                ids = sorted(self.client.list_collections()["CollectionIds"])
                self.assertEqual(ids, ["from-setup", "staff"])
                self.client.create_collection(CollectionId="only-in-one")

            def test_two(self):
                ids = sorted(self.client.list_collections()["CollectionIds"])
                self.assertEqual(ids, ["from-setup", "staff"])

        class TestAfter(unittest.TestCase):
            def test_fresh_fakes(self):
                self.assertEqual(len({id(f) for f in FAKES}), 2)
        """
    )
    run(sandbox).assert_outcomes(passed=3)
    assert listener.connections == 0


def test_unittest_runner_without_pytest(listener: Listener, client: Any) -> None:
    seen: list[rekostub.FakeRekognition] = []

    @rekostub.stub(fixture=STAFF)
    class Case(unittest.TestCase):
        def setUp(self) -> None:
            self.c = client(endpoint_url=listener.url)

        def test_a(self) -> None:
            seen.append(self.fake_rekognition)
            self.c.create_collection(CollectionId="a")

        def test_b(self) -> None:
            seen.append(self.fake_rekognition)
            assert sorted(self.c.list_collections()["CollectionIds"]) == ["staff"]

    suite = unittest.defaultTestLoader.loadTestsFromTestCase(Case)
    result = unittest.TestResult()
    suite.run(result)
    assert (result.testsRun, result.failures, result.errors) == (2, [], [])
    assert len(seen) == 2
    assert seen[0] is not seen[1]
    assert listener.connections == 0


def test_a_method_called_by_hand_gets_its_own_fake(client: Any) -> None:
    @rekostub.stub(fixture=STAFF)
    class TestByHand:
        def test_it(self, fake_rekognition: rekostub.FakeRekognition) -> int:
            client().list_collections()
            return len(fake_rekognition.calls)

    assert TestByHand().test_it() == 1  # type: ignore[call-arg]


def test_the_parameter_is_hidden_from_pytest() -> None:
    @rekostub.stub()
    def test_x(n: int, fake_rekognition: rekostub.FakeRekognition) -> None: ...

    import inspect

    assert list(inspect.signature(test_x).parameters) == ["n"]


class NoTests:
    def helper(self) -> None: ...


def _gen() -> Any:
    yield 1


async def _agen() -> Any:
    yield 1


class ClassmethodTest:
    @classmethod
    def test_cls(cls) -> None: ...


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (NoTests, "found no test method (named test*) in class NoTests"),
        (ClassmethodTest, "cannot wrap ClassmethodTest.test_cls: a classmethod test"),
        (_gen, "cannot decorate the generator function _gen"),
        (_agen, "cannot decorate the generator function _agen"),
        (staticmethod(len), "cannot decorate the staticmethod"),
        (42, "decorates functions, coroutine functions and test classes, not 42"),
    ],
)
def test_what_cannot_be_wrapped_is_a_type_error(target: Any, message: str) -> None:
    with pytest.raises(TypeError, match=re.escape(message)):
        rekostub.stub()(target)


def test_inherited_tests_and_a_failing_setup(sandbox: pytest.Pytester, listener: Listener) -> None:
    sandbox.makepyfile(
        test_inherit="""
        import rekostub
        from listened import STAFF, listened

        class Base:
            def test_inherited(self):
                assert listened().list_collections()["CollectionIds"] == ["staff"]
                assert len(self.fake_rekognition.calls) == 1

        @rekostub.stub(fixture=STAFF)
        class TestChild(Base):
            pass

        @rekostub.stub(fixture=STAFF)
        class TestBrokenSetup:
            def setup_method(self):
                raise RuntimeError("set-up failed")

            def test_never_runs(self):
                pass

        def test_after_the_failed_setup_nothing_is_left_stubbed():
            import pytest
            from botocore.exceptions import BotoCoreError
            with pytest.raises(BotoCoreError):
                listened().list_collections()
        """
    )
    result = run(sandbox)
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*RuntimeError: set-up failed*"])
    assert listener.connections >= 1  # only the last test's call: nothing left stubbed


def test_a_decorated_test_function_needs_no_plugin(
    sandbox: pytest.Pytester, listener: Listener
) -> None:
    # pytest sees the signature without fake_rekognition: it does not look for a fixture of
    # that name (the plugin is off here), and the decorator passes its own fake.
    sandbox.makepyfile(
        test_function="""
        import rekostub
        from listened import STAFF, listened

        @rekostub.stub(fixture=STAFF)
        def test_it(fake_rekognition, tmp_path):
            assert listened().list_collections()["CollectionIds"] == ["staff"]
            assert len(fake_rekognition.calls) == 1
        """
    )
    run(sandbox).assert_outcomes(passed=1)
    assert listener.connections == 0

"""The call log keeps the last N calls, counts what it drops, and says so."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import STAFF, ClientFactory

import rekostub
from rekostub._service.calls import DEFAULT_CALL_LOG_SIZE


def _describe(client: Any, times: int, *, start: int = 0) -> None:
    for i in range(start, start + times):
        client.list_users(CollectionId="staff", MaxResults=i % 500 + 1)


def _sizes(fake: rekostub.FakeRekognition) -> list[int]:
    return [call.params["MaxResults"] for call in fake.calls]


def test_the_default_log_keeps_the_last_thousand_calls(client: ClientFactory) -> None:
    assert DEFAULT_CALL_LOG_SIZE == 1000
    with rekostub.stub(fixture=STAFF) as fake:
        assert fake.calls.size == 1000
        _describe(client(), 1003)
    assert len(fake.calls) == 1000
    assert fake.calls.dropped == 3
    assert _sizes(fake)[0] == 4  # calls 1-3 went first
    assert fake.calls[-1].params["MaxResults"] == 1003 % 500
    assert fake.calls.total("ListUsers") == 1003
    assert "3 older dropped" in repr(fake.calls)


def test_a_chosen_size(client: ClientFactory) -> None:
    fake = rekostub.FakeRekognition(STAFF, call_log_size=3)
    c = client()
    with rekostub.stub(c, fake=fake):
        _describe(c, 5)
        assert _sizes(fake) == [3, 4, 5]
        assert fake.calls.dropped == 2
        assert [c.params["MaxResults"] for c in fake.calls[1:]] == [4, 5]
        fake.calls.size = 1  # shrinking drops the oldest at once
        assert _sizes(fake) == [5]
        assert fake.calls.dropped == 4
        fake.calls.size = None  # and None keeps every call from now on
        _describe(c, 1500)
        assert len(fake.calls) == 1501
        assert fake.calls.dropped == 4
        fake.calls.reset()
        assert (len(fake.calls), fake.calls.dropped, fake.calls.total("list_users")) == (0, 0, 0)


def test_size_zero_keeps_nothing_but_counts(client: ClientFactory) -> None:
    fake = rekostub.FakeRekognition(STAFF, call_log_size=0)
    c = client()
    with rekostub.stub(c, fake=fake):
        _describe(c, 2)
    assert list(fake.calls) == []
    assert fake.calls.dropped == 2
    with pytest.raises(AssertionError, match=r"called 2 time\(s\) \(2 of them dropped"):
        fake.calls.assert_not_called("ListUsers")


def test_assertions_say_when_calls_were_dropped(client: ClientFactory) -> None:
    fake = rekostub.FakeRekognition(STAFF, call_log_size=2)
    c = client()
    with rekostub.stub(c, fake=fake):
        c.create_user(CollectionId="staff", UserId="erin")
        _describe(c, 2)
    with pytest.raises(AssertionError, match=r"1 older call\(s\) were dropped.*last 2"):
        fake.calls.assert_called_with("CreateUser", UserId="erin")
    # The dropped CreateUser still counts: "never called" would be a lie.
    with pytest.raises(AssertionError, match=r"CreateUser was called 1 time\(s\) \(1 of them"):
        fake.calls.assert_not_called("create_user")
    assert fake.calls.assert_called_with("ListUsers", MaxResults=2).params["MaxResults"] == 2


@pytest.mark.parametrize("size", [-1, 1.5, "10", True])
def test_a_bad_size_is_refused(size: Any) -> None:
    with pytest.raises(ValueError, match="call log size is a number of calls >= 0"):
        rekostub.FakeRekognition(call_log_size=size)
    fake = rekostub.FakeRekognition()
    with pytest.raises(ValueError, match="call log size"):
        fake.calls.size = size
    assert fake.calls.size == 1000


def test_called_once_counts_dropped_calls(client: ClientFactory) -> None:
    fake = rekostub.FakeRekognition(STAFF, call_log_size=1)
    c = client()
    with rekostub.stub(c, fake=fake):
        c.create_user(CollectionId="staff", UserId="erin")
        _describe(c, 1)
        assert fake.calls.assert_called("CreateUser") == []  # called, though no longer kept
        with pytest.raises(AssertionError, match=r"called once, but the call was dropped"):
            fake.calls.assert_called_once("CreateUser")
        _describe(c, 1, start=1)
    with pytest.raises(AssertionError, match=r"ListUsers was called 2 times \(1 of them dropped"):
        fake.calls.assert_called_once_with("ListUsers", MaxResults=2)
    with pytest.raises(AssertionError, match="DeleteUser was not called"):
        fake.calls.assert_called("DeleteUser")

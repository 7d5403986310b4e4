"""The call log's assertion helpers and answers scripted as functions of the request."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import BOB_1, ClientFactory

import rekostub

# -- assert_called_once_with and its siblings -------------------------------------------------


def test_assert_called_once_with(client: ClientFactory, staff: rekostub.FakeRekognition) -> None:
    c = client()
    c.search_users(CollectionId="staff", UserId="alice", UserMatchThreshold=90)
    call = staff.calls.assert_called_once_with("search_users", UserId="alice")
    assert call is staff.calls[0]
    assert staff.calls.assert_called_once_with("SearchUsers") is call  # no params: any
    with pytest.raises(AssertionError, match="called once, but not with params") as excinfo:
        staff.calls.assert_called_once_with("SearchUsers", UserId="bob")
    assert "'UserId': 'alice'" in str(excinfo.value)  # shows the call it got

    c.search_users(CollectionId="staff", FaceId=BOB_1)
    with pytest.raises(AssertionError, match="called 2 times, expected once") as excinfo:
        staff.calls.assert_called_once_with("SearchUsers", UserId="alice")
    assert BOB_1 in str(excinfo.value)

    with pytest.raises(AssertionError, match="DeleteUser was called 0 times"):
        staff.calls.assert_called_once_with("DeleteUser", UserId="alice")


def test_assert_called_once_and_assert_called(
    client: ClientFactory, staff: rekostub.FakeRekognition
) -> None:
    c = client()
    with pytest.raises(AssertionError, match="CreateUser was not called"):
        staff.calls.assert_called("create_user")
    c.create_user(CollectionId="staff", UserId="erin")
    assert staff.calls.assert_called_once("CreateUser").params["UserId"] == "erin"
    with pytest.raises(c.exceptions.ConflictException):
        c.create_user(CollectionId="staff", UserId="erin")
    assert len(staff.calls.assert_called("CreateUser")) == 2
    with pytest.raises(AssertionError, match=r"(?s)called 2 times.*-> ConflictException"):
        staff.calls.assert_called_once("CreateUser")


def test_assertion_tracebacks_hide_rekostubs_frames(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_user_code="""
        import rekostub

        def test_expects_one_search():
            fake = rekostub.FakeRekognition()
            fake.calls.assert_called_once_with("SearchUsers", UserId="alice")
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:rekostub")
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert "SearchUsers was called 0 times, expected once" in output
    assert 'fake.calls.assert_called_once_with("SearchUsers", UserId="alice")' in output
    # the frames inside rekostub (calls.py) are hidden: the test's own line is the last shown
    assert "calls.py" not in output
    assert "__tracebackhide__" not in output


# -- add_response(operation, callable) --------------------------------------------------------


def test_a_scripted_answer_computed_from_the_request(
    client: ClientFactory, staff: rekostub.FakeRekognition
) -> None:
    seen: list[dict[str, Any]] = []

    def labels(params: dict[str, Any]) -> dict[str, Any]:
        seen.append(params)
        names = ["Person", "Face", "Head", "Smile"][: params.get("MaxLabels", 4)]
        return {"Labels": [{"Name": n, "Confidence": 99.0} for n in names]}

    staff.add_response("detect_labels", labels)
    c = client()
    two = c.detect_labels(Image={"Bytes": b"\x89PNG..."}, MaxLabels=2)
    four = c.detect_labels(Image={"S3Object": {"Bucket": "bkt", "Name": "k"}})
    assert [label["Name"] for label in two["Labels"]] == ["Person", "Face"]
    assert len(four["Labels"]) == 4
    assert seen[0]["Image"] == {"Bytes": b"\x89PNG..."}  # blobs as bytes, as in the call log
    assert staff.calls[0].response == {"Labels": two["Labels"]}


def test_callable_and_static_answers_queue_together(
    client: ClientFactory, staff: rekostub.FakeRekognition
) -> None:
    staff.add_response("DetectText", {"TextDetections": []})
    staff.add_response(
        "DetectText",
        lambda p: {"TextDetections": [{"DetectedText": p["Image"]["S3Object"]["Name"]}]},
    )
    c = client()
    image = {"S3Object": {"Bucket": "bkt", "Name": "sign.jpg"}}
    assert c.detect_text(Image=image)["TextDetections"] == []
    for _ in range(2):  # the last one repeats, computed again each time
        found = c.detect_text(Image=image)["TextDetections"]
        assert found == [{"DetectedText": "sign.jpg"}]


def test_a_computed_answer_is_checked_against_the_output_shape(
    client: ClientFactory, staff: rekostub.FakeRekognition
) -> None:
    staff.add_response("DetectLabels", lambda p: {"Labels": [{"Name": 7}]})
    c = client()
    with pytest.raises(rekostub.RekostubError, match="not a valid DetectLabels response") as exc:
        c.detect_labels(Image={"Bytes": b"x"})
    assert "labels.1.member.name" in str(exc.value)

    staff.add_response("DetectText", lambda p: ["not", "a", "dict"])  # type: ignore[arg-type,return-value]
    with pytest.raises(rekostub.RekostubError, match="must be a dict"):
        c.detect_text(Image={"Bytes": b"x"})


def test_a_callable_may_raise_and_the_request_is_still_validated(
    client: ClientFactory, staff: rekostub.FakeRekognition
) -> None:
    def broken(params: dict[str, Any]) -> dict[str, Any]:
        raise LookupError("no such test photo")

    staff.add_response("DetectLabels", broken)
    c = client(parameter_validation=False)
    with pytest.raises(LookupError, match="no such test photo"):
        c.detect_labels(Image={"Bytes": b"x"})
    with pytest.raises(c.exceptions.ClientError) as excinfo:
        c.detect_labels(Image={"Bytes": b"x"}, MaxLabels=-1)  # the service's checks first
    assert excinfo.value.response["Error"]["Code"] == "ValidationException"


def test_emulated_operations_refuse_callables_too(staff: rekostub.FakeRekognition) -> None:
    with pytest.raises(ValueError, match="SearchUsers is emulated"):
        staff.add_response("SearchUsers", lambda p: {"UserMatches": []})
    assert staff.calls.of("SearchUsers") == []


def test_a_callable_gets_its_own_copy_of_the_params(
    client: ClientFactory, staff: rekostub.FakeRekognition
) -> None:
    def greedy(params: dict[str, Any]) -> dict[str, Any]:
        params["Image"].clear()  # a careless callable cannot change the call log
        return {"Labels": []}

    staff.add_response("DetectLabels", greedy)
    client().detect_labels(Image={"Bytes": b"photo"})
    assert staff.calls[0].params["Image"] == {"Bytes": b"photo"}

"""Paging of ListFaces and ListCollections through boto3: paginators, tokens, page sizes."""

from __future__ import annotations

import hashlib
from typing import Any

import boto3
import pytest
from conftest import error_of

import rekostub
from rekostub._common.names import service_model


def face_id(tag: str, i: int) -> str:
    """A deterministic FaceId whose sort order is unrelated to ``i``."""
    h = hashlib.sha256(f"{tag}/{i}".encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-8{h[17:20]}-{h[20:32]}"


def faces_fixture(n: int, tag: str = "f", collection: str = "big") -> dict[str, Any]:
    faces = [{"face_id": face_id(tag, i), "identity": f"person-{i % 40}"} for i in range(n)]
    return {"collections": {collection: {"faces": faces}}}


def client() -> Any:
    return boto3.client("rekognition", region_name="us-east-1")


def ids(resp: dict[str, Any]) -> list[str]:
    return [f["FaceId"] for f in resp["Faces"]]


INVALID_TOKEN = ("InvalidPaginationTokenException", "Invalid Token")


# -- ListFaces -----------------------------------------------------------------------------------


def test_list_faces_paginator_walks_every_face_once_by_face_id() -> None:
    n = 3000
    expected = sorted(face_id("f", i) for i in range(n))
    c = client()
    with rekostub.stub(fixture=faces_fixture(n)) as fake:
        pages = list(
            c.get_paginator("list_faces").paginate(
                CollectionId="big", PaginationConfig={"PageSize": 250}
            )
        )
    assert [len(p["Faces"]) for p in pages] == [250] * 12
    assert [f["FaceId"] for p in pages for f in p["Faces"]] == expected
    assert all("NextToken" in p for p in pages[:-1])
    assert "NextToken" not in pages[-1]
    assert {p["FaceModelVersion"] for p in pages} == {"7.0"}
    assert len(fake.calls) == 12


def test_list_faces_paginator_build_full_result() -> None:
    n = 1234
    c = client()
    with rekostub.stub(fixture=faces_fixture(n)):
        result = (
            c.get_paginator("list_faces")
            .paginate(CollectionId="big", PaginationConfig={"PageSize": 100})
            .build_full_result()
        )
    assert [f["FaceId"] for f in result["Faces"]] == sorted(face_id("f", i) for i in range(n))
    assert result["FaceModelVersion"] == "7.0"


def test_list_faces_paginator_max_items_and_starting_token() -> None:
    n = 60
    expected = sorted(face_id("f", i) for i in range(n))
    c = client()
    with rekostub.stub(fixture=faces_fixture(n)):
        paginator = c.get_paginator("list_faces")
        first = paginator.paginate(
            CollectionId="big", PaginationConfig={"MaxItems": 25, "PageSize": 10}
        ).build_full_result()
        rest = paginator.paginate(
            CollectionId="big",
            PaginationConfig={"PageSize": 10, "StartingToken": first["NextToken"]},
        ).build_full_result()
    assert [f["FaceId"] for f in first["Faces"]] == expected[:25]
    assert [f["FaceId"] for f in rest["Faces"]] == expected[25:]


def test_list_faces_default_page_size_is_the_models_maximum() -> None:
    maximum = service_model().operation_model("ListFaces").input_shape.members["MaxResults"]
    assert maximum.metadata["max"] == 4096
    n = 5000
    c = client()
    with rekostub.stub(fixture=faces_fixture(n)):
        first = c.list_faces(CollectionId="big")
        second = c.list_faces(CollectionId="big", NextToken=first["NextToken"])
        zero = c.list_faces(CollectionId="big", MaxResults=0)  # Decided: 0 = the default
    assert len(first["Faces"]) == 4096
    assert len(second["Faces"]) == n - 4096
    assert "NextToken" not in second
    assert ids(first) + ids(second) == sorted(face_id("f", i) for i in range(n))
    assert ids(zero) == ids(first)


def test_list_faces_exact_multiple_has_no_token_on_the_last_page() -> None:
    c = client()
    with rekostub.stub(fixture=faces_fixture(20)):
        first = c.list_faces(CollectionId="big", MaxResults=10)
        second = c.list_faces(CollectionId="big", MaxResults=10, NextToken=first["NextToken"])
        whole = c.list_faces(CollectionId="big", MaxResults=20)
    assert len(second["Faces"]) == 10
    assert "NextToken" not in second
    assert "NextToken" not in whole


def test_page_size_may_change_between_pages() -> None:
    c = client()
    with rekostub.stub(fixture=faces_fixture(30)):
        first = c.list_faces(CollectionId="big", MaxResults=7)
        second = c.list_faces(CollectionId="big", MaxResults=20, NextToken=first["NextToken"])
        third = c.list_faces(CollectionId="big", MaxResults=5, NextToken=second["NextToken"])
    assert ids(first) + ids(second) + ids(third) == sorted(face_id("f", i) for i in range(30))
    assert "NextToken" not in third


def test_deletions_between_pages_never_repeat_or_skip_a_face() -> None:
    n = 50
    expected = sorted(face_id("f", i) for i in range(n))
    c = client()
    with rekostub.stub(fixture=faces_fixture(n)):
        first = c.list_faces(CollectionId="big", MaxResults=10)
        # Delete the face the token points after, one on the first page, and some not yet seen.
        doomed = [expected[9], expected[3], expected[10], expected[25], expected[49]]
        c.delete_faces(CollectionId="big", FaceIds=doomed)
        rest: list[str] = []
        token = first["NextToken"]
        while token:
            page = c.list_faces(CollectionId="big", MaxResults=10, NextToken=token)
            rest += ids(page)
            token = page.get("NextToken")
    assert ids(first) == expected[:10]
    assert rest == [f for f in expected[10:] if f not in doomed]


def test_user_filter_pages() -> None:
    user_faces = [{"face_id": face_id("u", i), "identity": "ursula"} for i in range(100)]
    fixture = faces_fixture(40)
    fixture["collections"]["big"]["users"] = {"ursula": {"faces": user_faces}}
    c = client()
    with rekostub.stub(fixture=fixture):
        pages = list(
            c.get_paginator("list_faces").paginate(
                CollectionId="big", UserId="ursula", PaginationConfig={"PageSize": 30}
            )
        )
    assert [len(p["Faces"]) for p in pages] == [30, 30, 30, 10]
    assert [f["FaceId"] for p in pages for f in p["Faces"]] == sorted(
        face_id("u", i) for i in range(100)
    )
    assert {f["UserId"] for p in pages for f in p["Faces"]} == {"ursula"}


def test_face_ids_filter_pages() -> None:
    n = 300
    wanted = sorted(face_id("f", i) for i in range(0, n, 3))  # 100 existing faces
    unknown = [face_id("x", i) for i in range(100)]
    asked = [x for pair in zip(reversed(wanted), unknown) for x in pair]
    c = client()
    with rekostub.stub(fixture=faces_fixture(n)):
        pages = list(
            c.get_paginator("list_faces").paginate(
                CollectionId="big", FaceIds=asked, PaginationConfig={"PageSize": 25}
            )
        )
    assert [len(p["Faces"]) for p in pages] == [25, 25, 25, 25]
    assert [f["FaceId"] for p in pages for f in p["Faces"]] == wanted  # by FaceId


def test_token_from_another_collection_is_rejected() -> None:
    fixture = faces_fixture(30, collection="a")
    fixture["collections"].update(faces_fixture(30, collection="b")["collections"])
    c = client()
    with rekostub.stub(fixture=fixture):
        token = c.list_faces(CollectionId="a", MaxResults=5)["NextToken"]
        with pytest.raises(c.exceptions.InvalidPaginationTokenException) as exc:
            c.list_faces(CollectionId="b", MaxResults=5, NextToken=token)
        still_good = c.list_faces(CollectionId="a", MaxResults=5, NextToken=token)
    assert error_of(exc) == INVALID_TOKEN
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert len(still_good["Faces"]) == 5


def test_tokens_are_not_interchangeable_between_operations() -> None:
    fixture = faces_fixture(30, collection="a")
    fixture["collections"]["a"]["users"] = {f"user-{i}": {} for i in range(10)}
    c = client()
    with rekostub.stub(fixture=fixture):
        c.create_collection(CollectionId="b")
        faces_token = c.list_faces(CollectionId="a", MaxResults=5)["NextToken"]
        users_token = c.list_users(CollectionId="a", MaxResults=5)["NextToken"]
        collections_token = c.list_collections(MaxResults=1)["NextToken"]
        with pytest.raises(c.exceptions.InvalidPaginationTokenException) as users_on_faces:
            c.list_faces(CollectionId="a", NextToken=users_token)
        with pytest.raises(c.exceptions.InvalidPaginationTokenException) as collections_on_faces:
            c.list_faces(CollectionId="a", NextToken=collections_token)
        with pytest.raises(c.exceptions.InvalidPaginationTokenException) as faces_on_users:
            c.list_users(CollectionId="a", NextToken=faces_token)
        with pytest.raises(c.exceptions.InvalidPaginationTokenException) as faces_on_collections:
            c.list_collections(NextToken=faces_token)
    for exc in (users_on_faces, collections_on_faces, faces_on_users, faces_on_collections):
        assert error_of(exc)[0] == INVALID_TOKEN[0]
    assert error_of(faces_on_collections) == INVALID_TOKEN


@pytest.mark.parametrize("token", ["garbage", "", "eyJub3QiOiJ0aGlzIn0", "WyJMaXN0RmFjZXMiXQ"])
def test_garbage_tokens_are_rejected(token: str) -> None:
    c = client()
    with rekostub.stub(fixture=faces_fixture(5)):
        with pytest.raises(c.exceptions.InvalidPaginationTokenException) as faces:
            c.list_faces(CollectionId="big", NextToken=token)
        with pytest.raises(c.exceptions.InvalidPaginationTokenException) as collections:
            c.list_collections(NextToken=token)
    assert error_of(faces) == INVALID_TOKEN
    assert error_of(collections) == INVALID_TOKEN


def test_tokens_stay_short_for_the_longest_collection_id() -> None:
    long_id = "c" * 255
    c = client()
    with rekostub.stub(fixture=faces_fixture(12, collection=long_id)):
        first = c.list_faces(CollectionId=long_id, MaxResults=5)
        assert len(first["NextToken"]) <= 255
        second = c.list_faces(CollectionId=long_id, MaxResults=5, NextToken=first["NextToken"])
    assert ids(first) + ids(second) == sorted(face_id("f", i) for i in range(12))[:10]


# -- ListCollections -----------------------------------------------------------------------------


def test_list_collections_paginator_over_many_collections() -> None:
    from_fixture = [f"fix-{i:03d}" for i in range(250)]
    fixture: dict[str, Any] = {
        "collections": {cid: {"face_model_version": "6.0"} for cid in from_fixture}
    }
    created = [f"new-{i:02d}" for i in range(50)]
    c = client()
    with rekostub.stub(fixture=fixture):
        for cid in created:
            c.create_collection(CollectionId=cid)
        c.delete_collection(CollectionId="fix-007")
        pages = list(
            c.get_paginator("list_collections").paginate(PaginationConfig={"PageSize": 16})
        )
        full = (
            c.get_paginator("list_collections")
            .paginate(PaginationConfig={"PageSize": 16})
            .build_full_result()
        )
    expected = [cid for cid in from_fixture if cid != "fix-007"] + created
    assert [len(p["CollectionIds"]) for p in pages] == [16] * 18 + [11]
    assert [cid for p in pages for cid in p["CollectionIds"]] == expected
    assert full["CollectionIds"] == expected
    assert full["FaceModelVersions"] == ["6.0"] * 249 + ["7.0"] * 50
    assert "NextToken" not in pages[-1]


def test_list_collections_default_page_size_is_the_models_maximum() -> None:
    maximum = service_model().operation_model("ListCollections").input_shape.members["MaxResults"]
    n = int(maximum.metadata["max"]) + 4
    fixture: dict[str, Any] = {"collections": {f"c{i:05d}": {} for i in range(n)}}
    c = client()
    with rekostub.stub(fixture=fixture):
        first = c.list_collections()
        second = c.list_collections(NextToken=first["NextToken"])
    assert len(first["CollectionIds"]) == len(first["FaceModelVersions"]) == n - 4
    assert second["CollectionIds"] == [f"c{i:05d}" for i in range(n - 4, n)]
    assert "NextToken" not in second


def test_list_collections_resumes_after_deletion_and_sees_new_ones() -> None:
    c = client()
    with rekostub.stub():
        for cid in ["a", "b", "c", "d"]:
            c.create_collection(CollectionId=cid)
        first = c.list_collections(MaxResults=2)
        c.delete_collection(CollectionId="b")  # the token points after it
        c.delete_collection(CollectionId="c")
        c.create_collection(CollectionId="e")
        c.create_collection(CollectionId="b")  # re-created: before the token, not seen
        second = c.list_collections(MaxResults=10, NextToken=first["NextToken"])
    assert first["CollectionIds"] == ["a", "b"]
    assert second["CollectionIds"] == ["d", "e"]


def test_list_collections_pages_through_the_longest_ids() -> None:
    ids = [*sorted(f"{'x' * 250}{i:05d}" for i in range(7)), "a" * 255, "short"]
    c = client()
    with rekostub.stub():
        for cid in ids:
            c.create_collection(CollectionId=cid)
        pages = list(c.get_paginator("list_collections").paginate(PaginationConfig={"PageSize": 2}))
    assert all(len(p.get("NextToken", "")) <= 255 for p in pages)
    assert [cid for p in pages for cid in p["CollectionIds"]] == sorted(ids)

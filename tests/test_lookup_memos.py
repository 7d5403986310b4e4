"""Looked-up ids are remembered per fixture table (bounded memos): answers stay right when the
memos fill up and are emptied, and for ids that are not there."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import ClientFactory, error_of

import rekostub
from rekostub._engine import table as table_module


def fid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012x}"


# Users u0..u5, pairs of twins (u0/u1, u2/u3, u4/u5): each user's search finds its twin only.
TWINS: dict[str, Any] = {
    "collections": {
        "c": {
            "users": {
                f"u{i}": {"faces": [{"face_id": fid(i), "identity": f"person-{i // 2}"}]}
                for i in range(6)
            }
        }
    }
}


def test_searches_by_user_and_face_stay_right_past_the_memo_bound(
    client: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(table_module, "_MEMO_SIZE", 2)  # emptied every few lookups
    with rekostub.stub(fixture=TWINS):
        c = client()
        for _ in range(3):
            for i in range(6):
                twin = f"u{i ^ 1}"
                by_user = c.search_users(CollectionId="c", UserId=f"u{i}")
                assert [m["User"]["UserId"] for m in by_user["UserMatches"]] == [twin]
                by_face = c.search_users(CollectionId="c", FaceId=fid(i))
                assert [m["User"]["UserId"] for m in by_face["UserMatches"]] == [f"u{i}", twin]
            for _ in range(2):  # unknown ids are remembered as unknown, not as something else
                with pytest.raises(c.exceptions.ResourceNotFoundException) as missing:
                    c.search_users(CollectionId="c", UserId="nobody")
                assert "nobody" in error_of(missing)[1]
                with pytest.raises(c.exceptions.InvalidParameterException) as unknown:
                    c.search_users(CollectionId="c", FaceId=fid(99))
                assert "faceId was not found" in error_of(unknown)[1]

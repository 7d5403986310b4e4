"""The fast column path of a fixture load equals the face-by-face checker, bit for bit."""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np
import pytest

import rekostub
from rekostub._fixtures import parser
from rekostub._fixtures.specs import Fixture

COLUMNS = ("fid", "img", "user", "vec", "kind", "seed", "ident", "ext", "order", "sorted_fid")


def _document(n: int) -> dict[str, Any]:
    users: dict[str, Any] = {}
    for i in range(n):
        faces = []
        for j in range(i % 4):
            face: dict[str, Any] = {}
            if j % 2 == 0 or i % 3:
                face["identity"] = f"p{i % 97}" if i % 5 else f"ü{i}"
            if i % 7 == 0:
                face["similarity"] = (i % 101) if i % 2 else 55.5
            if i % 11 == 0:
                face["external_image_id"] = f"img{i % 13}.jpg"
            if i % 13 == 0:  # given ids (as a snapshot writes them), unique
                face["face_id"] = str(uuid.UUID(int=i * 4 + j, version=4))
            if i % 17 == 0:
                face["image_id"] = str(uuid.UUID(int=i, version=5))
            faces.append(face)
        users[f"u-{i}"] = {"faces": faces} if i % 9 else (None if i % 2 else {})
    loose = [{"identity": "zz", "similarity": 12}, {"identity": "p3"}]
    return {
        "collections": {
            "c1": {"users": users, "faces": loose},
            "c2": {"faces": [{"identity": f"q{k}"} for k in range(50)]},
            "c3": {},
        }
    }


def _load(doc: dict[str, Any], fast: bool, monkeypatch: pytest.MonkeyPatch) -> Fixture:
    calls: list[object] = []
    real = parser.fast_table

    def spy(*args: Any) -> Any:
        table = real(*args) if fast else None
        calls.append(table)
        return table

    with monkeypatch.context() as patch:
        patch.setattr(parser, "fast_table", spy)
        fixture = parser._Parser("doc").document(doc, None)
    assert calls
    assert all((t is not None) == fast for t in calls)
    return fixture


def test_fast_path_equals_the_checker(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = _document(3000)
    fast, slow = _load(doc, True, monkeypatch), _load(doc, False, monkeypatch)
    assert len(fast.collections[0].table) > 4000
    assert len(fast.collections) == len(slow.collections)
    for a, b in zip(fast.collections, slow.collections):
        ta, tb = a.table, b.table
        for name in COLUMNS:
            x, y = getattr(ta, name), getattr(tb, name)
            assert x.dtype == y.dtype, name
            assert x.tobytes() == y.tobytes(), name
        assert np.array_equal(ta.sim, tb.sim, equal_nan=True)
        assert list(ta.user_names) == list(tb.user_names)
        assert list(ta.identities) == list(tb.identities)
        assert list(ta.externals) == list(tb.externals)
        assert a.faces == b.faces


@pytest.mark.parametrize(
    ("face", "path", "words"),
    [
        ({"identity": ""}, "users.u-7.faces[0].identity", "non-empty string"),
        ({"identity": ["x"]}, "users.u-7.faces[0].identity", "non-empty string"),
        ({"similarity": 101}, "users.u-7.faces[0].similarity", "from 0 to 100"),
        ({"external_image_id": "a b"}, "users.u-7.faces[0].external_image_id", "ExternalImageId"),
        (
            {"face_id": "3F1C2B9E-8A4D-4C6F-9B2E-5D7A1C0E4F88"},
            "users.u-7.faces[0].face_id",
            "lower case",
        ),
        ({"image_id": 7}, "users.u-7.faces[0].image_id", "lower-case UUID"),
        ({"face_id": "3f1c2b9e-8a4d-4c6f-9b2e-5d7a1c0e4f88"}, "u-9.faces[0].face_id", "used twice"),
    ],
)
def test_a_bad_face_among_good_ones_is_reported_where_it_is(
    face: dict[str, Any], path: str, words: str
) -> None:
    users: dict[str, Any] = {f"u-{i}": {"faces": [{"identity": f"p{i}"}]} for i in range(20)}
    users["u-7"] = {"faces": [face]}
    users["u-9"] = {"faces": [{"face_id": "3f1c2b9e-8a4d-4c6f-9b2e-5d7a1c0e4f88"}]}
    with pytest.raises(rekostub.FixtureError) as caught:
        rekostub.load_fixture({"collections": {"c": {"users": users}}})
    assert path in str(caught.value)
    assert words in str(caught.value)


@pytest.mark.parametrize("distinct", [True, False])
def test_block_vectors_equal_face_vectors(distinct: bool) -> None:
    """The fixture path's vectors are face_vector's, bit for bit, across several blocks."""
    from rekostub._engine.embedding import face_vectors, seeded_vectors

    n = 1500
    seeds = list(range(n)) if distinct else [(i * 7919) % 37 for i in range(n)]
    order = list(dict.fromkeys(seeds))
    slots = np.array([order.index(s) for s in seeds], dtype=np.intp)
    keys = [f"face-{i}" for i in range(n)]
    sims = [None if i % 4 else (i % 101) * 0.99 for i in range(n)]
    got = seeded_vectors(
        b"".join(s.to_bytes(8, "big") for s in order),
        slots,
        [k.encode() for k in keys],
        np.array([np.nan if s is None else s for s in sims]),
    )
    want = face_vectors(seeds, keys, sims)
    assert got.dtype == want.dtype
    assert got.tobytes() == want.tobytes()

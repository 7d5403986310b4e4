"""Dict fixtures are cached by content; the cache is bounded and keeps nothing past its users."""

from __future__ import annotations

import copy
import gc
import os
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from conftest import REGION, STAFF, STRANGER

import rekostub
from rekostub._fixtures import load
from rekostub._fixtures.load import clear_cache, load_fixture


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    clear_cache()
    yield
    clear_cache()


def _answers(fixture: Any) -> dict[str, Any]:
    """What a user sees of a fake built from ``fixture``."""
    client = boto3.client("rekognition", region_name=REGION)
    with rekostub.stub(client, fixture=fixture):
        users = client.list_users(CollectionId="staff")["Users"]
        found = client.search_users(CollectionId="staff", FaceId=STRANGER)["UserMatches"]
        faces = client.list_faces(CollectionId="staff")["Faces"]
    return {
        "users": [u["UserId"] for u in users],
        "matches": [(m["User"]["UserId"], m["Similarity"]) for m in found],
        "faces": sorted((f["FaceId"], f.get("UserId")) for f in faces),
    }


def _alive_entries() -> int:
    gc.collect()
    return len(load._CACHE)


def test_equal_dicts_share_one_fixture_and_answer_alike() -> None:
    first = _answers(STAFF)
    assert _answers(copy.deepcopy(STAFF)) == first
    assert _answers(STAFF) == first
    assert load_fixture(copy.deepcopy(STAFF)) is load_fixture(STAFF)


def test_a_mutated_dict_is_a_new_fixture() -> None:
    raw = copy.deepcopy(STAFF)
    before = load_fixture(raw)
    assert "erin" not in _answers(raw)["users"]
    raw["collections"]["staff"]["users"]["erin"] = {}
    after = load_fixture(raw)
    assert after is not before
    assert "erin" in _answers(raw)["users"]
    del raw["collections"]["staff"]["users"]["erin"]
    assert load_fixture(raw) is before  # back to the first content: the first fixture


def test_values_equal_in_python_but_not_alike_are_different_fixtures() -> None:
    # 1 == True in Python, but True is no similarity: the second is checked, and refused.
    raw = {"collections": {"staff": {"faces": [{"identity": "x", "similarity": 1}]}}}
    assert load_fixture(raw).collections[0].faces[0].similarity == 1.0
    raw["collections"]["staff"]["faces"][0]["similarity"] = True
    with pytest.raises(rekostub.FixtureError, match="similarity"):
        load_fixture(raw)


def test_key_order_is_content() -> None:
    users = {"bob": {}, "alice": {}}
    raw = {"collections": {"staff": {"users": users}}}
    assert load_fixture(raw).collections[0].users == ("bob", "alice")
    users["bob"] = users.pop("bob")  # same items, alice first now
    assert load_fixture(raw).collections[0].users == ("alice", "bob")


def test_the_cached_fixture_shares_nothing_with_the_callers_dict() -> None:
    raw: dict[str, Any] = {
        "collections": {"staff": {"users": {"u": {}}}},
        "options": {"account_id": "000000000001"},
        "images": {"s3://b/k.jpg": {"faces": ["u"]}},
    }
    fixture = load_fixture(raw)
    raw["images"]["s3://b/k.jpg"]["faces"].append("v")
    raw["options"]["account_id"] = "000000000002"
    assert dict(fixture.images) == {"s3://b/k.jpg": {"faces": ["u"]}}
    assert fixture.options["account_id"] == "000000000001"


def test_relative_image_paths_follow_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = {"collections": {"staff": {}}, "images": {"face.png": {"faces": ["alice"]}}}
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "face.png").write_bytes(rekostub.face_image("alice"))
    monkeypatch.chdir(tmp_path / "a")
    in_a = load_fixture(raw)
    monkeypatch.chdir(tmp_path / "b")
    assert load_fixture(raw) is not in_a


def test_no_fixture_leaves_no_entry_behind() -> None:
    for _ in range(50):
        rekostub.FakeRekognition()
    assert _alive_entries() == 0
    assert len(load._DERIVED) <= 1  # the shared empty fixture's template, at most
    assert rekostub.FakeRekognition().state.collections == {}


def test_the_cache_keeps_no_fixture_alive_after_its_last_fake(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    raw = copy.deepcopy(STAFF)
    fake = rekostub.FakeRekognition(raw)
    dead = weakref.ref(fake.state.extras["fixture"])
    other = rekostub.FakeRekognition(copy.deepcopy(raw))
    assert other.state.extras["fixture"] is dead()  # while used, equal dicts share it
    del fake, other
    for i in range(load.KEEP_RECENT):  # push it out of the recently-used list
        load_fixture({"collections": {f"c{i}": {}}})
    gc.collect()
    assert dead() is None
    assert _alive_entries() == load.KEEP_RECENT
    # Held only by a fake, it stays findable; gone with the fake.
    monkeypatch.setattr(load, "KEEP_RECENT", 0)
    fake = rekostub.FakeRekognition(raw)
    held = weakref.ref(fake.state.extras["fixture"])
    assert load_fixture(copy.deepcopy(raw)) is held()
    del fake
    gc.collect()
    assert held() is None
    assert _alive_entries() == 0


def test_the_cache_is_bounded() -> None:
    for i in range(3 * load.KEEP_RECENT + 5):
        rekostub.FakeRekognition({"collections": {"staff": {"users": {f"u{i}": {}}}}})
    assert _alive_entries() == load.KEEP_RECENT
    assert len(load._DERIVED) <= load.KEEP_RECENT + 1


def test_an_unpicklable_dict_is_still_loaded() -> None:
    class Options(dict[str, Any]):
        def __reduce__(self) -> Any:
            raise TypeError("not picklable")

    raw = {"collections": {"staff": {}}, "options": Options(account_id="000000000001")}
    assert load_fixture(raw).options["account_id"] == "000000000001"
    assert _alive_entries() == 0  # not cached: checked each time


def test_a_bad_dict_is_refused_every_time() -> None:
    raw = {"collections": {"staff": {"users": {"bad user": {}}}}}
    for _ in range(2):
        with pytest.raises(rekostub.FixtureError, match="bad user"):
            load_fixture(raw)
    assert _alive_entries() == 0


def test_file_fixtures_share_the_bounded_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "staff.json"
    path.write_text('{"collections": {"staff": {"users": {"alice": {}}}}}', encoding="utf-8")
    first = load_fixture(path)
    assert load_fixture(str(path)) is first
    path.write_text('{"collections": {"staff": {"users": {"bob": {}}}}}', encoding="utf-8")
    os.utime(path, ns=(1, 1))  # a different mtime whatever the clock's resolution
    edited = load_fixture(path)
    assert edited.collections[0].users == ("bob",)
    gone = weakref.ref(first)
    del first
    monkeypatch.setattr(load, "KEEP_RECENT", 1)
    load_fixture({"collections": {}})  # only the newest is held now
    gc.collect()
    assert gone() is None
    assert load_fixture(path) is edited  # still used here: found again

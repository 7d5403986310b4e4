"""rekostub._fixtures.load: fixture files (extensions, formats, read errors) and their cache."""

from __future__ import annotations

import copy
import json
import os
import sys
from pathlib import Path

import pytest
from fixture_support import EXACT, EXACT_JSON, EXACT_YAML, check_exact, error_of, write

from rekostub._common.errors import FixtureError
from rekostub._fixtures.load import clear_cache, load_fixture


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    clear_cache()


# ------------------------------------------------------------------------------------------
# Errors: files
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["fixture.txt", "fixture", "fixture.json.bak"])
def test_wrong_extension(tmp_path: Path, name: str) -> None:
    path = write(tmp_path / name, "{}")
    suffix = Path(name).suffix or "(none)"
    assert error_of(str(path)) == (
        f"bad rekostub fixture {path}: unsupported file extension {suffix!r}: a fixture file "
        "is .json, .toml, .yaml or .yml, or a packed fixture (python -m rekostub pack SRC DEST)"
    )


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.json"
    assert error_of(str(path)) == (
        f"bad rekostub fixture {path}: no such file (looked for {path.absolute()})"
    )


def test_relative_missing_file_names_the_path_as_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert error_of("sub/nope.yaml") == (
        "bad rekostub fixture sub/nope.yaml: no such file "
        f"(looked for {Path.cwd() / 'sub' / 'nope.yaml'})"
    )


def test_directory(tmp_path: Path) -> None:
    path = tmp_path / "dir.json"
    path.mkdir()
    assert error_of(path) == f"bad rekostub fixture {path}: not a regular file"


def test_json_syntax_error(tmp_path: Path) -> None:
    path = write(tmp_path / "fx.json", '{\n  "collections": {\n    "a": {}\n    "b": {}\n  }\n}\n')
    assert error_of(path) == (
        f"bad rekostub fixture {path}: invalid JSON at line 4, column 5: Expecting ',' delimiter"
    )


def test_toml_syntax_error(tmp_path: Path) -> None:
    path = write(tmp_path / "fx.toml", "[collections.staff]\nusers = \n")
    message = error_of(path)
    assert message.startswith(f"bad rekostub fixture {path}: invalid TOML: ")
    assert "line 2" in message


def test_yaml_syntax_error(tmp_path: Path) -> None:
    path = write(tmp_path / "fx.yaml", "collections:\n  staff: {users: [}\n")
    assert error_of(path) == (
        f"bad rekostub fixture {path}: invalid YAML at line 2, column 19: "
        "expected the node content, but found '}'"
    )


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "fx.json"
    path.write_bytes(b'{"collections": {"caf\xe9": {}}}')
    assert error_of(path) == (
        f"bad rekostub fixture {path}: not UTF-8 text (byte 21): save the file as UTF-8"
    )


@pytest.mark.parametrize("ext", [".yaml", ".yml"])
def test_yaml_needs_pyyaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ext: str) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)
    path = write(tmp_path / f"fx{ext}", EXACT_YAML)
    assert error_of(path) == (
        f"bad rekostub fixture {path}: reading YAML fixtures needs PyYAML, which is not "
        "installed: pip install PyYAML (or pip install 'rekostub[yaml]'), or write the fixture "
        "as .json or .toml"
    )
    # JSON and TOML do not need it.
    check_exact(load_fixture(write(tmp_path / "fx.json", EXACT_JSON)))


def test_top_level_of_a_file_must_be_an_object(tmp_path: Path) -> None:
    path = write(tmp_path / "fx.yaml", "- a\n- b\n")
    assert error_of(path) == (
        f"bad rekostub fixture {path}: the top level must be an object with 'collections', "
        "'options' and/or 'images', not a list (['a', 'b'])"
    )


def test_yaml_numeric_user_id(tmp_path: Path) -> None:
    path = write(tmp_path / "fx.yaml", "collections:\n  staff:\n    users:\n      42: {}\n")
    assert error_of(path) == (
        f"bad rekostub fixture {path}: collections.staff.users[42]: user id 42 is a number: "
        "write it as a string in quotes"
    )


def test_unsupported_source_type() -> None:
    assert error_of(42) == (
        "bad rekostub fixture <int>: a fixture is a file path, a dict, a Fixture or None, not 42"
    )


# ------------------------------------------------------------------------------------------
# Caching and atomicity
# ------------------------------------------------------------------------------------------


def _bump_mtime(path: Path) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))


def test_an_unchanged_file_is_parsed_once(tmp_path: Path) -> None:
    path = write(tmp_path / "fx.json", EXACT_JSON)
    first = load_fixture(path)
    assert load_fixture(path) is first
    assert load_fixture(str(path)) is first
    assert load_fixture(tmp_path / "." / "fx.json") is first


def test_a_rewritten_file_is_read_again(tmp_path: Path) -> None:
    path = write(tmp_path / "fx.json", EXACT_JSON)
    first = load_fixture(path)
    write(path, json.dumps({"collections": {"other": {}}}))
    _bump_mtime(path)
    second = load_fixture(path)
    assert second is not first
    assert [c.collection_id for c in second.collections] == ["other"]
    assert load_fixture(path) is second


def test_same_size_rewrite_is_seen_through_mtime(tmp_path: Path) -> None:
    path = write(tmp_path / "fx.json", '{"collections": {"aaa": {}}}')
    first = load_fixture(path)
    write(path, '{"collections": {"bbb": {}}}')
    _bump_mtime(path)
    assert [c.collection_id for c in load_fixture(path).collections] == ["bbb"]
    assert first.collections[0].collection_id == "aaa"


def test_nothing_is_half_loaded(tmp_path: Path) -> None:
    path = write(tmp_path / "fx.json", EXACT_JSON)
    good = load_fixture(path)
    broken = copy.deepcopy(EXACT)
    broken["collections"]["later"] = {"faces": [{"identity": "x"}, {"face_id": "nope"}]}
    write(path, json.dumps(broken))
    _bump_mtime(path)
    with pytest.raises(FixtureError, match=r"collections\.later\.faces\[1\]\.face_id"):
        load_fixture(path)
    # The error is raised again (the stale fixture is not handed out), the earlier one is intact.
    with pytest.raises(FixtureError):
        load_fixture(path)
    check_exact(good)
    # Fixing the file makes it load again.
    write(path, EXACT_JSON + "\n")
    _bump_mtime(path)
    check_exact(load_fixture(path))


def test_dicts_are_parsed_each_time() -> None:
    raw = copy.deepcopy(EXACT)
    first = load_fixture(raw)
    raw["collections"]["staff"]["face_model_version"] = "6.0"
    assert load_fixture(raw).collections[0].face_model_version == "6.0"
    assert first.collections[0].face_model_version == "7.0"

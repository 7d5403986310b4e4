"""Hostile fixtures (issue 13): every broken fixture is a FixtureError naming the file and, where
the document could be read, the path inside it; image files are read with bounds."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

import rekostub
from rekostub._common.errors import FixtureError
from rekostub._fixtures.load import clear_cache
from rekostub._images.registry import MAX_FILE_BYTES

SHA = "sha256:" + "0" * 64


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    clear_cache()


def load_error(path: Path) -> FixtureError:
    with pytest.raises(FixtureError) as info:
        rekostub.FakeRekognition(str(path))
    assert info.value.source == str(path)
    return info.value


# -- item 4: documents that crashed the parsers -----------------------------------------------

DEEP = 100_000


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("deep.json", "[" * DEEP + "]" * DEEP),
        ("deep.toml", "a = " + "[" * DEEP + "]" * DEEP),
        ("deep.yaml", "a: " + "[" * DEEP + "]" * DEEP),
    ],
)
def test_a_document_nested_100000_deep_is_a_fixture_error(
    tmp_path: Path, name: str, text: str
) -> None:
    if name.endswith(".yaml"):
        pytest.importorskip("yaml")
    (tmp_path / name).write_text(text)
    assert "nest too deeply" in load_error(tmp_path / name).problem


@pytest.mark.skipif(
    not hasattr(sys, "get_int_max_str_digits"), reason="Python < 3.11 reads any integer"
)
@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("big.json", '{"options": {"updating_seconds": ' + "9" * 5_000 + "}}"),
        ("big.toml", "[options]\nupdating_seconds = " + "9" * 5_000 + "\n"),
        ("big.yaml", "options:\n  updating_seconds: " + "9" * 5_000 + "\n"),
    ],
)
def test_a_5000_digit_integer_is_a_fixture_error(tmp_path: Path, name: str, text: str) -> None:
    if name.endswith(".yaml"):
        pytest.importorskip("yaml")
    (tmp_path / name).write_text(text)
    assert "cannot be read" in load_error(tmp_path / name).problem


def test_a_400_digit_updating_seconds_is_a_fixture_error(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    path.write_text('{"options": {"updating_seconds": ' + "9" * 400 + "}}")
    error = load_error(path)
    assert error.path == "options.updating_seconds"
    assert "is not a number of seconds" in error.problem
    assert len(error.problem) < 300


@pytest.mark.parametrize("number", ["9" * 400, "1e400", "-1e400"])
def test_an_embedding_number_beyond_float_is_a_fixture_error(tmp_path: Path, number: str) -> None:
    path = tmp_path / "f.json"
    path.write_text('{"collections": {"c": {"faces": [{"embedding": [0.5, ' + number + "]}]}}}")
    error = load_error(path)
    assert error.path == "collections.c.faces[0].embedding"
    assert "is not a finite number (item 1 of the embedding)" in error.problem


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "1e400", "9" * 400])
def test_a_non_finite_box_is_a_fixture_error(tmp_path: Path, bad: str) -> None:
    path = tmp_path / "f.json"
    box = f"[{bad}, 0, 0.5, 0.5]"
    path.write_text(
        '{"images": {"' + SHA + '": {"faces": [{"identity": "a", "box": ' + box + "}]}}}"
    )
    error = load_error(path)
    assert error.path == f"images.{SHA}.faces[0].box"
    assert "box values must be finite numbers" in error.problem


def test_a_yaml_alias_bomb_is_quoted_in_bounded_space(tmp_path: Path) -> None:
    """A 420-byte document whose value, expanded, holds 9**9 strings (it took 7.7 s and 1.1 GB
    to quote): the message shows at most 80 characters of it."""
    pytest.importorskip("yaml")
    levels = ['&a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        levels.append(f"&{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    path = tmp_path / "bomb.yaml"
    path.write_text("options:\n  account_id: [" + ", ".join(levels) + "]\n")
    assert path.stat().st_size < 500
    error = load_error(path)
    assert error.path == "options.account_id"
    assert len(error.problem) < 300


# -- item 3: image files -----------------------------------------------------------------------


def images_fixture(folder: Path, ref: str, **options: object) -> Path:
    path = folder / "fixture.json"
    document: dict[str, object] = {"images": {ref: {"faces": ["alice"]}}}
    if options:
        document["options"] = options
    path.write_text(json.dumps(document))
    return path


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.png")
    error = load_error(images_fixture(tmp_path, "pipe.png"))
    assert "not a regular file" in error.problem
    assert error.path == 'images["pipe.png"]'


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_device_is_refused_without_reading_it(tmp_path: Path) -> None:
    error = load_error(images_fixture(tmp_path, "/dev/zero", images_outside_folder=True))
    assert "not a regular file" in error.problem


def test_a_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "dir.png").mkdir()
    assert load_error(images_fixture(tmp_path, "dir.png")).path == 'images["dir.png"]'


def test_an_image_file_over_15_mb_is_refused(tmp_path: Path) -> None:
    with open(tmp_path / "big.png", "wb") as handle:
        handle.write(rekostub.face_image("alice"))
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: no 15 MB written
    error = load_error(images_fixture(tmp_path, "big.png"))
    assert f"{MAX_FILE_BYTES + 1:,} bytes" in error.problem
    assert "15 MB" in error.problem


def test_an_image_file_of_15_mb_is_read(tmp_path: Path) -> None:
    with open(tmp_path / "big.png", "wb") as handle:
        handle.write(rekostub.face_image("alice"))
        handle.truncate(MAX_FILE_BYTES)
    rekostub.FakeRekognition(str(images_fixture(tmp_path, "big.png")))


@pytest.mark.parametrize("shape", ["dotdot", "absolute", "symlink"])
def test_a_path_leaving_the_fixture_folder_is_refused_unless_allowed(
    tmp_path: Path, shape: str
) -> None:
    outside = tmp_path / "outside.png"
    outside.write_bytes(rekostub.face_image("alice"))
    folder = tmp_path / "fixtures"
    folder.mkdir()
    if shape == "symlink":
        if not hasattr(os, "symlink"):
            pytest.skip("needs symlinks")
        (folder / "link.png").symlink_to(outside)
        ref = "link.png"
    else:
        ref = "../outside.png" if shape == "dotdot" else str(outside)
    error = load_error(images_fixture(folder, ref))
    assert "leads outside the fixture's folder" in error.problem
    assert "images_outside_folder" in error.problem
    clear_cache()
    rekostub.FakeRekognition(str(images_fixture(folder, ref, images_outside_folder=True)))


def test_paths_inside_the_fixture_folder_are_read(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.png").write_bytes(rekostub.face_image("alice"))
    rekostub.FakeRekognition(str(images_fixture(tmp_path, "sub/../sub/a.png")))


def test_a_dict_fixture_may_name_any_path(tmp_path: Path) -> None:
    """A dict is the test's own code, relative to the working directory; no folder to leave."""
    image = tmp_path / "a.png"
    image.write_bytes(rekostub.face_image("alice"))
    rekostub.FakeRekognition({"images": {str(image): {"faces": ["bob"]}}})


def test_images_outside_folder_must_be_a_boolean(tmp_path: Path) -> None:
    error = load_error(images_fixture(tmp_path, SHA, images_outside_folder="yes"))
    assert error.path == "options.images_outside_folder"

"""Packed fixtures: a fixture's columns in one binary file, opened memory-mapped.

Layout (version 1, little-endian)::

    16 bytes   MAGIC (b"\\x93REKOSTUB-PACK1")
    8 bytes    header length H (uint64)
    H bytes    header: UTF-8 JSON (options, images, base_dir, collections and their arrays)
    ...        each array's raw bytes at the 64-byte-aligned offset the header gives

Each collection lists its FaceTable columns (:mod:`rekostub._engine.table`) and three string
tables (user names, identities, external image ids: a UTF-8 blob and int64 offsets) as
``{"offset", "dtype", "shape"}``. Opening reads the header and maps every array with
``np.memmap(mode="r")``: O(1) in the number of faces, and every process that opens the file
shares the same page-cache pages. Write one with ``python -m rekostub pack SRC DEST`` or
``fake.snapshot(DEST)``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Optional

import numpy as np
import numpy.typing as npt

from rekostub._common.errors import FixtureError
from rekostub._engine.embedding import DIM
from rekostub._engine.table import FaceTable, StrTable
from rekostub._fixtures.specs import CollectionSpec, Fixture

__all__ = ["MAGIC", "PackedCollection", "is_packed", "read_packed", "write_packed"]

MAGIC = b"\x93REKOSTUB-PACK1"
_ALIGN = 64
#: column -> (dtype, per-row shape)
_COLUMNS: dict[str, tuple[str, tuple[int, ...]]] = {
    "fid": ("S16", ()),
    "img": ("S16", ()),
    "user": ("<i4", ()),
    "vec": ("<f4", (DIM,)),
    "kind": ("i1", ()),
    "seed": ("<u8", ()),
    "sim": ("<f8", ()),
    "ident": ("<i4", ()),
    "ext": ("<i4", ()),
    "order": ("<i8", ()),
    "sorted_fid": ("S16", ()),
}
_STRINGS = ("user_names", "identities", "externals")

#: What :func:`write_packed` takes per collection: id, region, face model version, columns
#: (as ``_COLUMNS``), and the three string tables.
PackedCollection = tuple[str, str, str, Mapping[str, npt.NDArray[Any]], Mapping[str, Sequence[str]]]


def is_packed(path: Path) -> bool:
    """Whether the file starts with the packed-fixture magic (False if it cannot be read)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def write_packed(
    path: os.PathLike[str] | str,
    collections: Sequence[PackedCollection],
    options: Mapping[str, Any],
    images: Mapping[str, Any],
    base_dir: Optional[Path],
) -> Path:
    """Write a packed fixture (to a temporary name, then renamed: readers never see half)."""
    arrays: list[npt.NDArray[Any]] = []
    described: list[dict[str, Any]] = []

    def add(array: npt.NDArray[Any]) -> dict[str, Any]:
        arrays.append(np.ascontiguousarray(array))
        return {"index": len(arrays) - 1, "dtype": array.dtype.str, "shape": list(array.shape)}

    for cid, region, version, columns, strings in collections:
        entry: dict[str, Any] = {
            "collection_id": cid,
            "region": region,
            "face_model_version": version,
            "columns": {},
            "strings": {},
        }
        for name, (dtype, _) in _COLUMNS.items():
            entry["columns"][name] = add(np.asarray(columns[name]).astype(dtype, copy=False))
        for name in _STRINGS:
            blob, bounds = StrTable.encode(list(strings[name]))
            entry["strings"][name] = [add(np.frombuffer(blob, np.uint8)), add(bounds)]
        described.append(entry)
    header: dict[str, Any] = {
        "version": 1,
        "options": dict(options),
        "images": dict(images),
        "base_dir": None if base_dir is None else str(base_dir),
        "collections": described,
    }
    # Offsets depend on the header's length: lay out after a header of a fixed upper size.
    sizes = [a.nbytes for a in arrays]
    draft = json.dumps({**header, "offsets": [0] * len(arrays)}).encode()
    start = _aligned(len(MAGIC) + 8 + len(draft) + 24 * len(arrays) + 64)
    offsets = []
    for size in sizes:
        offsets.append(start)
        start = _aligned(start + size)
    data = json.dumps({**header, "offsets": offsets}).encode()
    target = Path(path)
    tmp = target.with_name(target.name + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(MAGIC + len(data).to_bytes(8, "little") + data)
        for offset, array in zip(offsets, arrays):
            fh.seek(offset)
            if array.size:
                fh.write(array.data)
        fh.truncate(max(start, fh.tell()))
    os.replace(tmp, target)
    return target


def _aligned(n: int) -> int:
    return (n + _ALIGN - 1) // _ALIGN * _ALIGN


def read_packed(path: Path, source: str) -> Fixture:
    """Open a packed fixture memory-mapped. FixtureError for a damaged or foreign file."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            if fh.read(len(MAGIC)) != MAGIC:
                raise ValueError("not a rekostub packed fixture (wrong magic)")
            length = int.from_bytes(fh.read(8), "little")
            if length > size:
                raise ValueError("the header is cut short")
            header = json.loads(fh.read(length).decode("utf-8"))
        if header.get("version") != 1:
            raise ValueError(f"unsupported packed version {header.get('version')!r}")
        offsets: list[int] = header["offsets"]

        def array(desc: Mapping[str, Any]) -> npt.NDArray[Any]:
            dtype = np.dtype(desc["dtype"])
            shape = tuple(int(x) for x in desc["shape"])
            offset = int(offsets[int(desc["index"])])
            nbytes = dtype.itemsize * int(np.prod(shape))
            if offset + nbytes > size:
                raise ValueError("an array runs past the end of the file (truncated?)")
            if nbytes == 0:
                return np.zeros(shape, dtype=dtype)
            return np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape)

        specs = []
        for entry in header["collections"]:
            columns = {name: array(entry["columns"][name]) for name in _COLUMNS}
            n = columns["fid"].shape[0]
            for name, (_, row) in _COLUMNS.items():
                if columns[name].shape != (n, *row):
                    raise ValueError(f"column {name} has shape {columns[name].shape}")
            strings = {
                name: StrTable(array(blob), array(offs))
                for name, (blob, offs) in entry["strings"].items()
            }
            table = FaceTable(
                entry["collection_id"],
                columns,
                strings["user_names"],
                strings["identities"],
                strings["externals"],
            )
            specs.append(
                CollectionSpec(
                    entry["collection_id"], entry["face_model_version"], table, entry["region"]
                )
            )
    except FixtureError:
        raise
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise FixtureError(
            f"cannot open this packed fixture: {exc}; write it again with "
            f"python -m rekostub pack SRC DEST",
            source=source,
        ) from None
    base = header.get("base_dir")
    return Fixture(
        source=source,
        collections=tuple(specs),
        options=header["options"],
        images=header["images"],
        base_dir=Path(base) if base else path.parent,
    )

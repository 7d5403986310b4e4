"""Searches over a collection: faces, and users by the maximum over their faces.

The rule for users (robust user vectors)
----------------------------------------
A user's similarity to a probe vector is the **maximum** of the similarities of the user's
faces to the probe (each exactly :func:`rekostub._engine.matcher.similarity`). Two users' similarity
(SearchUsers by UserId) is the maximum over every pair of their faces. So adding a photo to a
user never lowers any score; a face pinned at S scores S (+/- 0.1) against a user of clear faces
of that identity; different people stay < 50; every number is bit-identical everywhere.

A probe's best users are found from its best faces: a user has at most 100 faces, so the best
``100 x limit`` faces on users hold the best ``limit`` users (ties at the cut are all kept).
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import numpy.typing as npt

from rekostub._engine.matcher import _exact_similarities
from rekostub._engine.model import Collection, User
from rekostub._engine.scan import search_rows

__all__ = ["search_faces", "search_users", "search_users_by_user", "user_similarity"]

Vector = npt.NDArray[np.float32]
_MAX_FACES_PER_USER = 100


def _rows(col: Collection, face_ids: object) -> npt.NDArray[np.intp]:
    rows = [col.table.row_of(f) for f in face_ids]  # type: ignore[attr-defined]
    return np.asarray([r for r in rows if r is not None], dtype=np.intp)


def _top(
    col: Collection,
    query: Vector,
    threshold: float,
    limit: int,
    drop: npt.NDArray[np.intp],
    skip_new: frozenset[str],
    users_only: bool,
) -> list[tuple[float, str, Optional[str]]]:
    """(similarity, face id, user id) of the best ``limit`` faces, by (-similarity, face id)."""
    table = col.table
    rows, sims = search_rows(table.vec, query, threshold=threshold, limit=limit, drop=drop)
    found: list[tuple[float, str, Optional[str]]] = []
    if rows.size:
        order = np.lexsort((table.fid[rows], -sims))[:limit]
        rows, sims = rows[order], sims[order]
        found = [
            (s, table.face_id(r), col._user_of_row(r)) for r, s in zip(rows.tolist(), sims.tolist())
        ]
    if len(col._new):
        wanted = limit + len(skip_new) if not users_only else len(col._new)
        for face_id, s in col._new_vectors.search(query, threshold=threshold, limit=wanted):
            face = col._new[face_id]
            if face_id in skip_new or (users_only and face.user_id is None):
                continue
            found.append((s, face_id, face.user_id))
        found.sort(key=lambda item: (-item[0], item[1]))
        del found[limit:]
    return found


def search_faces(
    col: Collection, query: Vector, *, threshold: float, limit: int, exclude: Optional[str] = None
) -> list[tuple[str, float]]:
    """(FaceId, similarity) of the best ``limit`` faces >= ``threshold``, by (-sim, FaceId)."""
    drop = col.dead_rows()
    skip: frozenset[str] = frozenset()
    if exclude is not None:
        row = col.row(exclude)
        if row is not None:
            drop = np.append(drop, row)
        else:
            skip = frozenset((exclude,))
    found = _top(col, query, threshold, limit, drop, skip, users_only=False)
    return [(face_id, s) for s, face_id, _ in found]


def _user_drop(
    col: Collection, exclude: Optional[User], rows: Optional[npt.NDArray[np.intp]] = None
) -> tuple[npt.NDArray[np.intp], frozenset[str]]:
    """Table rows a user search ignores: dead faces, faces on no user, the excluded user's
    (``rows``: the excluded user's table rows, when the caller has them already)."""
    if exclude is not None and rows is None:
        rows = _rows(col, exclude.face_ids)
    skip = frozenset(exclude.face_ids) if exclude is not None else frozenset()
    if not col._moved and not col._dead:  # the common case: no changes to the fixture faces
        loose = col.table.loose_rows()
        if rows is None or not rows.size:
            return loose, skip
        if not loose.size:  # every fixture face is on a user
            return rows, skip
        return np.concatenate((loose, rows)), skip
    moved_none = [r for r, u in col._moved.items() if u is None]
    moved_user = [r for r, u in col._moved.items() if u is not None]
    parts = [col.dead_rows(), col.table.loose_rows(), np.asarray(moved_none, dtype=np.intp)]
    drop = np.concatenate(parts).astype(np.intp)
    if moved_user:
        drop = np.setdiff1d(drop, np.asarray(moved_user, dtype=np.intp))
    if rows is not None and rows.size:
        drop = np.concatenate((drop, rows))
    return drop, skip


def search_users(
    col: Collection,
    query: Vector,
    *,
    threshold: float,
    limit: int,
    exclude: Optional[User] = None,
) -> list[tuple[str, float]]:
    """(UserId, similarity) of the best ``limit`` users >= ``threshold``, by (-sim, UserId)."""
    if limit <= 0:
        return []
    drop, skip = _user_drop(col, exclude)
    return _ranked_users(col, query, threshold, limit, drop, skip)


def _ranked_users(
    col: Collection,
    query: Vector,
    threshold: float,
    limit: int,
    drop: npt.NDArray[np.intp],
    skip: frozenset[str],
) -> list[tuple[str, float]]:
    faces = _top(col, query, threshold, limit * _MAX_FACES_PER_USER, drop, skip, users_only=True)
    if not faces:
        return []
    best: dict[str, float] = {}
    for s, _, user_id in faces:  # by similarity descending: the first is the user's maximum
        if user_id is not None and user_id not in best:
            best[user_id] = s
    ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))
    return ranked[:limit]


def search_users_by_user(
    col: Collection, user: User, *, threshold: float, limit: int
) -> list[tuple[str, float]]:
    """Users by the maximum similarity over every pair of their faces and ``user``'s."""
    if limit <= 0 or not user.face_ids:
        return []
    table = col.table
    face_rows = [table.row_of(f) for f in user.face_ids]  # one lookup per face, reused
    rows = np.array([r for r in face_rows if r is not None], dtype=np.intp)
    drop, skip = _user_drop(col, user, rows)  # once for all of the user's faces
    dead = col._dead
    queries = [
        table.vec[row] if row is not None and row not in dead else col.vector(face_id)
        for face_id, row in zip(user.face_ids, face_rows)
    ]
    if len(queries) == 1:  # one face: its ranking is the answer (already by (-sim, UserId))
        return _ranked_users(col, queries[0], threshold, limit, drop, skip)
    best: dict[str, float] = {}
    for query in queries:
        for user_id, s in _ranked_users(col, query, threshold, limit, drop, skip):
            if s > best.get(user_id, -1.0):
                best[user_id] = s
    ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))
    return ranked[:limit]


def user_similarity(col: Collection, user: User, query: Vector) -> Optional[float]:
    """The user's similarity to ``query`` (None for a user without faces)."""
    if not user.face_ids:
        return None
    rows = np.stack([col.vector(f) for f in user.face_ids])
    return float(_exact_similarities(rows, np.asarray(query, dtype=np.float32)).max())

"""The column engine answers searches exactly as the previous engine's computation did.

``reference_*`` below is a small, independent re-implementation of the old engine's defined
results: every face's exact similarity (float64 products of the float32 vectors summed by the
fixed pairwise tree, x 100, clipped to [0, 100], rounded through float32), then filter,
sort by (-similarity, FaceId) and cut -- no coarse filter, no partition, no columns. The
engine's answers through boto3 must equal it bit for bit on a few thousand faces, including
after deletions and with the old ``VectorIndex`` on the same vectors.
"""

from __future__ import annotations

import uuid
from typing import Any

import boto3
import numpy as np
import pytest

import rekostub
from rekostub._engine.embedding import DIM
from rekostub._engine.matcher import VectorIndex

N = 3000


def fid(i: int) -> str:
    return f"{(i * 2654435761) % 2**32:08x}-0000-4000-8000-{i:012x}"


def fixture() -> dict[str, Any]:
    faces = []
    for i in range(N):
        face: dict[str, Any] = {"face_id": fid(i), "identity": f"p{i % 60}"}
        if i % 3:
            face["similarity"] = 50 + (i % 50)  # many exact ties between faces
        faces.append(face)
    users = {
        f"user{u}": {
            "faces": [
                {"face_id": fid(N + 10 * u + k), "identity": f"p{u}"} for k in range(1 + u % 4)
            ]
        }
        for u in range(60)
    }
    return {"collections": {"c": {"faces": faces, "users": users}}}


def _tree(x: np.ndarray) -> np.ndarray:
    while x.shape[1] > 1:
        half = x.shape[1] // 2
        folded = x[:, :half] + x[:, half : 2 * half]
        if x.shape[1] % 2:
            folded = np.concatenate((folded, x[:, 2 * half :]), axis=1)
        x = folded
    return x[:, 0]


def reference_sims(matrix: np.ndarray, query: np.ndarray) -> np.ndarray:
    dots = _tree(matrix.astype(np.float64) * query.astype(np.float64))
    return np.clip(dots * 100.0, 0.0, 100.0).astype(np.float32)


def reference_search(
    ids: list[str], matrix: np.ndarray, query: np.ndarray, threshold: float, limit: int, skip: str
) -> list[tuple[str, float]]:
    sims = reference_sims(matrix, query).tolist()
    found = [(i, s) for i, s in zip(ids, sims) if s >= threshold and i != skip]
    found.sort(key=lambda item: (-item[1], item[0]))
    return found[:limit]


@pytest.fixture(scope="module")
def loaded() -> Any:
    return rekostub.load_fixture(fixture())


@pytest.mark.parametrize(("threshold", "limit"), [(0, 4096), (0, 7), (80, 50), (99, 4096)])
def test_search_faces_equals_the_reference(loaded: Any, threshold: float, limit: int) -> None:
    spec = loaded.collections[0]
    ids = [f.face_id for f in spec.faces]
    matrix = np.asarray(spec.vectors)
    old = VectorIndex(DIM)
    old.add_many(ids, matrix)
    rng = np.random.default_rng(7)
    with rekostub.stub(fixture=loaded) as fake:
        rek = boto3.client("rekognition", region_name="us-east-1")
        asked = [ids[i] for i in rng.choice(len(ids), 300, replace=False).tolist()]
        doomed = set(rek.delete_faces(CollectionId="c", FaceIds=asked)["DeletedFaces"])
        assert len(doomed) > 250  # users' faces are not deleted
        for name in doomed:
            old.remove(name)
        alive = np.asarray([i not in doomed for i in ids])
        live_ids = [i for i, keep in zip(ids, alive) if keep]
        for q in rng.choice(len(live_ids), 12, replace=False).tolist():
            face_id = live_ids[q]
            query = fake.state.collection("c").vector(face_id)
            got = rek.search_faces(
                CollectionId="c", FaceId=face_id, FaceMatchThreshold=threshold, MaxFaces=limit
            )["FaceMatches"]
            want = reference_search(live_ids, matrix[alive], query, threshold, limit, face_id)
            assert [(m["Face"]["FaceId"], m["Similarity"]) for m in got] == want
            # the previous engine's index agrees too
            assert old.search(query, threshold=threshold, limit=limit, exclude=face_id) == want


def test_search_users_equals_the_max_over_faces_reference(loaded: Any) -> None:
    spec = loaded.collections[0]
    faces = spec.faces
    matrix = np.asarray(spec.vectors)
    with rekostub.stub(fixture=loaded):
        rek = boto3.client("rekognition", region_name="us-east-1")
        for q in range(0, N, 250):
            probe = matrix[q]
            sims = reference_sims(matrix, probe).tolist()
            best: dict[str, float] = {}
            for face, s in zip(faces, sims):
                if face.user_id is not None and s >= 40:
                    best[face.user_id] = max(best.get(face.user_id, -1.0), s)
            want = sorted(best.items(), key=lambda item: (-item[1], item[0]))[:9]
            got = rek.search_users(
                CollectionId="c", FaceId=faces[q].face_id, UserMatchThreshold=40, MaxUsers=9
            )["UserMatches"]
            assert [(m["User"]["UserId"], m["Similarity"]) for m in got] == want


@pytest.mark.parametrize("name", ["", "image:c/u/0", "é漢/x" * 30])
def test_fast_name_uuid_is_uuid5(name: str) -> None:
    from rekostub._fixtures.specs import _NAMESPACE, name_uuid

    assert name_uuid(name) == str(uuid.uuid5(_NAMESPACE, name))

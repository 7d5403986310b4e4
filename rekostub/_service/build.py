"""Fixture -> State: build the fake's collections from a parsed fixture (vectorised)."""

from __future__ import annotations

import numpy as np

from rekostub._engine.matcher import grouped_mean
from rekostub._engine.model import Collection, copy_collection
from rekostub._engine.state import DEFAULT_ACCOUNT_ID, State
from rekostub._fixtures.load import CollectionSpec, Fixture, derived, gc_paused
from rekostub._images.seen import install_images

__all__ = ["state_from_fixture"]


def _build_collection(spec: CollectionSpec) -> Collection:
    col = Collection(spec.collection_id, face_model_version=spec.face_model_version)
    faces = list(spec.faces)  # shared, immutable Face records
    col.add_faces(faces, spec.vectors)
    col.add_users(list(spec.users))
    users = col.users
    user_rows: dict[str, int] = {}
    groups: list[int] = []
    rows: list[int] = []
    for row, face in enumerate(faces):
        user_id = face.user_id
        if user_id is not None:
            users[user_id].face_ids[face.face_id] = None
            groups.append(user_rows.setdefault(user_id, len(user_rows)))
            rows.append(row)
    if user_rows:
        # The loader lists users' faces first, so their rows are usually 0..k-1: a view.
        contiguous = rows[-1] == len(rows) - 1
        vectors = spec.vectors[: len(rows)] if contiguous else spec.vectors[rows]
        means = grouped_mean(vectors, np.asarray(groups, dtype=np.intp), len(user_rows))
        col.user_vectors.add_many(list(user_rows), means)
    return col


def _build_template(fixture: Fixture) -> dict[str, Collection]:
    with gc_paused():  # 100,000s of new objects: no point scanning them mid-build
        return {spec.collection_id: _build_collection(spec) for spec in fixture.collections}


def _template(fixture: Fixture) -> dict[str, Collection]:
    """The collections built from ``fixture``, once per Fixture object and kept as long as it
    (each fake gets a cheap copy)."""
    return derived(fixture, "template", _build_template)


def state_from_fixture(fixture: Fixture) -> State:
    """A fresh State reproducing the fixture; building happens once per Fixture object."""
    options = fixture.options
    state = State(
        account_id=str(options.get("account_id", DEFAULT_ACCOUNT_ID)),
        updating_seconds=float(options.get("updating_seconds", 0)),
    )
    for collection in _template(fixture).values():
        state.add_collection(copy_collection(collection))
    state.extras["fixture"] = fixture
    install_images(state, fixture)  # the images section (checked once per Fixture object)
    return state

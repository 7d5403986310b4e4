"""Fixture -> State: the fake's collections from a loaded fixture, sharing its face tables."""

from __future__ import annotations

from rekostub._engine.model import Collection
from rekostub._engine.state import DEFAULT_ACCOUNT_ID, State
from rekostub._fixtures.load import Fixture
from rekostub._images.seen import install_images

__all__ = ["state_from_fixture"]


def state_from_fixture(fixture: Fixture) -> State:
    """A fresh State reproducing the fixture.

    O(number of collections): each collection shares its fixture's columns (the FaceTable,
    vectors included) and keeps only its own changes (copy-on-write, see ``Collection``).
    """
    options = fixture.options
    state = State(
        account_id=str(options.get("account_id", DEFAULT_ACCOUNT_ID)),
        updating_seconds=float(options.get("updating_seconds", 0)),
    )
    for spec in fixture.collections:
        state.add_collection(
            Collection(
                spec.collection_id,
                face_model_version=spec.face_model_version,
                region=spec.region,
                table=spec.table,
            )
        )
    state.extras["fixture"] = fixture
    install_images(state, fixture)  # the images section (checked once per Fixture object)
    return state

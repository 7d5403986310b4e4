"""The fake's whole state: its collections (per region) and settings. Operations receive it."""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from typing import Any, Optional

from rekostub._common.errors import ServiceError
from rekostub._engine.model import DEFAULT_REGION, Collection

__all__ = ["DEFAULT_ACCOUNT_ID", "DEFAULT_REGION", "State"]

DEFAULT_ACCOUNT_ID = "123456789012"


class State:
    """Collections by region and id (ids are case-sensitive) and the fake's settings.

    A collection belongs to one region of the fake's account: a client sees only its region's
    collections, and the same id can exist in two regions.
    """

    def __init__(
        self, *, account_id: str = DEFAULT_ACCOUNT_ID, updating_seconds: float = 0
    ) -> None:
        #: region -> collection id -> collection
        self.regions: dict[str, dict[str, Collection]] = {}
        #: region -> sorted collection ids (ListCollections' order)
        self._sorted: dict[str, list[str]] = {}
        self.account_id: str = account_id
        #: Seconds users read UPDATING after (Dis)AssociateFaces (0: until the next call).
        self.updating_seconds: float = float(updating_seconds)
        #: ClientRequestToken replay: (operation, token) -> (params without token, response).
        self.idempotency: dict[tuple[str, str], tuple[dict[str, Any], dict[str, Any]]] = {}
        #: Image registry and other per-feature data, keyed by feature name.
        self.extras: dict[str, Any] = {}

    @property
    def collections(self) -> dict[str, Collection]:
        """Every collection by id (one region's id wins when two regions share it): a view for
        tests and tools; operations use :meth:`collection` with the request's region."""
        return {cid: col for cols in self.regions.values() for cid, col in cols.items()}

    def all_collections(self) -> Iterator[Collection]:
        """Every collection, by region then id."""
        for region in sorted(self.regions):
            cols = self.regions[region]
            for cid in self._sorted[region]:
                yield cols[cid]

    def collection(self, collection_id: str, region: str = DEFAULT_REGION) -> Collection:
        """The collection, or the ResourceNotFoundException AWS answers for a missing one.

        When the id exists in another region the error (AWS's text) carries a ``hint`` saying
        where, which the call log keeps (``fake.calls[-1].error.hint``) and the ``rekostub``
        logger prints.
        """
        found = self.regions.get(region, {}).get(collection_id)
        if found is None:
            elsewhere = sorted(r for r, cols in self.regions.items() if collection_id in cols)
            error = ServiceError(
                "ResourceNotFoundException", f"The collection id: {collection_id} does not exist"
            )
            if elsewhere:
                error.hint = (
                    f"rekostub: collection {collection_id!r} exists in region(s) "
                    f"{', '.join(elsewhere)}, not in {region} (the client's region): create it "
                    f'there, or give the fixture collection "region": "{region}"'
                )
            raise error
        return found

    def add_collection(self, collection: Collection) -> None:
        """Add a collection to its region (CreateCollection, fixture loading)."""
        region = collection.region
        self.regions.setdefault(region, {})[collection.collection_id] = collection
        bisect.insort(self._sorted.setdefault(region, []), collection.collection_id)

    def remove_collection(self, collection_id: str, region: str = DEFAULT_REGION) -> None:
        """Remove a collection and everything in it (DeleteCollection)."""
        del self.regions[region][collection_id]
        ids = self._sorted[region]
        del ids[bisect.bisect_left(ids, collection_id)]

    def find_collection(
        self, collection_id: str, region: str = DEFAULT_REGION
    ) -> Optional[Collection]:
        """The region's collection of that id, or None."""
        return self.regions.get(region, {}).get(collection_id)

    def collection_ids_after(
        self, region: str, after: Optional[str], *, inclusive: bool = False
    ) -> Iterator[str]:
        """The region's collection ids greater than ``after`` (None: all; ``inclusive``: or
        equal), ascending."""
        ids = self._sorted.get(region, [])
        find = bisect.bisect_left if inclusive else bisect.bisect_right
        start = 0 if after is None else find(ids, after)
        return (ids[i] for i in range(start, len(ids)))

    def collection_arn(self, collection_id: str, region: str) -> str:
        """As CreateCollection prints it: without the ``arn:`` prefix (docs/behaviour.md)."""
        return f"aws:rekognition:{region}:{self.account_id}:collection/{collection_id}"

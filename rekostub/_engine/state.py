"""The fake's whole state: its collections and settings. Operations receive it."""

from __future__ import annotations

from typing import Any, Optional

from rekostub._common.errors import ServiceError
from rekostub._engine.model import Collection
from rekostub._engine.paging import KeyOrder

__all__ = ["DEFAULT_ACCOUNT_ID", "State"]

DEFAULT_ACCOUNT_ID = "123456789012"


class State:
    """Collections by id (ids are case-sensitive) and the fake's settings."""

    def __init__(
        self, *, account_id: str = DEFAULT_ACCOUNT_ID, updating_seconds: float = 0
    ) -> None:
        self.collections: dict[str, Collection] = {}
        #: Creation order of collections, for ListCollections paging.
        self.collection_order = KeyOrder()
        self.account_id = account_id
        #: Seconds users read UPDATING after (Dis)AssociateFaces (0: until the next call).
        self.updating_seconds = float(updating_seconds)
        #: ClientRequestToken replay: (operation, token) -> (params without token, response).
        self.idempotency: dict[tuple[str, str], tuple[dict[str, Any], dict[str, Any]]] = {}
        #: Image registry and other per-feature data, keyed by feature name.
        self.extras: dict[str, Any] = {}

    def collection(self, collection_id: str) -> Collection:
        """The collection, or the ResourceNotFoundException AWS answers for a missing one."""
        found = self.collections.get(collection_id)
        if found is None:
            raise ServiceError(
                "ResourceNotFoundException", f"The collection id: {collection_id} does not exist"
            )
        return found

    def add_collection(self, collection: Collection) -> None:
        self.collections[collection.collection_id] = collection
        self.collection_order.add(collection.collection_id)

    def remove_collection(self, collection_id: str) -> None:
        del self.collections[collection_id]
        self.collection_order.remove(collection_id)

    def find_collection(self, collection_id: str) -> Optional[Collection]:
        return self.collections.get(collection_id)

    def collection_arn(self, collection_id: str, region: str) -> str:
        """As CreateCollection prints it: without the ``arn:`` prefix (docs/behaviour.md)."""
        return f"aws:rekognition:{region}:{self.account_id}:collection/{collection_id}"

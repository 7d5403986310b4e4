"""Per-call cost of request validation (run: ``python tests/bench/bench_validation.py``)."""

from __future__ import annotations

import timeit

from rekostub._common.names import service_model
from rekostub._validation.request import validate_request


def main() -> None:
    operation = service_model().operation_model("SearchUsers")
    body = {"CollectionId": "staff", "UserId": "alice", "UserMatchThreshold": 80, "MaxUsers": 10}
    validate_request(operation, body)  # compile the shapes once
    calls = 20_000
    best = min(timeit.repeat(lambda: validate_request(operation, body), number=calls, repeat=5))
    print(f"validate SearchUsers request: {best / calls * 1e6:.2f} us/call")


if __name__ == "__main__":
    main()

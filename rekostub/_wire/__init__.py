"""The wire: a botocore request decoded from JSON 1.1 over HTTP, answered as an HTTP response.

Knows the protocol, nothing of faces: it hands ``(operation, body, region)`` to a dispatcher.
May import: ``rekostub._common``.
"""

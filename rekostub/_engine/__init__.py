"""The engine: collections, faces and users in memory, the matcher, embeddings, paging.

The bottom of the data path: it knows faces and vectors, nothing of requests, HTTP or fixtures.
May import: ``rekostub._common``.
"""

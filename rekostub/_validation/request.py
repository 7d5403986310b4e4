"""Request (and scripted-response) validation, driven by botocore's own service model.

One walker checks a value against any shape of the loaded model, the way Amazon's service
framework (Coral) does before an operation runs. ``validate_request`` works on the decoded JSON
body of a json-1.1 request; ``shape_problems`` works on values already in Python form (used for
scripted responses). Nothing here is written per operation.

Decisions (what no public source settles exactly is marked *chosen*):

* **Wording.** One problem reads ``Value '<v>' at '<path>' failed to satisfy constraint: <text>``
  (``Value null at ...: Member must not be null`` for a missing required member); the message is
  ``1 validation error detected: <item>`` or ``N validation errors detected: <item>; <item>``.
  Texts: ``Member must have length less than or equal to N`` / ``greater than or equal to N``
  (strings count code points, lists and maps count entries, blobs count decoded bytes),
  ``Member must have value less than or equal to N`` / ``greater than or equal to N``,
  ``Member must satisfy regular expression pattern: <the model's pattern>``,
  ``Member must satisfy enum value set: [A, B]`` (the model's order).
* **Order.** Members in model order, depth first; a list's or map's own length before its
  contents. Within one value: length, then pattern, then enum (AWS reports an empty string that
  also fails its pattern as two errors, length first). *Chosen*: the real service's order across
  members is not the model's, and not predictable; no cap on the number of errors.
* **Bounds** print as the model has them: ``500``, ``100``, ``0`` for the integral bounds the
  Rekognition model uses (also on float shapes), ``1.0`` if a model ever writes a float.
* **Paths** (verified against real AWS answers): member names with the first letter lowered
  (``collectionId``, ``image.bytes``, ``s3Object``). A structure inside a list is at
  ``<list>.<1-based index>.member`` (``targets.1.member.inputTransformer``); a structure inside a
  map at ``<map>.<key>.member``.
* **Lists and maps of scalars** (verified against real AWS answers: ACM, Lambda, ECR, Config,
  EventBridge): a bad item is not reported at the item. The list gets *one* problem, whatever the
  number of bad items, quoting the whole list and *all* of the item shape's constraints:
  ``Value '[a, b]' at 'faceIds' failed to satisfy constraint: Member must satisfy constraint:
  [Member must satisfy regular expression pattern: ...]``. Maps likewise, keys first:
  ``Map keys must satisfy constraint: [...]`` then ``Map value must satisfy constraint: [...]``.
  *Chosen*: a null item adds ``Member must not be null`` to that list of constraints.
* **Value rendering** (Java's ``toString``, as AWS prints it): strings as they are; integers as
  digits; float and double shapes as Java prints a ``Float`` / ``Double`` (``101.0``, ``101.5``,
  ``1.0E7``); booleans ``true``/``false``; blobs ``java.nio.HeapByteBuffer[pos=0 lim=N cap=N]``;
  lists ``[a, b]``; maps ``{k=v, k2=v2}``; structures ``ShapeName(member=value, ...)`` with the
  members that are set.
* **Types** (wire). A JSON value of the wrong type is a ``SerializationException`` raised at the
  first one met (the real service fails while deserializing, before any constraint is checked),
  worded as Coral words it (``class java.lang.String can not be converted to an Integer``,
  ``Start of list found where not expected``, ``Expected null`` for a scalar where a structure is
  expected, ``'<b64>' can not be converted to a Blob: Invalid Base64 character: '?'``, ...).
  Booleans are not numbers. *Chosen* (per the brief; the real service is reported to truncate):
  a non-integral number for an integer or long shape is a ``SerializationException``
  (``class java.math.BigDecimal can not be converted to an Integer``); an integral float (``5.0``)
  is taken as the integer. JSON ``null`` is the same as an absent member. Unknown members are
  ignored and left in the result.
* **Types** (``shape_problems``, Python form): plain texts, same paths:
  ``Value 'abc' at 'labels.1.member.confidence' is not a number``; ``is not a string``,
  ``is not an integer``, ``is not a boolean``, ``is not bytes``, ``is not a timestamp``,
  ``is not a list``, ``is not a map``, ``is not a structure``. Type problems do not stop the walk.
* **Patterns** are Java regular expressions matched against the whole value (``re.fullmatch``),
  compiled once, lazily, with ASCII ``\\d \\w \\s`` as in Java. Java-only constructs are
  translated: ``\\p{..}``/``\\P{..}`` (general categories such as ``L``, ``Z``, ``N``, and the
  POSIX ASCII classes) become explicit code-point ranges from :mod:`unicodedata` (built once, on
  first use, ~0.1 s); ``.`` excludes Java's line terminators; ``\\Q..\\E``, ``\\z``, ``\\x{h}``.
  A pattern that still cannot be compiled is not checked (a test asserts every pattern of the
  Rekognition model compiles).
* **Document** shapes accept anything. Timestamps arrive as epoch seconds (ISO 8601 strings are
  also accepted) and come back as timezone-aware ``datetime``; blobs come back as ``bytes``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.model import OperationModel, Shape

from rekostub._common.errors import ServiceError
from rekostub._validation.compile import _node_for
from rekostub._validation.messages import _Mismatch, _mismatch, _null_item, _summary
from rekostub._validation.patterns import compile_java_pattern as compile_java_pattern

__all__ = ["shape_problems", "validate_request"]


# --------------------------------------------------------------------------- public API


def validate_request(operation_model: OperationModel, body: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a decoded JSON request body against the operation's input shape.

    Returns the params in Python form: blob members base64-decoded to bytes, timestamps (epoch
    numbers in json protocol) to timezone-aware datetime; everything else as received (unknown
    members included). The body itself is returned, not a copy, when nothing needed converting.

    Raises ``ServiceError('ValidationException', ...)`` for constraint violations (all of them,
    in model member order, depth first), ``ServiceError('SerializationException', ...)`` for a
    value of the wrong JSON type or unparseable base64, and never for unknown members.
    """
    shape = operation_model.input_shape
    if not isinstance(body, Mapping):
        raise ServiceError("SerializationException", _mismatch(body, "structure").wire)
    if shape is None:
        return dict(body)
    node = _node_for(shape)
    problems: list[str] = []
    try:
        out = node.walk(body, "", problems, True)
    except _Mismatch as exc:
        raise ServiceError("SerializationException", exc.wire) from None
    if problems:
        raise ServiceError("ValidationException", _summary(problems))
    return out if type(out) is dict else dict(out)


def shape_problems(shape: Shape, value: Any, path: str = "") -> list[str]:
    """The same walk for any shape, on a value already in Python form.

    Blobs are ``bytes``, timestamps ``datetime`` or epoch numbers. Returns the violation texts
    (``Value 'x' at 'collectionId' failed to satisfy constraint: ...``, and plain type texts such
    as ``Value 'abc' at 'labels.1.member.confidence' is not a number``) instead of raising; an
    empty list means the value is valid. ``path`` prefixes every path.
    """
    node = _node_for(shape)
    problems: list[str] = []
    if value is None:
        problems.append(_null_item(path))
        return problems
    node.walk(value, path, problems, False)
    return problems

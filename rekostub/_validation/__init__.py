"""Validation: a decoded request checked against botocore's model as the service checks it,
answering ``ValidationException`` in AWS's wording. Knows shapes, nothing of faces or HTTP.

May import: ``rekostub._common``.
"""

from rekostub._validation.request import compile_java_pattern, shape_problems, validate_request

__all__ = ["compile_java_pattern", "shape_problems", "validate_request"]

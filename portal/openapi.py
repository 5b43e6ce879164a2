"""What the published schema says of every operation: the problem document (RFC 9457) and
the error statuses the operation can answer, so a client can be written from it alone."""

from typing import Any

from portal.problems import PROBLEM_CONTENT_TYPE

PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "example": "urn:pension-portal:problem:batch_rejected"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string", "description": "Stable code of the refusal."},
        "errors": {
            "type": "array",
            "description": "Field-level detail; `index` is the row of a batch.",
            "items": {
                "type": "object",
                "required": ["field", "code", "message"],
                "properties": {
                    "field": {"type": "string", "description": "As named in the request."},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "index": {"type": "integer"},
                },
            },
        },
    },
}

ANY_OPERATION = {
    "400": "The request is not valid; `errors` names each field.",
    "404": "Not found, or outside the caller's scope.",
    "406": "The Accept header asks for something other than JSON.",
    "429": "Too many requests; retry after the Retry-After header.",
}
SIGNED_IN = {
    "401": "No credentials, or an unknown or revoked key.",
    "403": "Outside the caller's scope or permissions.",
}
WITH_BODY = {
    "409": "The ledger's state refuses it, or the Idempotency-Key was used with another body.",
    "413": "The body is too large.",
    "415": "The body is not application/json.",
    "422": "Well formed, but a rule refuses it (a check character, an unknown person or "
    "employer, a band, rows of a batch); nothing was written.",
}


def add_problem_responses(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: a Problem component and the error responses."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    problem = {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    schemas = result["components"]["schemas"]
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            _require_body_with_required_fields(operation, schemas)
            statuses = dict(ANY_OPERATION)
            if {} not in operation.get("security", [{}]):
                statuses |= SIGNED_IN
            if method in ("post", "put", "patch"):
                statuses |= WITH_BODY
            if any(p["name"] == "cursor" for p in operation.get("parameters", [])):
                statuses["422"] = "The cursor was not made by this API."
            for status, description in statuses.items():
                operation["responses"].setdefault(
                    status, {"description": description, "content": problem}
                )
    return result


def _require_body_with_required_fields(operation: dict[str, Any], schemas: dict) -> None:
    """A body whose schema has required fields is itself required (drf-spectacular leaves
    a body given as a plain schema optional)."""
    for content in operation.get("requestBody", {}).get("content", {}).values():
        schema = content.get("schema", {})
        if "$ref" in schema:
            schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
        if schema.get("required"):
            operation["requestBody"]["required"] = True

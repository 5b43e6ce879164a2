"""The API's one JSON reader: strict UTF-8, bounded size and depth, no NUL or unpaired
surrogate in any string, every number a Decimal or int.

Kept apart from portal.api, which imports DRF's views: DRF reads its parser setting while
its views module loads.
"""

import json
import re
from decimal import Decimal
from typing import Any

from django.conf import settings
from rest_framework import exceptions, parsers

# Deeper than any message of this API: a batch is an object of a list of row objects.
MAX_JSON_DEPTH = 16
INVALID_CHARACTERS = "Text may not contain NUL characters or unpaired surrogates."


class BodyError(ValueError):
    """A JSON body that cannot be used; `field` names where (a path such as rows[3].name)."""

    def __init__(self, field: str, code: str, message: str) -> None:
        super().__init__(message)
        self.field, self.code, self.message = field, code, message


class UnprocessableBody(exceptions.ValidationError):
    """Well-formed JSON that cannot be taken: too deep, or text PostgreSQL cannot store."""

    status_code = 422


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "too_large"


def read_json_body(request, limit: int) -> bytes:
    """A JSON request's raw body, at most `limit` bytes: 415 for another media type, 413 when
    longer (from the Content-Length header, or counted while reading)."""
    media_type = (request.content_type or "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise exceptions.UnsupportedMediaType(media_type or "(none)")
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise RequestTooLarge(f"The body exceeds {limit} bytes.")
    stream = request.stream
    body = stream.read(limit + 1) if stream is not None else b""
    if len(body) > limit:
        raise RequestTooLarge(f"The body exceeds {limit} bytes.")
    return body


def load_json(body: bytes) -> Any:
    """Parse a JSON body as strict UTF-8, every number a Decimal or int (no float ever
    touches money), at most MAX_JSON_DEPTH deep, with no NUL or unpaired surrogate in any
    string: anything else is a BodyError."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BodyError("body", "encoding", "The body is not UTF-8.") from None
    try:
        value = json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
    except RecursionError:
        raise BodyError("body", "too_deep", f"Nest at most {MAX_JSON_DEPTH} levels.") from None
    except ValueError as exc:
        raise BodyError("body", "parse_error", f"The body is not valid JSON: {exc}") from None
    _check_depth(value)
    # Strict JSON has no raw control characters and strict UTF-8 no surrogates, so only
    # an escape can bring in a NUL or a lone surrogate.
    if "\\u" in text:
        _check_text(value)
    return value


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number")


_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


def _bad_text(text: str) -> bool:
    return _BAD_TEXT.search(text) is not None


_CONTAINERS = (dict, list)


def _check_depth(value: Any) -> None:
    """At most MAX_JSON_DEPTH levels, level by level (no recursion, no paths)."""
    level, depth = [value], 0
    while level:
        depth += 1
        if depth > MAX_JSON_DEPTH:
            raise BodyError("body", "too_deep", f"Nest at most {MAX_JSON_DEPTH} levels.")
        level = [
            child
            for node in level
            if type(node) in _CONTAINERS
            for child in (node.values() if type(node) is dict else node)
            if type(child) in _CONTAINERS
        ]


def _check_text(value: Any) -> None:
    """No NUL or unpaired surrogate in any key or string; the error names the field."""
    stack: list[tuple[Any, tuple]] = [(value, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            for key, child in node.items():
                if _bad_text(key):
                    raise BodyError(_path_text(path), "invalid_characters", INVALID_CHARACTERS)
                stack.append((child, (*path, key)))
        elif isinstance(node, list):
            stack.extend((child, (*path, index)) for index, child in enumerate(node))
        elif isinstance(node, str) and _bad_text(node):
            raise BodyError(_path_text(path), "invalid_characters", INVALID_CHARACTERS)


def _path_text(path: tuple) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


class StrictJSONParser(parsers.BaseParser):
    """The API's only parser: `load_json` over a body capped at DATA_UPLOAD_MAX_MEMORY_SIZE."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        request = parser_context["request"]
        return parse_json(read_json_body(request, settings.DATA_UPLOAD_MAX_MEMORY_SIZE))


def parse_json(body: bytes) -> Any:
    """`load_json`, its BodyError naming the field: a 400 when the body is not JSON, a 422
    when it is but cannot be taken."""
    try:
        return load_json(body)
    except BodyError as error:
        refusal = (
            exceptions.ValidationError
            if error.code in ("encoding", "parse_error")
            else UnprocessableBody
        )
        invalid = refusal({error.field: [exceptions.ErrorDetail(error.message, code=error.code)]})
        invalid.problem_code = error.code  # the problem's own code: parse_error, too_deep…
        raise invalid from None

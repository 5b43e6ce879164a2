"""Request guards that every view relies on."""

from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from portal.parsers import INVALID_CHARACTERS
from portal.problems import PROBLEM_CONTENT_TYPE, problem


class HostileRequestMiddleware:
    """Refuse a NUL or an unpaired surrogate in the path or the query (the database would
    refuse them later, as a server error); answer every error under /api/ as a problem
    document, whichever layer raised it (the URL resolver's 404, a 413 or 400 from Django)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_invalid_characters(request):
            response = _problem_response(400, INVALID_CHARACTERS, "invalid_characters")
        else:
            response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code >= 400
            and response.get("Content-Type", "").split(";")[0] != PROBLEM_CONTENT_TYPE
        ):
            title = response.reason_phrase or "Error."
            return _problem_response(
                response.status_code, title, _CODES.get(response.status_code, "error"), response
            )
        return response


_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large"}


def _problem_response(
    status: int, title: str, code: str, original: HttpResponse | None = None
) -> HttpResponse:
    response = JsonResponse(
        problem(status=status, title=title, code=code),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
    )
    if original is not None and original.has_header("Allow"):
        response["Allow"] = original["Allow"]
    return response


def _has_invalid_characters(request: HttpRequest) -> bool:
    query = unquote_to_bytes(request.META.get("QUERY_STRING", ""))
    if b"\x00" in query or "\x00" in request.path:
        return True
    try:
        query.decode("utf-8")
    except UnicodeDecodeError:
        # Django would replace the bytes; a surrogate encoded in UTF-8 is not text.
        return True
    return False


class PermissionsPolicyMiddleware:
    """Turn off the browser features no page of the portal uses (Permissions-Policy)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response

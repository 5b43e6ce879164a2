"""What every endpoint of the API shares: who may call it, problem-details errors (RFC 9457),
pagination, throttles.

Refusals: 400 when the request does not match the published schema (a type, a pattern, a
bound, a required field); 422 when it does but a rule refuses it (a check digit, a person or
employer the ledger does not know, a band, fields that contradict each other); 409 when the
ledger's state refuses it.
"""

import base64
import re
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, pagination, permissions, status, throttling
from rest_framework.exceptions import ErrorDetail
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler

from accounts import scope
from accounts.authentication import ProvincialSystem
from accounts.services import IdempotencyConflict, access_record, idempotent_write
from contributions.services import LedgerError
from portal.fields import PROVINCE_PATTERN
from portal.problems import PROBLEM_CONTENT_TYPE, problem


def _field_errors(details: Any, field: str = "") -> list[dict[str, str]]:
    """Flatten DRF's nested error details into [{field, code, message}]."""
    if isinstance(details, dict):
        if set(details) == {"message", "code"}:
            # A form field's error may come without a code (django-filter passes None on).
            code = details["code"] or "invalid"
            return [
                {"field": field or "non_field_errors", "code": code, "message": details["message"]}
            ]
        return [
            error
            for key, value in details.items()
            for error in _field_errors(value, f"{field}.{key}" if field else str(key))
        ]
    if isinstance(details, list):
        if all(isinstance(item, dict) and set(item) == {"message", "code"} for item in details):
            return [error for item in details for error in _field_errors(item, field)]
        return [
            error
            for index, item in enumerate(details)
            for error in _field_errors(item, f"{field}[{index}]")
        ]
    return [{"field": field or "non_field_errors", "code": "invalid", "message": str(details)}]


class Refused(exceptions.APIException):
    """Well formed, but a rule refuses it: 422 with field-level errors, as
    {field: ErrorDetail(message, code)}; the first error gives the problem's title and code.

    Raised from a serializer's `validate()` it passes DRF's field validation untouched (it is
    not a ValidationError), so the field-level 400s stay for what the schema states.
    """

    status_code = 422

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__(errors)


def refused(field: str, code: str, message: str) -> Refused:
    """A refusal of one field."""
    return Refused({field: ErrorDetail(message, code=code)})


def problem_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF errors as problem details, with field-level messages for validation errors."""
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, Refused):
        errors = _field_errors(exc.get_full_details())
        body = problem(
            status=exc.status_code,
            title=errors[0]["message"],
            code=errors[0]["code"],
            errors=errors,
        )
    elif isinstance(exc, exceptions.ValidationError):
        body = problem(
            status=response.status_code,
            title="The request is not valid.",
            code=getattr(exc, "problem_code", "invalid"),
            errors=_field_errors(exc.get_full_details()),
        )
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        body = problem(
            status=response.status_code,
            title=str(detail),
            code=code if isinstance(code, str) else "error",
        )
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404 as problem details under /api/, the usual page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            problem(status=404, title="Not found.", code="not_found"),
            status=404,
            content_type=PROBLEM_CONTENT_TYPE,
        )
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """500 as problem details under /api/, the usual page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            problem(status=500, title="Server error.", code="server_error"),
            status=500,
            content_type=PROBLEM_CONTENT_TYPE,
        )
    return defaults.server_error(request)


class IdCursorPagination(pagination.CursorPagination):
    """Stable, opaque cursors in insertion order: safe for incremental pulls.

    A page size that is not a whole number from 1 to 1000 is a 400; a cursor that this API
    did not make is a 422 naming `cursor` (an empty one is the first page).
    """

    ordering = "id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_page_size(self, request) -> int:
        text = request.query_params.get(self.page_size_query_param)
        if text is None:
            return self.page_size
        if not (text.isascii() and text.isdigit() and 1 <= int(text) <= self.max_page_size):
            raise exceptions.ValidationError(
                {self.page_size_query_param: [f"A whole number from 1 to {self.max_page_size}."]}
            )
        return int(text)

    def get_schema_operation_parameters(self, view) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] |= {"minimum": 1, "maximum": self.max_page_size}
            if parameter["name"] == self.cursor_query_param:
                parameter["schema"] |= {"pattern": "^[A-Za-z0-9+/=]*$"}  # base64
        return parameters

    def decode_cursor(self, request):
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded and not _is_cursor(encoded):
            raise refused(
                self.cursor_query_param, "unknown_cursor", "This cursor was not made by this API."
            )
        return super().decode_cursor(request)


# What encode_cursor writes: an offset, a reverse mark, an id position, in that order.
_CURSOR = re.compile(r"(o=[0-9]{1,9})?(&?r=1)?(&?p=[0-9]{1,18})?")


def _is_cursor(encoded: str) -> bool:
    try:
        decoded = base64.b64decode(encoded.encode("ascii"), validate=True).decode("ascii")
    except (ValueError, UnicodeError):
        return False
    return bool(decoded) and _CURSOR.fullmatch(decoded) is not None


class ClientRateThrottle(throttling.SimpleRateThrottle):
    """Per provincial system or signed-in user."""

    scope = "client"

    def get_cache_key(self, request, view) -> str | None:
        if not request.user or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class CalculationRateThrottle(throttling.AnonRateThrottle):
    """Public calculations, by client address when anonymous."""

    scope = "calculations"


# --- Who may call -------------------------------------------------------------------------


class IsProvinceOrCaseworker(permissions.BasePermission):
    """Provincial systems and caseworkers (staff with an agency); not insured persons.

    A caseworker reads in their scope; writing needs the permission for it (`write_perm`).
    """

    message = "This endpoint is for provincial systems and caseworkers."
    write_perm = "contributions.write_via_api"

    def has_permission(self, request: Request, view) -> bool:
        user = request.user
        if isinstance(user, ProvincialSystem):
            return True
        if not (user and user.is_authenticated and user.is_staff):
            return False
        return request.method in permissions.SAFE_METHODS or user.has_perm(self.write_perm)


PROVINCE_PARAMETER = OpenApiParameter(
    "province",
    pattern=PROVINCE_PATTERN,
    description="Caseworkers only: the province written to.",
)


def province_parameter(request: Request) -> str | None:
    """The `province` query parameter a caseworker's write names; 400 if not a code."""
    province = request.query_params.get("province")
    if province is not None and re.fullmatch(PROVINCE_PATTERN, province) is None:
        raise exceptions.ValidationError({"province": ["Not a province code."]})
    return province


def write_province(request: Request, requested: str | None) -> str:
    """The province a write goes to: the key's own, or one in the caseworker's scope."""
    try:
        return scope.write_province(request.user, requested)
    except scope.OutOfScope as refused:
        if refused.code == "required":
            raise Refused({refused.field: ErrorDetail(refused.message, code="required")}) from None
        raise exceptions.PermissionDenied(refused.message) from None


def principal_user(request: Request):
    """The signed-in user behind a request; None for a provincial system."""
    return None if isinstance(request.user, ProvincialSystem) else request.user


# --- Idempotent writes --------------------------------------------------------------------


# Visible ASCII: a UUID, a batch number, a file name without spaces.
IDEMPOTENCY_KEY_PATTERN = "^[!-~]{1,100}$"


def idempotency_key_parameter(*, required: bool) -> OpenApiParameter:
    """The Idempotency-Key header as the schema states it."""
    return OpenApiParameter(
        "Idempotency-Key",
        location=OpenApiParameter.HEADER,
        required=required,
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description="1 to 100 visible ASCII characters, unique per request; a replay with "
        "the same body returns the first answer, with another body 409.",
    )


def idempotency_key(request: Request, *, required: bool) -> str:
    """The request's Idempotency-Key (empty when absent and not required); 400 if malformed."""
    key = request.headers.get("Idempotency-Key")
    if key is None and not required:
        return ""
    if key is None or re.fullmatch(IDEMPOTENCY_KEY_PATTERN, key) is None:
        raise exceptions.ValidationError(
            {"Idempotency-Key": ["Send 1 to 100 visible ASCII characters, e.g. a UUID."]}
        )
    return key


def principal_key(request: Request) -> str:
    """Who is calling, as idempotency keys and batch sources name them."""
    user = request.user
    return user.pk if isinstance(user, ProvincialSystem) else f"user:{user.pk}"


def answer_idempotently(request: Request, work, *, key: str, body: bytes) -> Response:
    """Run `work` under the Idempotency-Key when there is one; answer as it says."""
    if key:
        try:
            answer = idempotent_write(
                principal=principal_key(request), key=key, body=body, work=work
            )
        except IdempotencyConflict as conflict:
            return Response(
                problem(status=409, title=str(conflict), code="idempotency_conflict"),
                status=status.HTTP_409_CONFLICT,
                content_type="application/problem+json",
            )
        status_code, answer_body, replayed = answer.status_code, answer.body, answer.replayed
    else:
        with transaction.atomic():
            status_code, answer_body = work()
        replayed = False
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    content_type = "application/problem+json" if status_code >= 400 else None
    return Response(answer_body, status=status_code, headers=headers, content_type=content_type)


# --- Reads of persons and refusals of the services -----------------------------------------


def record_read(request: Request, person_ids: Iterable[int], action: str) -> None:
    """Log a read of persons' records by a provincial system or a caseworker (查询留痕)."""
    access_record(
        principal=request.user,
        person_ids=person_ids,
        action=action,
        # The route, not the path: a path may carry an ID number, and logs carry none.
        path="/" + request.resolver_match.route,
        purpose=request.headers.get("X-Access-Purpose", "").strip(),
    )


class PersonReadsLogged:
    """A list whose every page records a read of each person on it."""

    read_action = ""
    person_attr = "person_id"

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            person_ids = {getattr(row, self.person_attr) for row in page}
            record_read(self.request, person_ids, self.read_action)
        return page


# "invalid": the request matched the schema, but a rule refuses it.
_STATUS_OF_KIND = {"invalid": 422, "conflict": 409, "forbidden": 403}


def ledger_refusal(error: LedgerError) -> Response:
    """A service's refusal as problem details: 422, 409 or 403 by its kind."""
    status_code = _STATUS_OF_KIND[error.kind]
    errors = [
        {"field": error.field or "non_field_errors", "code": error.code, "message": error.message}
    ]
    return Response(
        problem(status=status_code, title=error.message, code=error.code, errors=errors),
        status=status_code,
        content_type="application/problem+json",
    )

"""What every public calculation shares: the base view, refusals as problems, the
OpenAPI documentation of a calculator, and policy parameters read from the tables.

Each app's calculators live with the app (`contributions/api/calculations.py`,
`transfers/api/calculations.py`); they call that app's pure rules.
"""

from collections.abc import Mapping
from typing import Any

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contributions.models import ProvincePolicy
from portal.api import PROBLEM_CONTENT_TYPE, CalculationRateThrottle, problem

# --------------------------------------------------------------------------------------
# Policy parameters
# --------------------------------------------------------------------------------------

POLICY_HELP = (
    "With `year`: read omitted policy parameters from this province's policy for that year."
)


def policy_of(attrs: Mapping[str, Any]) -> ProvincePolicy | None:
    """The province-year policy named in the request, if any; an unknown one is an error."""
    province, year = attrs.get("province"), attrs.get("year")
    if province is None and year is None:
        return None
    if province is None or year is None:
        missing = "province" if province is None else "year"
        raise serializers.ValidationError(
            {missing: ErrorDetail("Give province and year together.", code="required")}
        )
    policy = ProvincePolicy.objects.filter(province_id=province, year=year).first()
    if policy is None:
        raise serializers.ValidationError(
            {
                "province": ErrorDetail(
                    f"There is no policy for province {province} in {year}.", code="no_policy"
                )
            }
        )
    return policy


def fill_from_policy(
    attrs: dict[str, Any],
    policy: ProvincePolicy | None,
    sources: Mapping[str, str],
    *,
    required: frozenset[str],
) -> None:
    """Fill each omitted parameter in `sources` (request name → policy field) from the policy.

    A required parameter that is still missing is a field error. An optional one stays out
    of `attrs`, so the rule applies its own default.
    """
    missing: dict[str, ErrorDetail] = {}
    for name, policy_field in sources.items():
        if attrs.get(name) is None and policy is not None:
            value = getattr(policy, policy_field)
            if value is not None:
                attrs[name] = value
        if attrs.get(name) is None and name in required:
            where = (
                "the policy has none"
                if policy is not None
                else "no province and year were given to read it from"
            )
            missing[name] = ErrorDetail(
                f"This field is required: it was not given, and {where}.", code="required"
            )
    if missing:
        raise serializers.ValidationError(missing)


# --------------------------------------------------------------------------------------
# Shared serializers and the base view
# --------------------------------------------------------------------------------------


class CalculationFieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="Dotted path of the field, or non_field_errors.")
    code = serializers.CharField()
    message = serializers.CharField()


class CalculationProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details, as `portal.api` writes them."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField(required=False)
    code = serializers.CharField(
        help_text="invalid for field errors; base_out_of_band for a refused flexible base."
    )
    errors = CalculationFieldErrorSerializer(many=True, required=False)


class CalculationRefused(Exception):
    """Valid input that a rule refuses, reported with its own problem code."""

    def __init__(self, *, field: str, code: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.code = code
        self.message = message


class CalculationView(APIView):
    """A public POST calculation: validate the input, call the rule, serialize the result."""

    # Public: no credentials are read, so no session and no CSRF check either.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [CalculationRateThrottle]
    input_serializer: type[serializers.Serializer]
    output_serializer: type[serializers.Serializer]

    def post(self, request: Request) -> Response:
        serializer = self.input_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            result = self.calculate(serializer.validated_data)
        except CalculationRefused as exc:
            error = {"field": exc.field, "code": exc.code, "message": exc.message}
            body = problem(
                status=400,
                title="The calculation was refused.",
                detail=exc.message,
                code=exc.code,
                errors=[error],
            )
            return Response(body, status=400, content_type=PROBLEM_CONTENT_TYPE)
        except ValueError as exc:
            # The serializers keep inputs inside what the rules accept; should a rule still
            # refuse, that is the request's fault, so it is a 400 and never a 500.
            raise serializers.ValidationError(str(exc), code="invalid") from exc
        return Response(self.output_serializer(result).data)

    def calculate(self, data: dict[str, Any]) -> Mapping[str, Any]:
        """Call the rule on validated input; return what the output serializer reads."""
        raise NotImplementedError


def documented(
    *,
    summary: str,
    description: str,
    request: type[serializers.Serializer],
    response: type[serializers.Serializer],
    example_request: dict[str, Any],
    example_response: dict[str, Any],
    example_name: str,
) -> Any:
    """OpenAPI documentation of one calculation view's POST."""
    return extend_schema_view(
        post=extend_schema(
            tags=["calculations"],
            summary=summary,
            description=description,
            request=request,
            responses={
                200: response,
                (400, PROBLEM_CONTENT_TYPE): OpenApiResponse(
                    CalculationProblemSerializer,
                    description="Invalid input, with one entry per field error in `errors`.",
                ),
                (429, PROBLEM_CONTENT_TYPE): OpenApiResponse(
                    CalculationProblemSerializer, description="Too many requests."
                ),
            },
            examples=[
                OpenApiExample(example_name, value=example_request, request_only=True),
                OpenApiExample(example_name, value=example_response, response_only=True),
            ],
        )
    )

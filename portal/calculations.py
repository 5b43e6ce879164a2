"""What every public calculation shares: the base view, refusals as problems, the
OpenAPI documentation of a calculator, and policy parameters read from the tables.

Each app's calculators live with the app (`contributions/api/calculations.py`,
`transfers/api/calculations.py`); they call that app's pure rules.
"""

from collections.abc import Mapping
from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contributions.models import ProvincePolicy
from portal.api import CalculationRateThrottle, Refused, refused

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
        raise refused(missing, "required", "Give province and year together.")
    policy = ProvincePolicy.objects.filter(province_id=province, year=year).first()
    if policy is None:
        raise refused(
            "province", "no_policy", f"There is no policy for province {province} in {year}."
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
        raise Refused(missing)


# --------------------------------------------------------------------------------------
# Shared serializers and the base view
# --------------------------------------------------------------------------------------


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
        except ValueError as exc:
            # The serializers keep inputs inside what the rules accept; should a rule still
            # refuse, the rule's refusal is the answer, never a 500.
            raise refused("non_field_errors", "refused", str(exc)) from exc
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
            # The error answers and the Problem body: portal.openapi.add_problem_responses.
            responses={200: response},
            examples=[
                OpenApiExample(example_name, value=example_request, request_only=True),
                OpenApiExample(example_name, value=example_response, response_only=True),
            ],
        )
    )

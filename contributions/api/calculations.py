"""Public calculation endpoints (/api/v1/calculations/): the pure rules behind a JSON API.

Each view validates its input, calls one rule of `contributions.rules` or `transfers.rules`
and serializes the result; no rule is computed here. Money travels as strings with exactly
two decimals, months as "YYYY-MM". A policy parameter a rule needs may be given in the
request; one that is left out is read from the policy tables (`ProvincePolicy` by province
and year, `CreditingRate` by year). Anyone may call these endpoints; they are throttled per
client address.
"""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.urls import path
from django.utils import timezone
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

from contributions import rules
from contributions.accounting import crediting_rate_for
from contributions.api.fields import (
    CATEGORY_CHOICES,
    DIVISOR_MODES,
    INDEX_DIGITS,
    MAX_MONTHS,
    YEARS,
    DecimalTextField,
    MoneyField,
    MoneyResultField,
    MonthField,
    ProvinceField,
    RateField,
)
from contributions.models import ProvincePolicy
from contributions.services import LedgerError
from portal.api import PROBLEM_CONTENT_TYPE, CalculationRateThrottle, problem
from transfers import rules as transfer_rules

# --------------------------------------------------------------------------------------
# Policy parameters
# --------------------------------------------------------------------------------------

POLICY_HELP = (
    "With `year`: read omitted policy parameters from this province's policy for that year."
)


def _policy(attrs: Mapping[str, Any]) -> ProvincePolicy | None:
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


def _fill_from_policy(
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


def _documented(
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


# --------------------------------------------------------------------------------------
# Statutory retirement month (§6.2, §6.4)
# --------------------------------------------------------------------------------------


class RetirementDateCalculationSerializer(serializers.Serializer):
    birth_month = MonthField(help_text="Birth month, YYYY-MM (1900-01 to 2100-12).")
    category = serializers.ChoiceField(
        choices=CATEGORY_CHOICES, help_text="Original statutory retirement age."
    )


class RetirementDateResultSerializer(serializers.Serializer):
    statutory_month = MonthField(help_text="Statutory retirement month after the 2025 reform.")
    age_months = serializers.IntegerField(help_text="Statutory age in months.")
    delay_months = serializers.IntegerField(help_text="Months added by the reform.")
    earliest_month = MonthField(help_text="Earliest flexible (early) retirement month.")
    latest_month = MonthField(help_text="Latest flexible (late) retirement month.")


@_documented(
    summary="Statutory retirement month",
    description="Retirement month, age and delay under the 2025 reform, with the flexible "
    "window: up to 36 months early (never before the original age) or 36 months late.",
    request=RetirementDateCalculationSerializer,
    response=RetirementDateResultSerializer,
    example_name="RA-06 and FW-01",
    example_request={"birth_month": "1965-12", "category": "M60"},
    example_response={
        "statutory_month": "2026-03",
        "age_months": 723,
        "delay_months": 3,
        "earliest_month": "2025-12",
        "latest_month": "2029-03",
    },
)
class RetirementDateView(CalculationView):
    input_serializer = RetirementDateCalculationSerializer
    output_serializer = RetirementDateResultSerializer

    def calculate(self, data: dict[str, Any]) -> Mapping[str, Any]:
        person = {
            "birth_month": data["birth_month"],
            "category": rules.RetirementCategory(data["category"]),
        }
        statutory = rules.statutory_retirement(**person)
        earliest, latest = rules.flexible_window(**person)
        return {
            "statutory_month": statutory.month,
            "age_months": statutory.age_months,
            "delay_months": statutory.delay_months,
            "earliest_month": earliest,
            "latest_month": latest,
        }


# --------------------------------------------------------------------------------------
# Minimum contribution months (§6.3)
# --------------------------------------------------------------------------------------


class MinimumMonthsCalculationSerializer(serializers.Serializer):
    retirement_year = serializers.IntegerField(
        **YEARS, help_text="Calendar year of the actual retirement month."
    )


class MinimumMonthsResultSerializer(serializers.Serializer):
    minimum_months = serializers.IntegerField(
        help_text="Contribution months (deemed months included) needed for a monthly pension."
    )


@_documented(
    summary="Minimum contribution months",
    description="180 months until 2029, then 6 more each year up to 240 from 2039, keyed by "
    "the calendar year of actual retirement.",
    request=MinimumMonthsCalculationSerializer,
    response=MinimumMonthsResultSerializer,
    example_name="PN-06",
    example_request={"retirement_year": 2031},
    example_response={"minimum_months": 192},
)
class MinimumMonthsView(CalculationView):
    input_serializer = MinimumMonthsCalculationSerializer
    output_serializer = MinimumMonthsResultSerializer

    def calculate(self, data: dict[str, Any]) -> Mapping[str, Any]:
        return {"minimum_months": rules.minimum_contribution_months(data["retirement_year"])}


# --------------------------------------------------------------------------------------
# Monthly pension estimate (§5)
# --------------------------------------------------------------------------------------


class PensionTransitionalSerializer(serializers.Serializer):
    deemed_months = serializers.IntegerField(
        min_value=0,
        max_value=MAX_MONTHS,
        help_text="Deemed contribution months (视同缴费); part of contribution_months.",
    )
    coefficient = RateField(
        required=False,
        help_text="Provincial transitional coefficient c, e.g. 0.012 for 1.2 %. When omitted, "
        "read from the province-year policy.",
    )
    index = serializers.DecimalField(
        **INDEX_DIGITS,
        min_value=Decimal(0),
        required=False,
        help_text="Transitional index I_t where the province has one; defaults to average_index.",
    )


class PensionEstimateCalculationSerializer(serializers.Serializer):
    pension_base = MoneyField(
        required=False,
        help_text="Pension calculation base P (计发基数) of the benefit province. When omitted, "
        "read from the province-year policy.",
    )
    average_index = serializers.DecimalField(
        **INDEX_DIGITS,
        min_value=Decimal(0),
        help_text="Average contribution index I (平均缴费工资指数), 4 decimals.",
    )
    contribution_months = serializers.IntegerField(
        min_value=0, max_value=MAX_MONTHS, help_text="Contribution months N, deemed included."
    )
    account_balance = MoneyField(help_text="Personal-account balance at retirement.")
    retirement_age_months = serializers.IntegerField(
        min_value=40 * 12,
        max_value=MAX_MONTHS,
        help_text="Age at retirement in months (at least 480, the divisor table starts at 40).",
    )
    divisor_mode = serializers.ChoiceField(
        choices=DIVISOR_MODES,
        default=rules.DivisorMode.COMPLETED_AGE.value,
        help_text="Months divisor for an age with extra months: the completed whole age "
        "(default) or linear interpolation towards the next age.",
    )
    transitional = PensionTransitionalSerializer(
        required=False,
        help_text="Transitional pension inputs (过渡性养老金), for people with deemed years: "
        "`{deemed_months, coefficient?, index?}`. Omit when there is no transitional part.",
    )
    province = ProvinceField(required=False, help_text=POLICY_HELP)
    year = serializers.IntegerField(
        **YEARS, required=False, help_text="Retirement year whose policy applies."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        policy = _policy(attrs)
        _fill_from_policy(
            attrs, policy, {"pension_base": "pension_base"}, required=frozenset({"pension_base"})
        )
        transitional = attrs.get("transitional")
        if transitional is not None:
            if transitional["deemed_months"] > attrs["contribution_months"]:
                raise serializers.ValidationError(
                    {
                        "transitional": {
                            "deemed_months": ErrorDetail(
                                "Deemed months are part of contribution_months and cannot "
                                "exceed them.",
                                code="max_value",
                            )
                        }
                    }
                )
            try:
                _fill_from_policy(
                    transitional,
                    policy,
                    {"coefficient": "transitional_coefficient"},
                    required=frozenset({"coefficient"}),
                )
            except serializers.ValidationError as exc:
                raise serializers.ValidationError({"transitional": exc.detail}) from exc
        return attrs


class PensionEstimateResultSerializer(serializers.Serializer):
    basic_pension = MoneyResultField(help_text="Basic pension (基础养老金).")
    account_pension = MoneyResultField(help_text="Personal-account pension (个人账户养老金).")
    transitional_pension = MoneyResultField(help_text="Transitional pension (过渡性养老金).")
    divisor = DecimalTextField(
        places=4,
        help_text="Months divisor (计发月数); fractional in interpolation mode, shown to at "
        "most 4 decimals (the account pension uses the exact value).",
    )
    total = MoneyResultField(help_text="Sum of the three rounded parts.")
    pension_base = MoneyResultField(help_text="The pension base P used, given or from the policy.")


@_documented(
    summary="Monthly pension estimate",
    description="Basic, personal-account and transitional pension at retirement. "
    "Provincial supplements are out of scope. Omitted pension_base and "
    "transitional.coefficient are read from the policy of `province` in `year`.",
    request=PensionEstimateCalculationSerializer,
    response=PensionEstimateResultSerializer,
    example_name="PN-01",
    example_request={
        "pension_base": "10000.00",
        "average_index": "1.0000",
        "contribution_months": 360,
        "account_balance": "200000.00",
        "retirement_age_months": 720,
    },
    example_response={
        "basic_pension": "3000.00",
        "account_pension": "1438.85",
        "transitional_pension": "0.00",
        "divisor": "139",
        "total": "4438.85",
        "pension_base": "10000.00",
    },
)
class PensionEstimateView(CalculationView):
    input_serializer = PensionEstimateCalculationSerializer
    output_serializer = PensionEstimateResultSerializer

    def calculate(self, data: dict[str, Any]) -> Mapping[str, Any]:
        transitional = data.get("transitional") or {}
        estimate = rules.pension_estimate(
            pension_base=data["pension_base"],
            average_index=data["average_index"],
            contribution_months=data["contribution_months"],
            account_balance=data["account_balance"],
            age_months=data["retirement_age_months"],
            divisor_mode=rules.DivisorMode(data["divisor_mode"]),
            deemed_months=transitional.get("deemed_months", 0),
            transitional_coefficient=transitional.get("coefficient", Decimal(0)),
            transitional_index=transitional.get("index"),
        )
        return {
            "basic_pension": estimate.basic,
            "account_pension": estimate.account,
            "transitional_pension": estimate.transitional,
            "divisor": estimate.divisor,
            "total": estimate.total,
            "pension_base": data["pension_base"],
        }


# --------------------------------------------------------------------------------------
# Personal-account interest (§2.3)
# --------------------------------------------------------------------------------------


class AccountInterestCalculationSerializer(serializers.Serializer):
    opening_balance = MoneyField(help_text="Balance carried from the previous year-end.")
    monthly_credits = serializers.ListField(
        child=MoneyField(),
        min_length=12,
        max_length=12,
        help_text="Exactly 12 amounts: the credit of January first, December last.",
    )
    method = serializers.ChoiceField(
        choices=[
            ("monthly", "monthly-product method (月积数法)"),
            ("annual", "annual method (年度计算法)"),
        ],
        help_text="monthly: the monthly-product method, as the ledger posts. annual: the "
        "annual method (credits earn r × 1.083 / 2), as used for estimates.",
    )
    rate = RateField(
        required=False,
        help_text="Crediting rate as a fraction, e.g. 0.0262. When omitted, the national rate "
        "of `year` is read (a year not yet published uses the latest published rate, "
        "provisionally).",
    )
    year = serializers.IntegerField(
        **YEARS, required=False, help_text="Credit year whose rate applies when rate is omitted."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("rate") is not None:
            attrs["rate_is_provisional"] = False
            return attrs
        if attrs.get("year") is None:
            raise serializers.ValidationError(
                {"rate": ErrorDetail("Give the rate, or the year to read it.", code="required")}
            )
        try:
            attrs["rate"], attrs["rate_is_provisional"] = crediting_rate_for(attrs["year"])
        except LedgerError as exc:
            raise serializers.ValidationError(
                {"year": ErrorDetail(exc.message, code=exc.code)}
            ) from exc
        return attrs


class AccountInterestResultSerializer(serializers.Serializer):
    interest = MoneyResultField(help_text="Interest of the year (closing − opening − credits).")
    closing_balance = MoneyResultField(help_text="Year-end balance, rounded to fen.")
    rate = DecimalTextField(places=6, help_text="The crediting rate used.")
    rate_is_provisional = serializers.BooleanField(
        help_text="True when the rate came from the table and is not yet confirmed."
    )


@_documented(
    summary="Personal-account interest for one year",
    description="Year-end interest and balance of a personal account. Give `rate`, or `year` "
    "to use the national crediting rate of that year.",
    request=AccountInterestCalculationSerializer,
    response=AccountInterestResultSerializer,
    example_name="IR-04",
    example_request={
        "opening_balance": "0.00",
        "monthly_credits": ["640.00"] * 12,
        "rate": "0.0262",
        "method": "monthly",
    },
    example_response={
        "interest": "108.99",
        "closing_balance": "7788.99",
        "rate": "0.0262",
        "rate_is_provisional": False,
    },
)
class AccountInterestView(CalculationView):
    input_serializer = AccountInterestCalculationSerializer
    output_serializer = AccountInterestResultSerializer

    def calculate(self, data: dict[str, Any]) -> Mapping[str, Any]:
        if data["method"] == "monthly":
            result = rules.interest_monthly_product(
                opening_balance=data["opening_balance"],
                monthly_credits=data["monthly_credits"],
                rate=data["rate"],
            )
        else:
            result = rules.interest_annual_method(
                opening_balance=data["opening_balance"],
                credits_total=sum(data["monthly_credits"], Decimal(0)),
                rate=data["rate"],
            )
        return {
            "interest": result.interest,
            "closing_balance": result.closing_balance,
            "rate": data["rate"],
            "rate_is_provisional": data["rate_is_provisional"],
        }


# --------------------------------------------------------------------------------------
# Transfer amounts (§3.3)
# --------------------------------------------------------------------------------------


class TransferAmountsMonthSerializer(serializers.Serializer):
    month = MonthField(help_text="Contribution month, YYYY-MM.")
    base = MoneyField(help_text="Contribution base of the month.")
    kind = serializers.ChoiceField(
        choices=["normal", "flexible", "temporary"],
        help_text="normal or flexible: 12 % moves; temporary (临时账户): the employer rate if "
        "above 12 %.",
    )
    employer_rate = RateField(
        default=Decimal(0),
        help_text="Employer rate of a temporary-account month; ignored for other kinds.",
    )


class TransferAmountsCalculationSerializer(serializers.Serializer):
    months = TransferAmountsMonthSerializer(
        many=True,
        min_length=1,
        max_length=2 * MAX_MONTHS,
        help_text="Every month of the information sheet (信息表); months before 1998-01 move "
        "no pooling funds.",
    )
    account_balance = MoneyField(
        help_text="Personal-account balance at the transfer, interest included."
    )


class TransferAmountsResultSerializer(serializers.Serializer):
    pooling_amount = MoneyResultField(
        help_text="Pooling funds (统筹基金) that move, without interest."
    )
    account_amount = MoneyResultField(help_text="Personal-account funds that move, in full.")
    total = MoneyResultField(help_text="pooling_amount + account_amount.")


@_documented(
    summary="Funds that move with a transfer",
    description="Pooling funds (12 % of bases since 1998-01; temporary-account months at "
    "the employer rate if higher) and the personal account in full.",
    request=TransferAmountsCalculationSerializer,
    response=TransferAmountsResultSerializer,
    example_name="TR-02",
    example_request={
        "months": [
            {"month": "2024-01", "base": "4800.00", "kind": "normal"},
            {"month": "2024-02", "base": "4800.00", "kind": "normal"},
            {"month": "2024-03", "base": "4800.00", "kind": "normal"},
        ],
        "account_balance": "1152.00",
    },
    example_response={
        "pooling_amount": "1728.00",
        "account_amount": "1152.00",
        "total": "2880.00",
    },
)
class TransferAmountsView(CalculationView):
    input_serializer = TransferAmountsCalculationSerializer
    output_serializer = TransferAmountsResultSerializer

    def calculate(self, data: dict[str, Any]) -> Mapping[str, Any]:
        amounts = transfer_rules.transfer_amounts(
            months=[transfer_rules.TransferMonth(**month) for month in data["months"]],
            account_balance=data["account_balance"],
        )
        return {
            "pooling_amount": amounts.pooling_amount,
            "account_amount": amounts.account_amount,
            "total": amounts.total,
        }


# --------------------------------------------------------------------------------------
# Benefit-claim place (§4)
# --------------------------------------------------------------------------------------


class ClaimPlaceSegmentSerializer(serializers.Serializer):
    province = ProvinceField(help_text="Province code.")
    months = serializers.IntegerField(min_value=0, max_value=MAX_MONTHS)
    kind = serializers.ChoiceField(
        choices=["normal", "deemed", "temporary"],
        default="normal",
        help_text="normal (actual contributions), deemed (视同缴费) or temporary (临时账户, "
        "never counts towards the 10 years).",
    )


class ClaimPlaceCalculationSerializer(serializers.Serializer):
    hukou_province = ProvinceField(help_text="Province of the household registration (户籍).")
    segments = ClaimPlaceSegmentSerializer(
        many=True,
        min_length=1,
        max_length=200,
        help_text="Stints in chronological order; several stints in one province add up.",
    )


class ClaimPlaceResultSerializer(serializers.Serializer):
    province = serializers.CharField(help_text="Province code where the pension is claimed.")
    rule = serializers.ChoiceField(
        choices=["R1", "R2", "R3", "R4"], help_text="The rule of §4.1 that decided."
    )
    explanation = serializers.CharField(help_text="One sentence naming provinces and months.")


@_documented(
    summary="Benefit-claim place",
    description="Where the pension is claimed, by the ordered rules R1 (hukou province) to "
    "R4, counting cumulative months per province (deemed included, temporary excluded).",
    request=ClaimPlaceCalculationSerializer,
    response=ClaimPlaceResultSerializer,
    example_name="V3",
    example_request={
        "hukou_province": "41",
        "segments": [{"province": "44", "months": 144}, {"province": "33", "months": 72}],
    },
    example_response={
        "province": "44",
        "rule": "R3",
        "explanation": "Zhejiang (33) has only 72 cumulative months, so the relationship "
        "returns to Guangdong (44), the most recent earlier province with at least 120 (144).",
    },
)
class ClaimPlaceView(CalculationView):
    input_serializer = ClaimPlaceCalculationSerializer
    output_serializer = ClaimPlaceResultSerializer

    def calculate(self, data: dict[str, Any]) -> Mapping[str, Any]:
        place = transfer_rules.claim_place(
            hukou_province=data["hukou_province"],
            segments=[transfer_rules.Segment(**segment) for segment in data["segments"]],
        )
        return {"province": place.province, "rule": place.rule, "explanation": place.explanation}


# --------------------------------------------------------------------------------------
# Resident ID number (§8)
# --------------------------------------------------------------------------------------


class IdNumberCalculationSerializer(serializers.Serializer):
    id_number = serializers.CharField(
        max_length=64,
        help_text="18-character resident ID number; spaces and lower-case x are accepted.",
    )


class IdNumberIssueSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="Errors: format, province, date, future_date, checksum. Warnings: "
        "date_too_early, address_code."
    )
    message = serializers.CharField()


class IdNumberResultSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    id_number = serializers.CharField(help_text="The number normalised: no spaces, upper-case X.")
    errors = IdNumberIssueSerializer(many=True, help_text="Every error found; empty if valid.")
    warnings = IdNumberIssueSerializer(
        many=True, help_text="Findings for review that do not make the number invalid."
    )
    birth_date = serializers.DateField(allow_null=True)
    sex = serializers.ChoiceField(choices=["M", "F"], allow_null=True)
    province = serializers.CharField(allow_null=True, help_text="Province code, if known.")


@_documented(
    summary="Check a resident ID number",
    description="Validates an 18-digit resident ID number (GB 11643-1999) and derives birth "
    "date, sex and province. Always 200 for a well-formed request: `valid` and `errors` "
    "carry the verdict.",
    request=IdNumberCalculationSerializer,
    response=IdNumberResultSerializer,
    example_name="ID-04",
    example_request={"id_number": "110101199003071234"},
    example_response={
        "valid": False,
        "id_number": "110101199003071234",
        "errors": [{"code": "checksum", "message": "check digit is 4, expected 3"}],
        "warnings": [],
        "birth_date": "1990-03-07",
        "sex": "M",
        "province": "11",
    },
)
class IdNumberView(CalculationView):
    input_serializer = IdNumberCalculationSerializer
    output_serializer = IdNumberResultSerializer

    def calculate(self, data: dict[str, Any]) -> Mapping[str, Any]:
        check = rules.check_id_number(data["id_number"], today=timezone.localdate())
        return {
            "valid": check.valid,
            "id_number": check.number,
            "errors": check.errors,
            "warnings": check.warnings,
            "birth_date": check.birth_date,
            "sex": check.sex,
            "province": check.province_code,
        }


# --------------------------------------------------------------------------------------
# Monthly contribution (§1.3)
# --------------------------------------------------------------------------------------

BAND_SOURCES = {"base_floor": "contribution_floor", "base_ceiling": "contribution_ceiling"}
EMPLOYEE_SOURCES = {
    **BAND_SOURCES,
    "employer_rate": "employer_rate",
    "account_rate": "employee_rate",
}
FLEXIBLE_SOURCES = {
    **BAND_SOURCES,
    "flexible_total_rate": "flexible_total_rate",
    "account_rate": "flexible_account_rate",
}


def _given(data: Mapping[str, Any], **names: str) -> dict[str, Any]:
    """Rule keyword arguments (rule name → request name) for the rates the request resolved.

    A rate neither given nor in a policy is left out, so the rule applies its own default.
    """
    return {rule_name: data[name] for rule_name, name in names.items() if name in data}


class ContributionCalculationSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["employee", "flexible"],
        help_text="employee: the wage is clamped into the band. flexible (灵活就业): the chosen "
        "base must lie inside the band.",
    )
    wage_or_base = MoneyField(
        help_text="Employee: the declared wage. Flexible: the chosen contribution base."
    )
    base_floor = MoneyField(required=False, help_text="Band floor (缴费基数下限).")
    base_ceiling = MoneyField(required=False, help_text="Band ceiling (缴费基数上限).")
    employer_rate = RateField(required=False, help_text="Employer rate; employees only.")
    flexible_total_rate = RateField(
        required=False, help_text="Flexible total rate; flexible only; default 0.20."
    )
    account_rate = RateField(
        required=False, help_text="Share credited to the personal account; default 0.08."
    )
    province = ProvinceField(
        required=False,
        help_text=POLICY_HELP + " Instead of the band and rates; a value given still wins.",
    )
    year = serializers.IntegerField(**YEARS, required=False, help_text="Contribution year.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        employee = attrs["kind"] == "employee"
        _fill_from_policy(
            attrs,
            _policy(attrs),
            EMPLOYEE_SOURCES if employee else FLEXIBLE_SOURCES,
            required=frozenset({*BAND_SOURCES, *(["employer_rate"] if employee else [])}),
        )
        try:
            attrs["band"] = rules.ContributionBand(attrs["base_floor"], attrs["base_ceiling"])
        except ValueError as exc:
            raise serializers.ValidationError(
                {"base_floor": ErrorDetail(str(exc), code="invalid")}
            ) from exc
        return attrs


class ContributionResultSerializer(serializers.Serializer):
    base = MoneyResultField(help_text="Contribution base (缴费基数) after the band.")
    pooling_part = MoneyResultField(help_text="To the pooling fund (统筹).")
    account_part = MoneyResultField(help_text="To the personal account (个人账户).")
    total = MoneyResultField(help_text="pooling_part + account_part.")


@_documented(
    summary="One month's contribution",
    description="Base, pooling part and personal-account part of one month. Give the band "
    "and rates, or `province` and `year` to read them from the policy. A flexible base "
    "outside the band is refused with code base_out_of_band.",
    request=ContributionCalculationSerializer,
    response=ContributionResultSerializer,
    example_name="CT-06",
    example_request={
        "kind": "employee",
        "wage_or_base": "8000.00",
        "base_floor": "4800.00",
        "base_ceiling": "24000.00",
        "employer_rate": "0.16",
    },
    example_response={
        "base": "8000.00",
        "pooling_part": "1280.00",
        "account_part": "640.00",
        "total": "1920.00",
    },
)
class ContributionView(CalculationView):
    input_serializer = ContributionCalculationSerializer
    output_serializer = ContributionResultSerializer

    def calculate(self, data: dict[str, Any]) -> Mapping[str, Any]:
        if data["kind"] == "employee":
            split = rules.employee_contribution(
                declared_wage=data["wage_or_base"],
                band=data["band"],
                employer_rate=data["employer_rate"],
                **_given(data, account_rate="account_rate"),
            )
        else:
            try:
                split = rules.flexible_contribution(
                    base=data["wage_or_base"],
                    band=data["band"],
                    **_given(data, total_rate="flexible_total_rate", account_rate="account_rate"),
                )
            except rules.BaseOutOfBand as exc:
                raise CalculationRefused(
                    field="wage_or_base", code=exc.code, message=str(exc)
                ) from exc
            except ValueError as exc:
                # With every rate already held to 0..1, the rule's one remaining refusal is an
                # account rate above the total rate.
                raise serializers.ValidationError(
                    {"account_rate": ErrorDetail(str(exc), code="invalid")}
                ) from exc
        return {
            "base": split.base,
            "pooling_part": split.pooling_part,
            "account_part": split.account_part,
            "total": split.total,
        }


urlpatterns = [
    path("retirement-date/", RetirementDateView.as_view(), name="calc-retirement-date"),
    path("minimum-months/", MinimumMonthsView.as_view(), name="calc-minimum-months"),
    path("pension-estimate/", PensionEstimateView.as_view(), name="calc-pension-estimate"),
    path("account-interest/", AccountInterestView.as_view(), name="calc-account-interest"),
    path("transfer-amounts/", TransferAmountsView.as_view(), name="calc-transfer-amounts"),
    path("claim-place/", ClaimPlaceView.as_view(), name="calc-claim-place"),
    path("id-number/", IdNumberView.as_view(), name="calc-id-number"),
    path("contribution/", ContributionView.as_view(), name="calc-contribution"),
]

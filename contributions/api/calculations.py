"""Public calculations of contributions and pensions (/api/v1/calculations/): the pure
rules of `contributions.rules` behind a JSON API.

Each view validates its input, calls one rule and serializes the result; no rule is
computed here. Money travels as strings with exactly two decimals, months as "YYYY-MM". A
policy parameter a rule needs may be given in the request; one that is left out is read
from the policy tables (`ProvincePolicy` by province and year, `CreditingRate` by year).
Anyone may call these endpoints; they are throttled per client address.
"""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.urls import path
from django.utils import timezone
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from contributions import rules
from contributions.selectors import NoCreditingRate, crediting_rate_for
from portal.api import Refused, refused
from portal.calculations import (
    POLICY_HELP,
    CalculationView,
    documented,
    fill_from_policy,
    policy_of,
)
from portal.fields import (
    CATEGORY_CHOICES,
    DIVISOR_MODES,
    MAX_MONTHS,
    YEARS,
    DecimalTextField,
    IndexField,
    MoneyField,
    MoneyResultField,
    MonthField,
    ProvinceField,
    RateField,
    TextField,
    WholeNumberField,
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


@documented(
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
    retirement_year = WholeNumberField(
        **YEARS, help_text="Calendar year of the actual retirement month."
    )


class MinimumMonthsResultSerializer(serializers.Serializer):
    minimum_months = serializers.IntegerField(
        help_text="Contribution months (deemed months included) needed for a monthly pension."
    )


@documented(
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
    deemed_months = WholeNumberField(
        min_value=0,
        max_value=MAX_MONTHS,
        help_text="Deemed contribution months (视同缴费); part of contribution_months.",
    )
    coefficient = RateField(
        required=False,
        help_text="Provincial transitional coefficient c, e.g. 0.012 for 1.2 %. When omitted, "
        "read from the province-year policy.",
    )
    index = IndexField(
        required=False,
        help_text="Transitional index I_t where the province has one; defaults to average_index.",
    )


class PensionEstimateCalculationSerializer(serializers.Serializer):
    pension_base = MoneyField(
        required=False,
        help_text="Pension calculation base P (计发基数) of the benefit province. When omitted, "
        "read from the province-year policy.",
    )
    average_index = IndexField(
        help_text="Average contribution index I (平均缴费工资指数), 4 decimals.",
    )
    contribution_months = WholeNumberField(
        min_value=0, max_value=MAX_MONTHS, help_text="Contribution months N, deemed included."
    )
    account_balance = MoneyField(help_text="Personal-account balance at retirement.")
    retirement_age_months = WholeNumberField(
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
    year = WholeNumberField(
        **YEARS, required=False, help_text="Retirement year whose policy applies."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        policy = policy_of(attrs)
        fill_from_policy(
            attrs, policy, {"pension_base": "pension_base"}, required=frozenset({"pension_base"})
        )
        transitional = attrs.get("transitional")
        if transitional is not None:
            if transitional["deemed_months"] > attrs["contribution_months"]:
                raise Refused(
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
                fill_from_policy(
                    transitional,
                    policy,
                    {"coefficient": "transitional_coefficient"},
                    required=frozenset({"coefficient"}),
                )
            except Refused as exc:
                raise Refused({"transitional": exc.detail}) from exc
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


@documented(
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
    year = WholeNumberField(
        **YEARS, required=False, help_text="Credit year whose rate applies when rate is omitted."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("rate") is not None:
            attrs["rate_is_provisional"] = False
            return attrs
        if attrs.get("year") is None:
            raise refused("rate", "required", "Give the rate, or the year to read it.")
        try:
            attrs["rate"], attrs["rate_is_provisional"] = crediting_rate_for(attrs["year"])
        except NoCreditingRate as exc:
            raise refused("year", exc.code, exc.message) from exc
        return attrs


class AccountInterestResultSerializer(serializers.Serializer):
    interest = MoneyResultField(help_text="Interest of the year (closing − opening − credits).")
    closing_balance = MoneyResultField(help_text="Year-end balance, rounded to fen.")
    rate = DecimalTextField(places=6, help_text="The crediting rate used.")
    rate_is_provisional = serializers.BooleanField(
        help_text="True when the rate came from the table and is not yet confirmed."
    )


@documented(
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
# Resident ID number (§8)
# --------------------------------------------------------------------------------------


class IdNumberCalculationSerializer(serializers.Serializer):
    id_number = TextField(
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


@documented(
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
    year = WholeNumberField(**YEARS, required=False, help_text="Contribution year.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        employee = attrs["kind"] == "employee"
        fill_from_policy(
            attrs,
            policy_of(attrs),
            EMPLOYEE_SOURCES if employee else FLEXIBLE_SOURCES,
            required=frozenset({*BAND_SOURCES, *(["employer_rate"] if employee else [])}),
        )
        try:
            attrs["band"] = rules.ContributionBand(attrs["base_floor"], attrs["base_ceiling"])
        except ValueError as exc:
            raise refused("base_floor", "band", str(exc)) from exc
        return attrs


class ContributionResultSerializer(serializers.Serializer):
    base = MoneyResultField(help_text="Contribution base (缴费基数) after the band.")
    pooling_part = MoneyResultField(help_text="To the pooling fund (统筹).")
    account_part = MoneyResultField(help_text="To the personal account (个人账户).")
    total = MoneyResultField(help_text="pooling_part + account_part.")


@documented(
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
                raise refused("wage_or_base", exc.code, str(exc)) from exc
            except ValueError as exc:
                # With every rate already held to 0..1, the rule's one remaining refusal is an
                # account rate above the total rate.
                raise refused("account_rate", "above_total_rate", str(exc)) from exc
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
    path("id-number/", IdNumberView.as_view(), name="calc-id-number"),
    path("contribution/", ContributionView.as_view(), name="calc-contribution"),
]

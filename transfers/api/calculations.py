"""Public calculations of transfers (/api/v1/calculations/): transfer amounts (§3.3) and
the benefit-claim place (§4), the pure rules of `transfers.rules` behind a JSON API."""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.urls import path
from rest_framework import serializers

from portal.calculations import CalculationView, documented
from portal.fields import (
    MAX_MONTHS,
    MoneyField,
    MoneyResultField,
    MonthField,
    ProvinceField,
    RateField,
    WholeNumberField,
)
from transfers import rules as transfer_rules

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
    months = serializers.ListField(
        child=TransferAmountsMonthSerializer(),
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


@documented(
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
    months = WholeNumberField(min_value=0, max_value=MAX_MONTHS)
    kind = serializers.ChoiceField(
        choices=["normal", "deemed", "temporary"],
        default="normal",
        help_text="normal (actual contributions), deemed (视同缴费) or temporary (临时账户, "
        "never counts towards the 10 years).",
    )


class ClaimPlaceCalculationSerializer(serializers.Serializer):
    hukou_province = ProvinceField(help_text="Province of the household registration (户籍).")
    segments = serializers.ListField(
        child=ClaimPlaceSegmentSerializer(),
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


@documented(
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


urlpatterns = [
    path("transfer-amounts/", TransferAmountsView.as_view(), name="calc-transfer-amounts"),
    path("claim-place/", ClaimPlaceView.as_view(), name="calc-claim-place"),
]

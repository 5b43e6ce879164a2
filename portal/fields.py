"""Serializer fields shared by the API: money, rates, months, provinces.

Money travels as strings with exactly two decimals; months as "YYYY-MM".
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contributions import rules

MONEY_DIGITS = 14  # numeric(14,2), as the ledger stores money
RATE_DIGITS = {"max_digits": 7, "decimal_places": 6}  # numeric(7,6), as the policy tables
INDEX_DIGITS = {"max_digits": 6, "decimal_places": 4}  # 4 decimals, as printed on a statement
YEARS = {"min_value": 1900, "max_value": 2200}
MAX_MONTHS = 1200  # a century: more than any working life, small enough to stay exact
EARLIEST_MONTH = rules.Month(1900, 1)
LATEST_MONTH = rules.Month(2100, 12)

CATEGORY_CHOICES = [
    (rules.RetirementCategory.M60.value, "men, original age 60"),
    (rules.RetirementCategory.F55.value, "women, original age 55 (cadres, flexible employment)"),
    (rules.RetirementCategory.F50.value, "women, original age 50 (workers)"),
]
PROVINCE_CHOICES = [(code, english) for code, (_, english) in rules.PROVINCE_CODES.items()]
DIVISOR_MODES = [
    (rules.DivisorMode.COMPLETED_AGE.value, "divisor of the completed whole age"),
    (rules.DivisorMode.LINEAR_INTERPOLATION.value, "1/12 of the way to the next age per month"),
]


def money(amount: Decimal) -> str:
    """A money amount as a string with exactly two decimals, e.g. "3000.00"."""
    return f"{rules.round_fen(amount):f}"


def decimal_text(value: Decimal, places: int) -> str:
    """A Decimal rounded half up to at most `places` decimals, without trailing zeros."""
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{rounded.normalize():f}"


class AsciiDecimalField(serializers.DecimalField):
    """A decimal written with ASCII digits only (Decimal() would take full-width ones)."""

    def to_internal_value(self, data: Any) -> Decimal:
        if isinstance(data, str) and not data.isascii():
            self.fail("invalid")
        return super().to_internal_value(data)


class MoneyField(AsciiDecimalField):
    """Yuan: read as a number or a string with at most two decimals, not negative by default;
    written as a string with exactly two decimals."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", Decimal(0))
        super().__init__(max_digits=MONEY_DIGITS, decimal_places=2, **kwargs)

    def to_representation(self, value: Decimal) -> str:
        return money(value)


@extend_schema_field(
    {"type": "string", "format": "decimal", "pattern": r"^-?\d+\.\d{2}$", "example": "3000.00"}
)
class MoneyResultField(MoneyField):
    """Money in a result: always a string with exactly two decimals."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)


class RateField(AsciiDecimalField):
    """A rate as a fraction between 0 and 1 (0.16 means 16 %)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=Decimal(0), max_value=Decimal(1), **RATE_DIGITS, **kwargs)


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2025-01"})
class MonthField(serializers.Field):
    """A calendar month written "YYYY-MM", read with `Month.parse`."""

    default_error_messages = {
        "invalid": "Expected a month written as YYYY-MM, e.g. 2025-01.",
        "min_value": "Ensure this month is {limit} or later.",
        "max_value": "Ensure this month is {limit} or earlier.",
    }

    def __init__(
        self,
        *,
        min_month: rules.Month = EARLIEST_MONTH,
        max_month: rules.Month = LATEST_MONTH,
        **kwargs: Any,
    ) -> None:
        # Bounded so that month arithmetic in the rules (up to +63 years) stays in range.
        self.min_month = min_month
        self.max_month = max_month
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> rules.Month:
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            month = rules.Month.parse(data)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc), code="invalid") from exc
        if month < self.min_month:
            self.fail("min_value", limit=self.min_month)
        if month > self.max_month:
            self.fail("max_value", limit=self.max_month)
        return month

    def to_representation(self, value: rules.Month | date) -> str:
        # Ledger rows keep a month as the date of its first day.
        return str(rules.Month.from_date(value) if isinstance(value, date) else value)


# Documented as a pattern, not an enum: an enum becomes one schema component per field name
# (province, hukou_province), the same 32 codes under several names.
@extend_schema_field({"type": "string", "pattern": r"^\d{2}$", "example": "44"})
class ProvinceField(serializers.ChoiceField):
    """A province-level code (GB/T 2260, first two digits; 66 is the XPCC pooling region)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=PROVINCE_CHOICES, **kwargs)


@extend_schema_field({"type": "string", "format": "decimal"})
class DecimalTextField(serializers.Field):
    """A Decimal written as a plain string, rounded to `places` decimals, no trailing zeros."""

    def __init__(self, *, places: int, **kwargs: Any) -> None:
        self.places = places
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value: Decimal) -> str:
        return decimal_text(value, self.places)

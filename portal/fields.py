"""Serializer fields shared by the API: text, whole numbers, money, rates, months, provinces.

Every input field accepts exactly what the published schema states (its JSON type, its
pattern, its bounds), so a request that matches the schema is never a 400: what the schema
cannot state (a check digit, a person the ledger does not know) is refused by a rule (422).
Money travels as strings; months as "YYYY-MM".
"""

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.validators import RegexValidator
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contributions import rules

MONEY_DIGITS = 14  # numeric(14,2), as the ledger stores money
RATE_DIGITS = {"max_digits": 7, "decimal_places": 6}  # numeric(7,6), as the policy tables
INDEX_DIGITS = {"max_digits": 6, "decimal_places": 4}  # 4 decimals, as printed on a statement
YEARS = {"min_value": 1900, "max_value": 2200}
MAX_MONTHS = 1200  # a century: more than any working life, small enough to stay exact
MONTH_PATTERN = "^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$"
# The shapes the schema states; the check characters are a rule's (a 422 when wrong).
ID_NUMBER_PATTERN = "^[0-9]{17}[0-9Xx]$"  # GB 11643
USCC_PATTERN = "^[0-9A-Z]{18}$"  # GB 32100
MOBILE_PATTERN = "^(1[3-9][0-9]{9})?$"  # a mainland mobile number, or empty

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


class TextField(serializers.CharField):
    """A JSON string, taken as sent (a number is not text); `pattern`, when given, is checked
    and published."""

    def __init__(self, *, pattern: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)
        if pattern is not None:
            self.validators.append(RegexValidator(pattern))

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class WholeNumberField(serializers.IntegerField):
    """A JSON integer (not a string of digits, not true or false)."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class TrueFalseField(serializers.BooleanField):
    """JSON true or false (not "yes", not 1)."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class AsciiDecimalField(serializers.DecimalField):
    """A decimal written as a JSON string of ASCII digits, e.g. "3000.00".

    Not a JSON number: most clients hold a JSON number as a binary float on the way. The
    field accepts exactly its `pattern`, which also states its bounds in the schema.
    """

    default_error_messages = {
        "invalid": 'Expected a decimal written as a string, e.g. "{example}".',
    }

    @property
    def pattern(self) -> str:
        whole = self.max_digits - self.decimal_places
        sign = "" if self.min_value is not None and self.min_value >= 0 else "-?"
        return rf"^{sign}[0-9]{{1,{whole}}}(\.[0-9]{{1,{self.decimal_places}}})?$"

    @property
    def example(self) -> str:
        return "1" if self.decimal_places == 0 else "1." + "0" * self.decimal_places

    def to_internal_value(self, data: Any) -> Decimal:
        if not isinstance(data, str) or re.fullmatch(self.pattern, data) is None:
            self.fail("invalid", example=self.example)
        return super().to_internal_value(data)


class AsciiDecimalFieldSchema(OpenApiSerializerFieldExtension):
    """Publishes a decimal input's own pattern (drf-spectacular's allows a lone "-")."""

    target_class = AsciiDecimalField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction) -> dict[str, Any]:
        field = self.target
        return {"type": "string", "format": "decimal", "pattern": field.pattern}


class MoneyField(AsciiDecimalField):
    """Yuan: at most two decimals, not negative; written back with exactly two."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_digits=MONEY_DIGITS, decimal_places=2, min_value=Decimal(0), **kwargs)

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

    pattern = r"^(0(\.[0-9]{1,6})?|1(\.0{1,6})?)$"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=Decimal(0), max_value=Decimal(1), **RATE_DIGITS, **kwargs)


class IndexField(AsciiDecimalField):
    """A contribution index (缴费指数): 0 or more, four decimals."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**INDEX_DIGITS, min_value=Decimal(0), **kwargs)


class MonthField(serializers.Field):
    """A calendar month written "YYYY-MM": of 1900 to 2099 when read (results, such as a
    retirement month, may lie later)."""

    default_error_messages = {
        "invalid": "Expected a month of 1900-01 to 2099-12 written as YYYY-MM, e.g. 2025-01.",
    }

    def to_internal_value(self, data: Any) -> rules.Month:
        # Bounded so that month arithmetic in the rules (up to +63 years) stays in range.
        if not isinstance(data, str) or re.fullmatch(MONTH_PATTERN, data) is None:
            self.fail("invalid")
        return rules.Month.parse(data)

    def to_representation(self, value: rules.Month | date) -> str:
        # Ledger rows keep a month as the date of its first day.
        return str(rules.Month.from_date(value) if isinstance(value, date) else value)


class MonthFieldSchema(OpenApiSerializerFieldExtension):
    target_class = MonthField

    def map_serializer_field(self, auto_schema, direction) -> dict[str, Any]:
        pattern = MONTH_PATTERN if direction == "request" else "^[0-9]{4}-(0[1-9]|1[0-2])$"
        return {"type": "string", "pattern": pattern, "example": "2025-01"}


# A pattern naming the codes, not an enum: an enum becomes one schema component per field
# name (province, hukou_province), the same 32 codes under several names.
PROVINCE_PATTERN = "^(" + "|".join(sorted(rules.PROVINCE_CODES)) + ")$"


@extend_schema_field({"type": "string", "pattern": PROVINCE_PATTERN, "example": "44"})
class ProvinceField(serializers.ChoiceField):
    """A province-level code (GB/T 2260, first two digits; 66 is the XPCC pooling region)."""

    default_error_messages = {"invalid_choice": "{input} is not a province code."}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=PROVINCE_CHOICES, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid_choice", input=repr(data))
        return super().to_internal_value(data)


@extend_schema_field({"type": "string", "format": "decimal"})
class DecimalTextField(serializers.Field):
    """A Decimal written as a plain string, rounded to `places` decimals, no trailing zeros."""

    def __init__(self, *, places: int, **kwargs: Any) -> None:
        self.places = places
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value: Decimal) -> str:
        return decimal_text(value, self.places)

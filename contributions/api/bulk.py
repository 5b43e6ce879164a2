"""Contribution rows as provinces send them: JSON objects turned into ContributionRow.

Deliberately not a DRF serializer per row: a batch has up to 100,000 rows, and this parser
checks each field once and reports every problem with the row's index.
"""

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from contributions.batches import POSTABLE_KINDS, SCHEMES, ContributionRow
from contributions.models import ContributionKind
from contributions.services import RowError

ROW_FIELDS = {
    "id_number",
    "name",
    "month",
    "scheme",
    "employer_uscc",
    "wage_or_base",
    "kind",
    "paid_on",
    "temporary_account",
    "province",
}
MAX_AMOUNT = Decimal("1000000000")


def _amount(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ValueError("must be a decimal number or a string such as '8000.00'")
    if isinstance(value, str) and not value.isascii():
        raise ValueError("must be written with ASCII digits, such as '8000.00'")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not amount.is_finite() or amount <= 0 or amount >= MAX_AMOUNT:
        raise ValueError("must be a positive amount below 1,000,000,000")
    if amount.as_tuple().exponent < -2:
        raise ValueError("has more than two decimal places")
    return amount


# (field, max length, required)
TEXT_FIELDS = [
    ("id_number", 18, True),
    ("name", 50, False),
    ("month", 7, True),
    ("scheme", 16, True),
    ("employer_uscc", 18, False),
    ("kind", 16, False),
]


def row_schema() -> dict[str, Any]:
    """The OpenAPI schema of one row, made from what `parse_row` enforces."""
    lengths = {field: max_length for field, max_length, _ in TEXT_FIELDS}
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [field for field, _, required in TEXT_FIELDS if required] + ["wage_or_base"],
        "properties": {
            "id_number": {
                "type": "string",
                "maxLength": lengths["id_number"],
                "pattern": "^[0-9]{17}[0-9Xx]$",
                "description": "公民身份号码 (GB 11643): 17 digits and a check character, "
                "ISO 7064 MOD 11-2 (X for 10). A number the ledger does not know is held "
                "in suspense.",
            },
            "name": {"type": "string", "maxLength": lengths["name"]},
            "month": {
                "type": "string",
                "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$",
                "description": "YYYY-MM, not in the future; the province's policy of that "
                "year must exist (GET /api/v1/policies/{province}/{year}/).",
            },
            "scheme": {"type": "string", "enum": sorted(SCHEMES)},
            "employer_uscc": {
                "type": "string",
                "maxLength": lengths["employer_uscc"],
                "description": "Unified social credit code (GB 32100) of an employer the "
                "province registered; employees only.",
            },
            "kind": {"type": "string", "enum": sorted(POSTABLE_KINDS), "default": "regular"},
            "wage_or_base": {
                "anyOf": [
                    {"type": "string", "pattern": "^[0-9]{1,9}(\\.[0-9]{1,2})?$"},
                    {"type": "number", "minimum": 0.01, "maximum": 999999999.99},
                ],
                "description": "Yuan, at most two decimals, above 0 and below 1,000,000,000, "
                "as a string or a JSON number (read as a decimal, never a float). Employees: "
                "the declared wage, clamped into the band; flexible: the chosen base, which "
                "must lie in the band.",
            },
            "paid_on": {"type": "string", "format": "date"},
            "temporary_account": {"type": "boolean", "default": False},
            "province": {
                "type": "string",
                "pattern": "^[0-9]{2}$",
                "description": "If given, the batch's own province.",
            },
        },
    }


def batch_schema(max_rows: int) -> dict[str, Any]:
    """The OpenAPI schema of a batch body: a mode and up to `max_rows` rows."""
    return {
        "type": "object",
        "required": ["rows"],
        "properties": {
            "mode": {
                "type": "string",
                "enum": list(BATCH_MODES),
                "default": BATCH_MODES[0],
                "description": "all_or_nothing: any refused row refuses the batch (422). "
                "accept_valid: the valid rows are posted and the refused ones listed.",
            },
            "rows": {"type": "array", "minItems": 1, "maxItems": max_rows, "items": row_schema()},
        },
    }


BATCH_MODES = ("all_or_nothing", "accept_valid")


def _field(row: dict, field: str, *, max_length: int, required: bool) -> str:
    value = row.get(field)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _RowProblem(field, "invalid", "must be a string")
    if required and not value.strip():
        raise _RowProblem(field, "required", "is required")
    if len(value) > max_length:
        raise _RowProblem(field, "too_long", f"is longer than {max_length} characters")
    return value.strip()


def parse_row(row: Any, index: int, province: str) -> ContributionRow:
    """One row, or _RowProblem naming the first bad field."""
    if not isinstance(row, dict):
        raise _RowProblem("row", "invalid", "each row is a JSON object")
    unknown = set(row) - ROW_FIELDS
    if unknown:
        raise _RowProblem(sorted(unknown)[0], "unknown_field", "is not a field of a row")
    fields = {
        field: _field(row, field, max_length=max_length, required=required)
        for field, max_length, required in TEXT_FIELDS
    }
    fields["kind"] = fields["kind"] or ContributionKind.REGULAR
    if fields["scheme"] not in SCHEMES:
        raise _RowProblem(
            "scheme", "invalid_choice", f"must be one of {', '.join(sorted(SCHEMES))}"
        )
    if fields["kind"] not in POSTABLE_KINDS:
        raise _RowProblem("kind", "invalid_choice", "must be regular or back_payment")
    if row.get("province", province) != province:
        raise _RowProblem("province", "province_mismatch", f"this batch is for province {province}")
    try:
        amount = _amount(row.get("wage_or_base"))
    except ValueError as exc:
        raise _RowProblem("wage_or_base", "invalid", str(exc)) from None
    temporary = row.get("temporary_account", False)
    if not isinstance(temporary, bool):
        raise _RowProblem("temporary_account", "invalid", "must be true or false")
    return ContributionRow(
        **fields,
        amount_base=amount,
        paid_on=_paid_on(row.get("paid_on")),
        is_temporary_account=temporary,
        index=index,
    )


def _paid_on(value: Any) -> datetime.date | None:
    if value in (None, ""):
        return None
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise _RowProblem("paid_on", "invalid", "must be a date written YYYY-MM-DD") from None


class _RowProblem(ValueError):
    def __init__(self, field: str, code: str, message: str) -> None:
        super().__init__(message)
        self.field, self.code, self.message = field, code, message


def parse_rows(raw_rows: list, province: str) -> tuple[list[ContributionRow], list[RowError]]:
    """Every row parsed, or its problem with the row's index."""
    rows, errors = [], []
    for index, raw in enumerate(raw_rows):
        try:
            rows.append(parse_row(raw, index, province))
        except _RowProblem as problem:
            errors.append(RowError(index, problem.field, problem.code, problem.message))
    return rows, errors

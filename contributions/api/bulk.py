"""Contribution rows as provinces send them: JSON objects turned into ContributionRow.

Deliberately not a DRF serializer per row: a batch has up to 100,000 rows, and this parser
checks each field once and reports every problem with the row's index.
"""

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from contributions.models import ContributionKind
from contributions.services import POSTABLE_KINDS, SCHEMES, ContributionRow, RowError

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

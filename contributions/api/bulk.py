"""Contribution rows as provinces send them: JSON objects turned into ContributionRow.

Deliberately not a DRF serializer per row: a batch has up to 100,000 rows, and this parser
checks each field once and reports every problem with the row's index.
"""

import datetime
import re
from decimal import Decimal
from typing import Any

from contributions.batches import POSTABLE_KINDS, SCHEMES, ContributionRow
from contributions.models import ContributionKind
from contributions.services import RowError
from portal.fields import ID_NUMBER_PATTERN, MONTH_PATTERN, USCC_PATTERN

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
# Yuan below 1,000,000,000 with at most two decimals, as a string: a JSON number may have
# passed through a binary float on the client's side.
AMOUNT_PATTERN = r"^[0-9]{1,9}(\.[0-9]{1,2})?$"
DATE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _amount(value: Any) -> Decimal:
    if not isinstance(value, str) or re.fullmatch(AMOUNT_PATTERN, value) is None:
        raise ValueError(
            "must be a string of yuan with at most two decimals below 1,000,000,000, "
            "such as '8000.00'"
        )
    amount = Decimal(value)
    if amount == 0:
        raise ValueError("must be more than zero")
    return amount


# (field, max length, required, the pattern a given value matches)
TEXT_FIELDS = [
    ("id_number", 18, True, re.compile(ID_NUMBER_PATTERN)),
    ("name", 50, False, None),
    ("month", 7, True, re.compile(MONTH_PATTERN)),
    ("scheme", 16, True, None),
    ("employer_uscc", 18, False, re.compile(USCC_PATTERN)),
    ("kind", 16, False, None),
]
# Optional fields that may also be sent as null.
NULLABLE_FIELDS = {"name", "employer_uscc", "kind", "paid_on"}


def row_schema() -> dict[str, Any]:
    """The OpenAPI schema of one row, made from what `parse_row` enforces."""
    lengths = {field: max_length for field, max_length, _, _ in TEXT_FIELDS}
    properties: dict[str, dict[str, Any]] = {
        "id_number": {
            "type": "string",
            "maxLength": lengths["id_number"],
            "pattern": ID_NUMBER_PATTERN,
            "description": "公民身份号码 (GB 11643): 17 digits and a check character, "
            "ISO 7064 MOD 11-2 (X for 10). A number the ledger does not know is held "
            "in suspense.",
        },
        "name": {"type": "string", "maxLength": lengths["name"]},
        "month": {
            "type": "string",
            "pattern": MONTH_PATTERN,
            "description": "YYYY-MM, not in the future; the province's policy of that "
            "year must exist (GET /api/v1/policies/{province}/{year}/).",
        },
        "scheme": {"type": "string", "enum": sorted(SCHEMES)},
        "employer_uscc": {
            "type": "string",
            "pattern": f"^({USCC_PATTERN[1:-1]})?$",
            "description": "Unified social credit code (GB 32100) of an employer the "
            "province registered; employees only.",
        },
        "kind": {"type": "string", "enum": sorted(POSTABLE_KINDS), "default": "regular"},
        "wage_or_base": {
            "type": "string",
            "pattern": AMOUNT_PATTERN,
            "example": "8000.00",
            "description": "Yuan as a string, at most two decimals, above 0 and below "
            "1,000,000,000. Employees: the declared wage, clamped into the band; "
            "flexible: the chosen base, which must lie in the band.",
        },
        "paid_on": {"type": "string", "format": "date", "pattern": DATE_PATTERN},
        "temporary_account": {"type": "boolean", "default": False},
        "province": {
            "type": "string",
            "pattern": "^[0-9]{2}$",
            "description": "If given, the batch's own province.",
        },
    }
    for field in NULLABLE_FIELDS:
        properties[field]["nullable"] = True
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [field for field, _, required, _ in TEXT_FIELDS if required] + ["wage_or_base"],
        "properties": properties,
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


def _field(
    row: dict, field: str, *, max_length: int, required: bool, pattern: re.Pattern | None
) -> str | None:
    value = row.get(field)
    if value is None or value == "":
        if required:
            raise _RowProblem(field, "required", "is required")
        return value
    if not isinstance(value, str):
        raise _RowProblem(field, "invalid", "must be a string")
    if len(value) > max_length:
        raise _RowProblem(field, "too_long", f"is longer than {max_length} characters")
    if pattern is not None and pattern.fullmatch(value) is None:
        raise _RowProblem(field, "invalid", f"must match {pattern.pattern}")
    return value


def parse_row(row: Any, index: int, province: str) -> ContributionRow:
    """One row, or _RowProblem naming the first bad field."""
    if not isinstance(row, dict):
        raise _RowProblem("row", "invalid", "each row is a JSON object")
    unknown = set(row) - ROW_FIELDS
    if unknown:
        raise _RowProblem(sorted(unknown)[0], "unknown_field", "is not a field of a row")
    fields = {
        field: _field(row, field, max_length=max_length, required=required, pattern=pattern)
        for field, max_length, required, pattern in TEXT_FIELDS
    }
    fields["name"] = (fields["name"] or "").strip()
    fields["employer_uscc"] = fields["employer_uscc"] or ""
    fields["kind"] = ContributionKind.REGULAR if fields["kind"] is None else fields["kind"]
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
    if value is None:
        return None
    try:
        if re.fullmatch(DATE_PATTERN, value) is None:
            raise ValueError(value)
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

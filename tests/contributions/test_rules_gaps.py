"""Why a month is missing from the record, and whether it can still be paid (统一提醒)."""

import pytest

from contributions.rules import (
    DEFAULT_FLEXIBLE_PAYMENT_WINDOW_MONTHS,
    GapKind,
    GapMonth,
    Month,
    Stint,
    classify_gap,
    gap_runs,
)

EMPLOYEE_44 = Stint("44", "employee", "深圳示例", Month(2012, 1), Month(2016, 6))
FLEXIBLE_11 = Stint("11", "flexible", "", Month(2017, 1), None)
TODAY = Month(2026, 11)


def _classify(month: Month, **overrides) -> GapMonth:
    facts = {
        "stints": [EMPLOYEE_44, FLEXIBLE_11],
        "posted_up_to": {"44": Month(2026, 10), "11": Month(2026, 10)},
        "window_months": {},
        "transfers_from": frozenset(),
        "deemed_until": None,
        "today": TODAY,
    } | overrides
    return classify_gap(month, **facts)


def test_an_employees_missing_month_is_the_employers_arrears():
    gap = _classify(Month(2014, 5))
    assert (gap.kind, gap.province, gap.employer) == (GapKind.EMPLOYER_ARREARS, "44", "深圳示例")
    assert gap.kind.payable and not gap.kind.closed


def test_a_flexible_month_is_payable_within_the_window_then_closed():
    inside = _classify(TODAY - DEFAULT_FLEXIBLE_PAYMENT_WINDOW_MONTHS)
    assert (inside.kind, inside.payable_until) == (GapKind.PAYABLE_BY_PERSON, TODAY)
    outside = _classify(TODAY - DEFAULT_FLEXIBLE_PAYMENT_WINDOW_MONTHS - 1)
    assert (outside.kind, outside.payable_until) == (GapKind.WINDOW_CLOSED, TODAY - 1)
    assert outside.kind.closed


def test_the_provinces_own_window_replaces_the_default():
    month = TODAY - 20
    assert _classify(month).kind == GapKind.WINDOW_CLOSED
    assert _classify(month, window_months={"11": 24}).kind == GapKind.PAYABLE_BY_PERSON


def test_a_month_in_no_enrolment_is_closed():
    assert _classify(Month(2016, 8)).kind == GapKind.NOT_INSURED


def test_a_month_after_the_provinces_latest_posting_is_not_a_gap_yet():
    gap = _classify(Month(2026, 10), posted_up_to={"11": Month(2026, 9)})
    assert gap.kind == GapKind.NOT_YET_POSTED and not (gap.kind.payable or gap.kind.closed)


def test_a_sending_provinces_months_are_settled_by_the_transfer():
    assert _classify(Month(2014, 5), transfers_from=frozenset({"44"})).kind == (
        GapKind.TRANSFER_IN_PROGRESS
    )


def test_deemed_service_explains_the_months_it_covers():
    assert _classify(Month(1997, 6), deemed_until=Month(1997, 12)).kind == GapKind.DEEMED_SERVICE


@pytest.mark.parametrize("count", [1, 2, 7])
def test_consecutive_months_of_one_reason_make_one_run(count):
    months = [_classify(Month(2014, 1) + n) for n in range(count)]
    months += [_classify(Month(2016, 8)), _classify(Month(2016, 9))]
    runs = gap_runs(months)
    assert [(r.first, r.last, r.months, r.kind) for r in runs] == [
        (Month(2014, 1), Month(2014, 1) + count - 1, count, GapKind.EMPLOYER_ARREARS),
        (Month(2016, 8), Month(2016, 9), 2, GapKind.NOT_INSURED),
    ]

"""Ledger services: persons, contributions in batches, suspense, reversal."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from contributions import batches, services
from contributions.batches import ContributionRow
from contributions.models import (
    ContributionRecord,
    FundAccount,
    InsuredPerson,
    JournalLine,
    SuspenseItem,
)
from contributions.services import BatchRejected, LedgerError

pytestmark = pytest.mark.django_db

WANG = "11010519491231002X"  # ID-01: female, born 1949-12-31
LI = "110101199003071233"  # ID-03: male, born 1990-03-07
STRANGER = "32010619850815441X"  # ID-05: not registered
UNIT = "91110108MA01X9K31G"


@pytest.fixture
def li():
    return services.person_upsert(id_number=LI, name="李强", hukou_province="41")[0]


@pytest.fixture
def employer():
    return services.employer_register(uscc=UNIT, name="北京示例科技有限公司", province="11")[0]


def _balances(province: str) -> dict[str, Decimal]:
    rows = (
        JournalLine.objects.filter(province_id=province)
        .values("account")
        .annotate(total=Sum("amount"))
    )
    return {row["account"]: row["total"] for row in rows}


def test_person_upsert_derives_birth_date_and_sex_from_the_id_number():
    person, created = services.person_upsert(
        id_number=WANG.lower(), name="王芳", hukou_province="11"
    )
    assert created
    assert person.id_number == WANG
    assert str(person.birth_date) == "1949-12-31"
    assert person.sex == "F"
    assert person.retirement_category == "F50"
    assert person.masked_id_number == "110105********002X"


def test_person_upsert_updates_instead_of_duplicating(li):
    person, created = services.person_upsert(id_number=LI, name="李强强", hukou_province="31")
    assert not created
    assert person.pk == li.pk
    assert InsuredPerson.objects.count() == 1
    assert person.hukou_province_id == "31"


def test_person_upsert_refuses_a_bad_check_digit():
    with pytest.raises(LedgerError) as caught:
        services.person_upsert(id_number="110101199003071234", name="x", hukou_province="11")
    assert caught.value.code == "id_number_checksum"
    assert caught.value.field == "id_number"


def test_employer_register_refuses_an_invalid_credit_code():
    with pytest.raises(LedgerError, match="not a valid credit code"):
        services.employer_register(uscc="91110108MA01X9K31X", name="x", province="11")


def test_an_employee_batch_posts_amounts_per_the_band_and_one_journal_entry(li, employer):
    # GIVEN Beijing 2025: band 7162–35811, employer 16 %
    # WHEN wages of 3000 (below the floor) and 8000 are declared
    result = batches.contribution_batch_post(
        province="11",
        rows=[
            ContributionRow(LI, "2025-01", "employee", Decimal("3000"), employer_uscc=UNIT),
            ContributionRow(LI, "2025-02", "employee", Decimal("8000"), employer_uscc=UNIT),
        ],
        source="test",
    )
    # THEN the first base is clamped to the floor, and the journal gets one balanced entry
    assert result.posted == 2
    records = ContributionRecord.objects.filter(person=li).order_by("month")
    assert [(r.base, r.pooling_part, r.account_part) for r in records] == [
        (Decimal("7162.00"), Decimal("1145.92"), Decimal("572.96")),
        (Decimal("8000.00"), Decimal("1280.00"), Decimal("640.00")),
    ]
    assert result.journal_entry.lines.count() == 3
    assert _balances("11") == {
        FundAccount.RECEIPTS_IN_TRANSIT: Decimal("3638.88"),
        FundAccount.POOLING_FUND: Decimal("-2425.92"),
        FundAccount.ACCOUNT_LIABILITY: Decimal("-1212.96"),
    }


def test_a_flexible_base_below_the_floor_rejects_the_whole_batch(li):
    with pytest.raises(BatchRejected) as caught:
        batches.contribution_batch_post(
            province="11",
            rows=[
                ContributionRow(LI, "2025-01", "flexible", Decimal("8000")),
                ContributionRow(LI, "2025-02", "flexible", Decimal("7161")),
            ],
            source="test",
        )
    [error] = caught.value.errors
    assert (error.index, error.field, error.code) == (1, "wage_or_base", "base_out_of_band")
    assert not ContributionRecord.objects.exists()
    assert not JournalLine.objects.exists()


def test_accept_partial_posts_the_valid_rows_and_reports_the_others(li):
    result = batches.contribution_batch_post(
        province="11",
        rows=[
            ContributionRow(LI, "2025-01", "flexible", Decimal("8000")),
            ContributionRow("110101199003071234", "2025-02", "flexible", Decimal("8000")),
            ContributionRow(LI, "2099-01", "flexible", Decimal("8000")),
            ContributionRow(LI, "2025-13", "flexible", Decimal("8000")),
            ContributionRow(LI, "2025-01", "flexible", Decimal("9000")),
        ],
        source="test",
        accept_partial=True,
    )
    assert result.posted == 1
    assert [(e.index, e.code) for e in result.rejected] == [
        (1, "id_number_checksum"),
        (2, "month_in_future"),
        (3, "month_invalid"),
        (4, "duplicate_in_batch"),
    ]


def test_a_month_already_in_the_ledger_is_refused_as_a_duplicate(li):
    row = ContributionRow(LI, "2025-01", "flexible", Decimal("8000"))
    batches.contribution_batch_post(province="11", rows=[row], source="test")
    with pytest.raises(BatchRejected) as caught:
        batches.contribution_batch_post(province="11", rows=[row], source="test")
    assert caught.value.errors[0].code == "duplicate_in_ledger"
    assert ContributionRecord.objects.count() == 1


def test_an_employee_row_needs_a_registered_employer_of_the_province(li):
    with pytest.raises(BatchRejected) as caught:
        batches.contribution_batch_post(
            province="11",
            rows=[ContributionRow(LI, "2025-01", "employee", Decimal("8000"), employer_uscc=UNIT)],
            source="test",
        )
    assert caught.value.errors[0].code == "unknown_employer"


def test_a_year_without_policy_parameters_is_refused(li):
    with pytest.raises(BatchRejected) as caught:
        batches.contribution_batch_post(
            province="13",
            rows=[ContributionRow(LI, "2025-01", "flexible", Decimal("8000"))],
            source="test",
        )
    assert caught.value.errors[0].code == "no_policy"


def test_an_unknown_person_is_held_in_suspense_and_balanced(li):
    result = batches.contribution_batch_post(
        province="11",
        rows=[
            ContributionRow(LI, "2025-01", "flexible", Decimal("8000")),
            ContributionRow(STRANGER, "2025-01", "flexible", Decimal("8000"), name="赵敏"),
        ],
        source="test",
    )
    assert (result.posted, result.held_in_suspense) == (1, 1)
    item = SuspenseItem.objects.get()
    assert (item.id_number, item.pooling_part, item.account_part) == (
        STRANGER,
        Decimal("960.00"),
        Decimal("640.00"),
    )
    assert _balances("11")[FundAccount.SUSPENSE] == Decimal("-1600.00")


def test_reinstating_a_suspense_item_moves_it_to_the_person_once():
    batches.contribution_batch_post(
        province="11",
        rows=[ContributionRow(STRANGER, "2025-01", "flexible", Decimal("8000"))],
        source="test",
    )
    item = SuspenseItem.objects.get()
    person, _ = services.person_upsert(id_number=STRANGER, name="赵敏", hukou_province="32")

    record = services.suspense_reinstate(item=item, person=person)

    assert (record.person_id, record.account_part) == (person.pk, Decimal("640.00"))
    balances = _balances("11")
    assert balances[FundAccount.SUSPENSE] == 0
    assert balances[FundAccount.ACCOUNT_LIABILITY] == Decimal("-640.00")
    with pytest.raises(LedgerError, match="already reinstated"):
        services.suspense_reinstate(item=item, person=person)
    assert ContributionRecord.objects.count() == 1


def test_a_reversal_cancels_the_money_and_keeps_the_original(li):
    batches.contribution_batch_post(
        province="11",
        rows=[ContributionRow(LI, "2025-01", "flexible", Decimal("8000"))],
        source="test",
    )
    original = ContributionRecord.objects.get()

    reversal = services.contribution_reverse(record=original, reason="wrong base declared")

    assert reversal.reversal_of == original
    assert reversal.account_part == Decimal("-640.00")
    assert set(_balances("11").values()) == {Decimal("0.00")}
    with pytest.raises(LedgerError, match="already reversed"):
        services.contribution_reverse(record=original, reason="again")
    # The month is free again for the corrected contribution.
    result = batches.contribution_batch_post(
        province="11",
        rows=[ContributionRow(LI, "2025-01", "flexible", Decimal("9000"))],
        source="test",
    )
    assert result.posted == 1


def test_a_reversal_needs_a_reason(li):
    batches.contribution_batch_post(
        province="11",
        rows=[ContributionRow(LI, "2025-01", "flexible", Decimal("8000"))],
        source="test",
    )
    with pytest.raises(LedgerError, match="needs a reason"):
        services.contribution_reverse(record=ContributionRecord.objects.get(), reason=" ")

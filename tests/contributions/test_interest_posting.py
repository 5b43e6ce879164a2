"""Annual interest posted to the ledger: spec §2.4 vectors through the database, once."""

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum

from contributions import accounting, batches, selectors, services
from contributions.batches import ContributionRow
from contributions.models import (
    ContributionRecord,
    CreditingRate,
    FundAccount,
    JournalLine,
    PersonalAccountEntry,
)
from contributions.rules import Month

pytestmark = pytest.mark.django_db

LI = "110101199003071233"


@pytest.fixture
def li():
    return services.person_upsert(id_number=LI, name="李强", hukou_province="41")[0]


def _credit(person, month: Month, account_part: str) -> ContributionRecord:
    """A contribution row written directly: these tests are about interest, not bands."""
    return ContributionRecord(
        person=person,
        province_id="11",
        scheme="flexible",
        month=month.first_day(),
        base=Decimal("10000"),
        pooling_part=Decimal("0"),
        account_part=Decimal(account_part),
        kind="regular",
    )


def _interest(person, year: int) -> Decimal:
    return PersonalAccountEntry.objects.filter(
        person=person, interest_year=year, kind__in=["interest", "interest_adjustment"]
    ).aggregate(total=Sum("amount"))["total"]


def test_ir_04_twelve_credits_of_640_in_2024_earn_108_99(li):
    """GIVEN 12 monthly credits of 640 in 2024 (flexible base 8000 in Beijing), r = 2.62 %
    WHEN the 2024 interest is posted (monthly-product method)
    THEN the account earns 108.99 and ends the year at 7788.99."""
    batches.contribution_batch_post(
        province="11",
        rows=[
            ContributionRow(LI, f"2024-{m:02d}", "flexible", Decimal("8000")) for m in range(1, 13)
        ],
        source="test",
    )
    posting = accounting.interest_post_year(year=2024)
    assert (posting.rate, posting.is_provisional, posting.accounts) == (Decimal("0.0262"), False, 1)
    assert _interest(li, 2024) == Decimal("108.99")
    assert selectors.account_balance(person_id=li.pk, as_of=date(2024, 12, 31)) == Decimal(
        "7788.99"
    )


def test_ir_05_uneven_credits_use_the_monthly_product(li):
    """GIVEN a balance of 10000 at the end of 2021 and credits of 800 for 2022-07..12
    WHEN the 2022 interest is posted at 6.12 %
    THEN the credits earn 85.68, the opening balance 612.00, and the balance is 15497.68."""
    ContributionRecord.objects.bulk_create(
        [_credit(li, Month(2021, 12), "10000")]
        + [_credit(li, Month(2022, m), "800") for m in range(7, 13)]
    )
    accounting.interest_post_year(year=2022)
    assert _interest(li, 2022) == Decimal("612.00") + Decimal("85.68")
    assert selectors.account_balance(person_id=li.pk, as_of=date(2022, 12, 31)) == Decimal(
        "15497.68"
    )


def test_last_years_interest_earns_interest_the_next_year(li):
    # IR-03 after IR-04's year: the opening balance includes the posted interest.
    ContributionRecord.objects.bulk_create([_credit(li, Month(2022, 12), "50000")])
    accounting.interest_post_year(year=2023)
    accounting.interest_post_year(year=2024)
    assert _interest(li, 2023) == Decimal("1985.00")  # 50000 × 3.97 %
    assert _interest(li, 2024) == Decimal("1362.01")  # 51985.00 × 2.62 %


def test_posting_a_year_twice_posts_once(li):
    ContributionRecord.objects.bulk_create([_credit(li, Month(2023, 1), "1000")])
    accounting.interest_post_year(year=2024)
    again = accounting.interest_post_year(year=2024)
    assert again.accounts == 0
    assert PersonalAccountEntry.objects.filter(kind="interest").count() == 1
    assert JournalLine.objects.filter(entry__event="interest").count() == 2


def test_a_provisional_rate_is_trued_up_once_when_published(li):
    """GIVEN the 2025 rate is provisional (1.50 %) WHEN interest is posted, then the
    official rate 2.00 % is published and the posting runs again
    THEN one adjustment of the difference is posted, and later runs post nothing."""
    ContributionRecord.objects.bulk_create([_credit(li, Month(2024, 12), "10000")])
    first = accounting.interest_post_year(year=2025)
    assert first.is_provisional
    assert _interest(li, 2025) == Decimal("150.00")

    CreditingRate.objects.filter(year=2025).update(rate=Decimal("0.02"), is_provisional=False)
    accounting.interest_post_year(year=2025)
    accounting.interest_post_year(year=2025)

    adjustment = PersonalAccountEntry.objects.get(kind="interest_adjustment")
    assert adjustment.amount == Decimal("50.00")
    assert _interest(li, 2025) == Decimal("200.00")


def test_a_year_without_a_rate_uses_the_latest_published_one_provisionally(li):
    ContributionRecord.objects.bulk_create([_credit(li, Month(2025, 12), "10000")])
    posting = accounting.interest_post_year(year=2026)
    assert (posting.rate, posting.is_provisional) == (Decimal("0.0262"), True)


def test_interest_is_funded_from_the_pooling_fund_in_the_journal(li):
    ContributionRecord.objects.bulk_create([_credit(li, Month(2023, 6), "10000")])
    accounting.interest_post_year(year=2024)
    lines = dict(
        JournalLine.objects.filter(entry__event="interest").values_list("account", "amount")
    )
    assert lines == {
        FundAccount.POOLING_FUND: Decimal("262.00"),
        FundAccount.ACCOUNT_LIABILITY: Decimal("-262.00"),
    }


# --- Before 2016: each province's own rate (spec §2.1) ---------------------------------------


def test_every_province_has_its_own_rate_before_2016_and_the_nation_one_rate_after():
    before = CreditingRate.objects.filter(year__lt=CreditingRate.NATIONAL_FROM)
    assert set(before.values_list("year", flat=True)) == set(range(1998, 2016))
    assert not before.filter(province__isnull=True).exists()
    assert not CreditingRate.objects.filter(year__gte=2016, province__isnull=False).exists()
    # Jilin's published figures stand; everywhere else the one-year deposit rate stands in.
    jilin_2014 = before.get(province_id="22", year=2014)
    assert (jilin_2014.rate, jilin_2014.is_placeholder) == (Decimal("0.035"), False)
    beijing_2014 = before.get(province_id="11", year=2014)
    assert (beijing_2014.rate, beijing_2014.is_placeholder) == (Decimal("0.0275"), True)


def test_a_year_before_2016_credits_each_province_at_its_own_rate(li):
    """GIVEN 1200 carried into 2014 in Jilin (3.50 %) and in Beijing (2.75 %, a placeholder)
    WHEN the 2014 interest is posted
    THEN Jilin's account earns 42.00 and Beijing's 33.00, each at its province's rate."""
    for province in ("22", "11"):
        credit = _credit(li, Month(2013, 12), "1200.00")
        credit.province_id = province
        credit.save()
    posting = accounting.interest_post_year(year=2014)
    assert posting.rate is None  # provincial
    earned = dict(
        PersonalAccountEntry.objects.filter(person=li, interest_year=2014).values_list(
            "province_id", "amount"
        )
    )
    assert earned == {"22": Decimal("42.00"), "11": Decimal("33.00")}


def test_a_rate_before_2016_needs_the_province():
    with pytest.raises(selectors.NoCreditingRate):
        selectors.crediting_rate_for(2010)
    assert selectors.crediting_rate_for(2010, "44") == (Decimal("0.0275"), False)

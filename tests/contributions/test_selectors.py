from datetime import date
from decimal import Decimal

import pytest

from contributions import batches, selectors, services
from contributions.models import ContributionRecord
from contributions.rules import Month
from tests.factories import paid_months

pytestmark = pytest.mark.django_db

LI = "110101199003071233"
AS_OF = date(2026, 11, 30)


@pytest.fixture
def li():
    return services.person_upsert(id_number=LI, name="李强", hukou_province="41")[0]


def test_the_record_counts_months_by_province_and_finds_gaps(li):
    # GIVEN 2020-01..2020-12 in Guangdong, then 2021-04..2021-09 in Shanghai
    paid_months(li, "44", Month(2020, 1), 12, base="5000")
    paid_months(li, "31", Month(2021, 4), 6, base="5000")
    record = selectors.person_record(person_id=li.pk, as_of=AS_OF)
    assert record.months_by_province == {"31": 6, "44": 12}
    assert record.contribution_months == 18
    assert record.gaps == [(Month(2021, 1), Month(2021, 3))]
    # 7200.00 posted, plus 2026's interest to November at 2.62 % (the latest published rate,
    # provisional): 7200 × 0.0262 × 11/12 = 172.92.
    assert record.account_balance == Decimal("7372.92")


def test_overlapping_months_in_two_provinces_count_once(li):
    paid_months(li, "44", Month(2020, 1), 12, base="5000")
    paid_months(li, "31", Month(2020, 10), 6, base="5000")
    record = selectors.person_record(person_id=li.pk, as_of=AS_OF)
    assert record.contribution_months == 15


def test_a_reversed_month_leaves_the_record_but_not_the_balance(li):
    batches.contribution_batch_post(
        province="11",
        rows=[batches.ContributionRow(LI, "2025-01", "flexible", Decimal("8000"))],
        source="test",
    )
    services.contribution_reverse(record=ContributionRecord.objects.get(), reason="duplicate")
    record = selectors.person_record(person_id=li.pk, as_of=AS_OF)
    assert record.months == []
    assert record.account_balance == Decimal("0.00")


def test_the_balance_at_a_date_ignores_later_months(li):
    paid_months(li, "44", Month(2020, 1), 12, base="5000")
    assert selectors.account_balance(person_id=li.pk, as_of=date(2020, 6, 30)) == Decimal("2400.00")


@pytest.mark.parametrize("years", [1, 40])
def test_the_record_takes_the_same_number_of_queries_for_1_or_40_years(
    li, years, django_assert_num_queries
):
    # A one-year career stays in one province; a 40-year career moves through four.
    provinces = ["44", "33", "31", "41"] if years >= 10 else ["44"]
    per_province = years * 12 // len(provinces)
    rows = []
    for i, province in enumerate(provinces):
        rows += paid_months(li, province, Month(1986, 1) + i * per_province, per_province)
    with django_assert_num_queries(7):
        record = selectors.person_record(person_id=li.pk, as_of=AS_OF)
    assert record.contribution_months == len(rows)

from decimal import Decimal

import pytest
from django.db import IntegrityError

from contributions.models import CreditingRate, ProvincePolicy

pytestmark = pytest.mark.django_db


def test_beijing_2025_band_is_stored_as_published():
    policy = ProvincePolicy.objects.get(province_id="11", year=2025)
    assert policy.average_wage == Decimal("11937.00")
    assert policy.contribution_floor == Decimal("7162.00")
    assert policy.contribution_ceiling == Decimal("35811.00")
    assert policy.employer_rate == Decimal("0.16")


def test_a_derived_band_is_sixty_and_three_hundred_percent_of_the_average_wage():
    policy = ProvincePolicy.objects.get(province_id="31", year=2025)
    assert policy.contribution_floor == Decimal("7460.00")  # 0.6 × 12434 = 7460.4
    assert policy.contribution_ceiling == Decimal("37302.00")
    assert "derived" in policy.source


def test_every_seeded_provincial_figure_is_labelled_approximate():
    assert ProvincePolicy.objects.count() == 17
    assert not ProvincePolicy.objects.filter(is_approximate=False).exists()


def test_national_crediting_rates_2016_to_2025_with_2025_provisional():
    rates = dict(CreditingRate.objects.values_list("year", "rate"))
    assert rates[2016] == Decimal("0.0831")
    assert rates[2024] == Decimal("0.0262")
    assert list(
        CreditingRate.objects.filter(is_provisional=True).values_list("year", flat=True)
    ) == [2025]


def test_the_database_refuses_a_floor_above_the_ceiling():
    with pytest.raises(IntegrityError, match="policy_band_ordered"):
        ProvincePolicy.objects.create(
            province_id="13",
            year=2025,
            average_wage=Decimal("6000"),
            contribution_floor=Decimal("19000"),
            contribution_ceiling=Decimal("18000"),
            source="test",
        )


def test_the_database_refuses_a_rate_of_one_or_more():
    with pytest.raises(IntegrityError, match="policy_rates_are_fractions"):
        ProvincePolicy.objects.create(
            province_id="13",
            year=2025,
            average_wage=Decimal("6000"),
            contribution_floor=Decimal("3600"),
            contribution_ceiling=Decimal("18000"),
            employer_rate=Decimal("1.6"),
            source="test",
        )

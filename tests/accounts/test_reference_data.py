import pytest
from django.db import IntegrityError

from accounts.models import Agency, Province

pytestmark = pytest.mark.django_db


def test_all_31_provinces_and_the_xpcc_are_loaded():
    codes = set(Province.objects.values_list("code", flat=True))
    assert len(codes) == 32
    assert {"11", "31", "44", "65", "66"} <= codes


def test_the_xpcc_code_never_validates_an_id_number():
    assert Province.objects.get(code="66").valid_in_id_numbers is False
    assert Province.objects.filter(valid_in_id_numbers=False).count() == 1


def test_every_province_has_an_agency_under_the_national_one():
    national = Agency.objects.get(level=Agency.Level.NATIONAL)
    provincial = Agency.objects.filter(level=Agency.Level.PROVINCE)
    assert provincial.count() == 32
    assert set(provincial.values_list("parent", flat=True)) == {national.pk}


def test_every_loaded_agency_sits_one_level_below_its_parent():
    for agency in Agency.objects.select_related("parent"):
        agency.full_clean()


def test_the_hierarchy_reaches_the_township_level():
    township = Agency.objects.get(level=Agency.Level.TOWNSHIP)
    chain = []
    while township:
        chain.append(township.level)
        township = township.parent
    assert chain == [5, 4, 3, 2, 1]


def test_a_city_agency_one_level_too_low_is_refused_by_clean():
    province = Agency.objects.get(division_code="310000")
    county = Agency(
        name="x", level=Agency.Level.COUNTY, parent=province, province_id="31", division_code="1"
    )
    with pytest.raises(Exception, match="exactly one level above"):
        county.full_clean()


def test_the_database_refuses_a_provincial_agency_without_a_parent():
    with pytest.raises(IntegrityError, match="agency_national_is_root"):
        Agency.objects.create(
            name="orphan", level=Agency.Level.PROVINCE, province_id="31", division_code="999999"
        )

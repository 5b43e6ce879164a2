"""Resident ID number checks (spec §8, vectors ID-01..ID-11)."""

from datetime import date

import pytest

from contributions.rules import (
    ID_PROVINCE_CODES,
    PROVINCE_CODES,
    check_id_number,
    convert_legacy_id,
)

TODAY = date(2025, 6, 1)
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def with_check_digit(body: str) -> str:
    """Append the ISO 7064 MOD 11-2 check character, computed as §8.2 writes it."""
    total = sum(int(digit) * weight for digit, weight in zip(body, WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


@pytest.mark.parametrize(
    ("value", "birth", "sex"),
    [
        pytest.param("11010519491231002X", date(1949, 12, 31), "F", id="ID-01"),
        pytest.param("440524188001010014", date(1880, 1, 1), "M", id="ID-02"),
        pytest.param("110101199003071233", date(1990, 3, 7), "M", id="ID-03"),
        pytest.param("32010619850815441X", date(1985, 8, 15), "M", id="ID-05"),
        pytest.param("650102197001010034", date(1970, 1, 1), "M", id="ID-06"),
        pytest.param("310115198802290505", date(1988, 2, 29), "F", id="ID-07"),
        pytest.param("11010519491231002x", date(1949, 12, 31), "F", id="ID-11"),
    ],
)
def test_valid_id_numbers(value, birth, sex):
    """GIVEN a well-formed ID number with a known province, a real past birth date and the
    right check digit
    WHEN it is checked
    THEN it is valid and yields its birth date, sex (17th digit odd = M) and province."""
    result = check_id_number(value, today=TODAY)
    assert result.valid, result.errors
    assert result.number == value.upper()
    assert (result.birth_date, result.sex, result.province_code) == (birth, sex, value[:2])


@pytest.mark.parametrize(
    ("value", "codes"),
    [
        pytest.param("110101199003071234", ["checksum"], id="ID-04"),
        pytest.param("310115198702290508", ["date"], id="ID-08"),
        pytest.param("990101199001010019", ["province"], id="ID-09"),
        pytest.param("110101203001010014", ["future_date"], id="ID-10"),
    ],
)
def test_invalid_id_numbers(value, codes):
    """GIVEN an ID number that fails one check (ID-08..ID-10 even have a good check digit)
    WHEN it is checked
    THEN it is invalid and the stable error code names the failed check."""
    result = check_id_number(value, today=TODAY)
    assert not result.valid
    assert result.error_codes == codes


def test_checksum_error_names_the_expected_digit():
    result = check_id_number("110101199003071234", today=TODAY)
    assert "expected 3" in result.errors[0].message


def test_all_applicable_errors_are_reported_together():
    result = check_id_number("990101198702290501", today=TODAY)
    assert result.error_codes == ["province", "date", "checksum"]
    assert result.birth_date is None


@pytest.mark.parametrize(
    "value",
    ["", "1101011990030712", "1101011990030712345", "11010119900307123Y", "X10101199003071233"],
)
def test_malformed_numbers_fail_on_format_only(value):
    result = check_id_number(value, today=TODAY)
    assert result.error_codes == ["format"]


def test_whitespace_is_stripped():
    assert check_id_number(" 110101 19900307 1233 ", today=TODAY).number == "110101199003071233"


def test_xpcc_pooling_code_66_never_validates_an_id():
    number = with_check_digit("66010119900101001")
    assert check_id_number(number, today=TODAY).error_codes == ["province"]
    assert "66" in PROVINCE_CODES
    assert "66" not in ID_PROVINCE_CODES
    assert "65" in ID_PROVINCE_CODES


def test_province_table_has_31_provinces_and_the_xpcc():
    assert len(PROVINCE_CODES) == 32
    assert PROVINCE_CODES["41"] == ("河南省", "Henan")


def test_birth_before_1900_is_a_warning_not_an_error():
    result = check_id_number("440524188001010014", today=TODAY)
    assert result.valid
    assert "date_too_early" in [w.code for w in result.warnings]


def test_unknown_county_code_is_only_a_warning():
    # Province 11 is known but county 1199 is not in the GB/T 2260 snapshot.
    result = check_id_number(with_check_digit("11119919900101001"), today=TODAY)
    assert result.valid
    assert [w.code for w in result.warnings] == ["address_code"]


def test_legacy_15_digit_number_converts_to_18():
    assert convert_legacy_id("110105491231002") == "11010519491231002X"
    with pytest.raises(ValueError):
        convert_legacy_id("11010549123100")

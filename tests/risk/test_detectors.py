"""After-the-fact detectors (事后稽核): each rule fires on its finding and stays quiet otherwise.

Data comes through the ledger services where they accept it, and through direct inserts
where the services refuse the situation on purpose: that is what screening looks for.
"""

import itertools
from datetime import date
from decimal import Decimal

import pytest
from stdnum.cn import ric, uscc

import risk.detectors  # noqa: F401  (declares the rules)
from contributions import accounting, batches, services
from contributions.batches import ContributionRow
from contributions.models import (
    ContributionBatch,
    ContributionRecord,
    DeemedService,
    Employer,
    Enrolment,
    InsuredPerson,
    PersonalAccountEntry,
    ProvincePolicy,
    SuspenseItem,
)
from contributions.rules import Month
from risk.models import BackPaymentEvidence, BenefitPayment, Certification, LedgerTotal, RiskRule
from risk.registry import REGISTRY, BatchContext, Hit
from risk.services import flags_file, rules_sync
from transfers.models import Transfer

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 11, 1)
_serial = itertools.count(1)


# --- Builders ------------------------------------------------------------------------------


def detect(
    code: str,
    *,
    province: str | None = None,
    first: int = 0,
    last: int = 10**12,
    incremental: bool = False,
    **params,
) -> list[Hit]:
    """Run one rule's batch detector over a slice, with its defaults overridden by `params`."""
    spec = REGISTRY[code]
    context = BatchContext(
        first_person_id=first,
        last_person_id=last,
        province=province,
        parameters={**spec.defaults, **params},
        as_of=AS_OF,
        incremental=incremental,
    )
    return spec.batch(context)


def id_number(birth: date, sex: str = "M", region: str = "440106") -> str:
    """A valid resident ID number; the 17th digit is odd for men, even for women."""
    serial = next(_serial) % 50
    body = f"{region}{birth:%Y%m%d}{serial:02d}{1 if sex == 'M' else 2}"
    return body + ric.calc_check_digit(body + "0")


def person(
    birth: date, sex: str = "M", hukou: str = "44", category: str | None = None
) -> InsuredPerson:
    return services.person_upsert(
        id_number=id_number(birth, sex),
        name="测试",
        hukou_province=hukou,
        retirement_category=category,
    )[0]


def employer(province: str) -> Employer:
    body = f"91{province}0100MA{next(_serial):07d}"
    code = body + uscc.calc_check_digit(body + "0")
    return services.employer_register(uscc=code, name=f"单位{code}", province=province)[0]


def policy(
    province: str, *years: int, wage: str = "10000", floor: str = "6000", ceiling: str = "30000"
):
    """Policy rows for years the seed data lacks."""
    for year in years:
        ProvincePolicy.objects.create(
            province_id=province,
            year=year,
            average_wage=Decimal(wage),
            contribution_floor=Decimal(floor),
            contribution_ceiling=Decimal(ceiling),
            source="test",
        )


def months(first: str, last: str) -> list[str]:
    return [str(m) for m in Month.range(Month.parse(first), Month.parse(last))]


def post(
    province: str,
    who: InsuredPerson,
    month_list: list[str],
    base: str = "8000",
    *,
    kind: str = "regular",
    paid_on: date | None = None,
) -> ContributionBatch:
    """Post flexible-employment months through the ledger service."""
    result = batches.contribution_batch_post(
        province=province,
        rows=[
            ContributionRow(who.id_number, m, "flexible", Decimal(base), kind=kind, paid_on=paid_on)
            for m in month_list
        ],
        source="test",
    )
    return result.batch


def insert_record(who: InsuredPerson, province: str, month: str, base: str) -> ContributionRecord:
    """A record written around the services (legacy import), without a journal entry."""
    amount = Decimal(base)
    return ContributionRecord.objects.create(
        person=who,
        province_id=province,
        scheme="flexible",
        month=Month.parse(month).first_day(),
        base=amount,
        pooling_part=(amount * Decimal("0.12")).quantize(Decimal("0.01")),
        account_part=(amount * Decimal("0.08")).quantize(Decimal("0.01")),
        kind="regular",
    )


def enrol_around_checks(
    who: InsuredPerson, province: str, start: Month, *, temporary: bool = False
) -> Enrolment:
    """An enrolment the in-process checks (RK-01, RK-17) would refuse, as an import left it."""
    return Enrolment.objects.create(
        person=who,
        province_id=province,
        scheme="flexible",
        start_month=start.first_day(),
        is_temporary_account=temporary,
    )


def retire(who: InsuredPerson, on: date) -> None:
    InsuredPerson.objects.filter(pk=who.pk).update(status="retired", retired_on=on)


def die(who: InsuredPerson, on: date) -> None:
    InsuredPerson.objects.filter(pk=who.pk).update(status="deceased", died_on=on)


def subjects(hits: list[Hit]) -> set[str]:
    return {hit.subject for hit in hits}


# --- The registry ----------------------------------------------------------------------------


def test_every_rule_is_declared_with_titles_stage_and_severity():
    expected = {
        "RK-01", "RK-02", "RK-03", "RK-05", "RK-06", "RK-08", "RK-09", "RK-10", "RK-11",
        "RK-12", "RK-15", "RK-17", "RK-19", "RK-20", "RK-23", "RK-RC",
    }  # fmt: skip
    assert expected <= {code for code, spec in REGISTRY.items() if spec.batch is not None}
    for code in expected:
        spec = REGISTRY[code]
        assert spec.title_zh and spec.title_en and spec.description
        assert spec.stage in {"in_process", "batch", "both"}
        assert spec.severity in {"block", "warn", "info"}


def test_parameter_defaults_follow_the_specification():
    assert REGISTRY["RK-01"].defaults == {"min_overlap_months": 1}
    assert REGISTRY["RK-05"].defaults == {"grace_months": 0}
    assert REGISTRY["RK-06"].defaults == {"cert_cycle_months": 12}
    assert REGISTRY["RK-09"].defaults == {"lump_months": 36}
    assert REGISTRY["RK-10"].defaults == {"N": 12, "M": 24}
    assert REGISTRY["RK-11"].defaults == {"window": 36, "baseline": 60, "ratio": 1.5, "abs": 2.0}
    assert REGISTRY["RK-20"].defaults == {"min_age": 16}


# --- RK-01 duplicate active enrolment ----------------------------------------------------------


def test_rk01_fires_on_active_enrolments_in_two_provinces():
    who = person(date(1985, 3, 1))
    services.enrolment_open(
        person=who, province="44", scheme="flexible", start_month=Month(2024, 1)
    )
    enrol_around_checks(who, "32", Month(2024, 6))

    [hit] = detect("RK-01")

    assert (hit.subject, hit.period, hit.province, hit.person_id) == (
        f"person:{who.pk}",
        "2024-06",
        "44",
        who.pk,
    )
    assert hit.evidence["overlap_months"] == 30  # 2024-06 .. 2026-11
    assert hit.evidence["overlaps"] == [
        {"provinces": ["44", "32"], "schemes": ["flexible", "flexible"], "from": "2024-06"}
    ]
    assert detect("RK-01", min_overlap_months=31) == []


def test_rk01_is_quiet_after_a_proper_transfer():
    who = person(date(1985, 3, 1))
    first, _ = services.enrolment_open(
        person=who, province="44", scheme="flexible", start_month=Month(2024, 1)
    )
    services.enrolment_end(enrolment=first, status="closed", end_month=Month(2024, 5))
    services.enrolment_open(
        person=who, province="32", scheme="flexible", start_month=Month(2024, 6)
    )

    assert detect("RK-01") == []


# --- RK-02 overlapping contribution months -------------------------------------------------------


def test_rk02_rv03_finds_the_three_overlapping_months():
    # RV-03: A 2020-01..2020-12, B 2020-10..2021-03
    policy("44", 2020)
    policy("32", 2020, 2021)
    who = person(date(1985, 3, 1))
    post("44", who, months("2020-01", "2020-12"))
    post("32", who, months("2020-10", "2021-03"))

    [hit] = detect("RK-02")

    assert (hit.subject, hit.period, hit.province) == (f"person:{who.pk}", "2020", "44")
    assert hit.evidence["months"] == ["2020-10", "2020-11", "2020-12"]


def test_rk02_a_reversed_record_makes_no_double():
    # The reversal and the record it cancels share the month with the record that stands.
    policy("44", 2020)
    policy("32", 2020)
    who = person(date(1985, 3, 1))
    post("44", who, ["2020-10"])
    post("32", who, ["2020-10"])
    services.contribution_reverse(
        record=ContributionRecord.objects.get(person=who, province_id="32"), reason="test"
    )

    assert detect("RK-02") == []


def test_rk02_is_quiet_when_the_periods_follow_each_other():
    policy("44", 2020)
    policy("32", 2021)
    who = person(date(1985, 3, 1))
    post("44", who, months("2020-01", "2020-12"))
    post("32", who, months("2021-01", "2021-03"))

    assert detect("RK-02") == []


def test_rk02_the_same_month_of_two_people_next_to_each_other_is_no_double():
    # In (person, month) order the first person's last month meets the next one's first.
    policy("44", 2020)
    first, second = person(date(1985, 3, 1)), person(date(1986, 4, 1))
    post("44", first, ["2020-05", "2020-06"])
    post("44", second, ["2020-06", "2020-07"])

    assert detect("RK-02") == []


def test_rk02_a_month_paid_three_times_is_one_month_of_three_provinces():
    policy("44", 2020)
    policy("31", 2020)
    policy("32", 2020)
    who = person(date(1985, 3, 1))
    for province in ("44", "31", "32"):
        post(province, who, ["2020-06"])

    [hit] = detect("RK-02")

    assert hit.evidence == {"months": ["2020-06"], "provinces": ["31,32,44"]}


def test_rk02_a_province_limited_run_finds_the_same_finding():
    # 2020-10 paid in 44 and 31, 2020-11 in 44 and 32: the finding is the person's year.
    policy("44", 2020)
    policy("31", 2020)
    policy("32", 2020)
    who = person(date(1985, 3, 1))
    post("44", who, ["2020-10", "2020-11"])
    post("31", who, ["2020-10"])
    post("32", who, ["2020-11"])

    [everywhere] = detect("RK-02", min_overlap_months=2)

    assert everywhere.evidence["months"] == ["2020-10", "2020-11"]
    assert detect("RK-02", province="31", min_overlap_months=2) == [everywhere]
    assert detect("RK-02", province="51", min_overlap_months=2) == []


# --- RK-03 contributing while receiving ----------------------------------------------------------


def test_rk03_rv04_fires_on_a_month_after_the_benefit_start():
    # RV-04: benefit start 2024-07, contribution posted for 2024-08
    who = person(date(1964, 2, 1))
    post("44", who, ["2024-06", "2024-08"])
    retire(who, date(2024, 7, 1))

    [hit] = detect("RK-03")

    assert (hit.subject, hit.period, hit.province) == (f"person:{who.pk}", "2024", "44")
    assert hit.evidence == {"benefit_start": "2024-07", "months": ["2024-08"], "provinces": ["44"]}


def test_rk03_is_quiet_when_contributions_stop_before_the_benefit_start():
    who = person(date(1964, 2, 1))
    post("44", who, months("2024-01", "2024-06"))
    retire(who, date(2024, 7, 1))

    assert detect("RK-03") == []


def test_rk03_ignores_a_reversed_month():
    who = person(date(1964, 2, 1))
    post("44", who, ["2024-08"])
    retire(who, date(2024, 7, 1))
    services.contribution_reverse(record=ContributionRecord.objects.get(person=who), reason="test")

    assert detect("RK-03") == []


# --- RK-05 payment after death -------------------------------------------------------------------


def _rv02_pensioner() -> InsuredPerson:
    # RV-02: death 2025-03-15; payments for 2025-03, 04, 05 at 3200.00
    who = person(date(1950, 1, 1))
    retire(who, date(2010, 1, 1))
    for month in (3, 4, 5):
        BenefitPayment.objects.create(
            person=who, province_id="44", month=date(2025, month, 1), amount=Decimal("3200.00")
        )
    die(who, date(2025, 3, 15))
    return who


def test_rk05_rv02_flags_the_months_after_the_death_month():
    who = _rv02_pensioner()

    [hit] = detect("RK-05")

    assert (hit.subject, hit.period, hit.province) == (f"person:{who.pk}", "2025-03", "44")
    assert hit.evidence["months"] == ["2025-04", "2025-05"]
    assert hit.evidence["overpayment"] == "6400.00"
    assert hit.evidence["died_on"] == "2025-03-15"


def test_rk05_is_quiet_within_the_grace_months():
    _rv02_pensioner()

    assert detect("RK-05", grace_months=2) == []
    assert len(detect("RK-05", grace_months=1)) == 1


def test_rk05_is_quiet_when_payment_stops_after_the_death_month():
    who = person(date(1950, 1, 1))
    retire(who, date(2010, 1, 1))
    BenefitPayment.objects.create(
        person=who, province_id="44", month=date(2025, 3, 1), amount=Decimal("3200.00")
    )
    die(who, date(2025, 3, 15))

    assert detect("RK-05") == []


# --- RK-06 certification overdue -----------------------------------------------------------------


def test_rk06_fires_when_the_latest_certification_has_expired():
    who = person(date(1955, 1, 1))
    retire(who, date(2015, 1, 1))
    Certification.objects.create(
        person=who, certified_on=date(2024, 10, 31), valid_until=date(2025, 10, 31)
    )
    Certification.objects.create(
        person=who, certified_on=date(2025, 10, 31), valid_until=date(2026, 10, 31)
    )
    BenefitPayment.objects.create(
        person=who, province_id="44", month=date(2026, 10, 1), amount=Decimal("3000.00")
    )

    [hit] = detect("RK-06")

    assert (hit.subject, hit.period, hit.province) == (f"person:{who.pk}", "2026", "44")
    assert hit.evidence == {"retired_on": "2015-01-01", "valid_until": "2026-10-31"}


def test_rk06_is_quiet_while_a_certification_is_valid():
    who = person(date(1955, 1, 1))
    retire(who, date(2015, 1, 1))
    Certification.objects.create(
        person=who, certified_on=date(2026, 1, 1), valid_until=date(2027, 1, 1)
    )

    assert detect("RK-06") == []


def test_rk06_without_certification_counts_the_cycle_from_retirement():
    recent = person(date(1960, 1, 1))
    retire(recent, date(2026, 1, 1))  # 10 months before the as-of date
    older = person(date(1960, 1, 1))
    retire(older, date(2025, 6, 1))
    dead = person(date(1950, 1, 1))
    retire(dead, date(2010, 1, 1))
    die(dead, date(2020, 1, 1))

    assert subjects(detect("RK-06")) == {f"person:{older.pk}"}
    assert detect("RK-06", cert_cycle_months=18) == []


# --- RK-08 base outside band ---------------------------------------------------------------------


def test_rk08_rv01_flags_bases_just_outside_the_band():
    # RV-01: band 4800–24000; bases 4799 / 4800 / 24000 / 24000.01 → flag / ok / ok / flag
    policy("44", 2023, wage="8000", floor="4800", ceiling="24000")
    low, floor, ceiling, high = (person(date(1980, 1, 1)) for _ in range(4))
    for who, base in ((low, "4799"), (floor, "4800"), (ceiling, "24000"), (high, "24000.01")):
        insert_record(who, "44", "2023-05", base)

    hits = detect("RK-08")

    assert subjects(hits) == {f"person:{low.pk}", f"person:{high.pk}"}
    by_person = {hit.person_id: hit for hit in hits}
    assert by_person[high.pk].period == "2023"
    assert by_person[high.pk].province == "44"
    assert by_person[high.pk].evidence == {
        "months": ["2023-05"],
        "provinces": ["44"],
        "bases": ["24000.01"],
        "bands": ["4800.00-24000.00"],
    }


def test_rk08_ignores_a_reversed_record():
    policy("44", 2023, wage="8000", floor="4800", ceiling="24000")
    who = person(date(1980, 1, 1))
    services.contribution_reverse(
        record=insert_record(who, "44", "2023-05", "24000.01"), reason="test"
    )

    assert detect("RK-08") == []


def test_rk08_is_quiet_for_months_posted_through_the_services():
    who = person(date(1980, 1, 1))
    post("44", who, months("2024-01", "2025-12"))

    assert detect("RK-08") == []


# --- RK-09 lump back-payment without evidence ----------------------------------------------------


def _back_pay(count: int) -> tuple[InsuredPerson, ContributionBatch]:
    policy("44", 2015, 2016, 2017, 2018)
    who = person(date(1975, 1, 1))
    month_list = months("2015-01", "2018-12")[:count]
    batch = post("44", who, month_list, kind="back_payment", paid_on=date(2018, 12, 20))
    return who, batch


def test_rk09_rv07_fires_on_36_back_paid_months_without_evidence():
    who, batch = _back_pay(36)

    [hit] = detect("RK-09")

    assert (hit.subject, hit.period, hit.province) == (
        f"person:{who.pk}",
        f"batch:{batch.public_id}",
        "44",
    )
    assert hit.evidence == {"months": 36, "from": "2015-01", "to": "2017-12"}


def test_rk09_rv08_is_quiet_at_35_months():
    _back_pay(35)

    assert detect("RK-09") == []


def test_rk09_is_quiet_when_the_evidence_is_recorded():
    who, batch = _back_pay(36)
    BackPaymentEvidence.objects.create(
        person=who,
        batch=batch,
        kind="legal_document",
        document_date=date(2018, 6, 1),
        reference="(2018)粤0106民初1号",
    )

    assert detect("RK-09") == []


# --- RK-10 back-payment shortly before retirement ------------------------------------------------


def _late_back_payer(count: int, paid_on: date) -> InsuredPerson:
    policy("44", 2020)
    who = person(date(1966, 1, 1))
    post("44", who, months("2020-01", "2020-12")[:count], kind="back_payment", paid_on=paid_on)
    retire(who, date(2026, 6, 1))
    return who


def test_rk10_fires_on_a_year_back_paid_within_two_years_of_retirement():
    who = _late_back_payer(12, date(2025, 1, 10))

    [hit] = detect("RK-10")

    assert (hit.subject, hit.period, hit.province) == (f"person:{who.pk}", "2026-06", "44")
    assert hit.evidence == {
        "retired_on": "2026-06-01",
        "months": 12,
        "from": "2020-01",
        "to": "2020-12",
        "paid_on": ["2025-01-10"],
    }


def test_rk10_is_quiet_below_n_months():
    _late_back_payer(11, date(2025, 1, 10))

    assert detect("RK-10") == []


def test_rk10_is_quiet_when_paid_long_before_retirement():
    _late_back_payer(12, date(2024, 5, 31))  # 24 months and a day before 2026-06-01

    assert detect("RK-10") == []


# --- RK-11 pre-retirement base spike -------------------------------------------------------------


def _spiking_retiree(baseline_base: str, last_base: str) -> InsuredPerson:
    # Average wage 10000 in every year, so the index is base / 10000. Retiring 2024-01:
    # baseline 2016-01..2020-12 (60 months), last window 2021-01..2023-12 (36 months).
    policy("33", *range(2016, 2024))
    who = person(date(1963, 12, 1))
    post("33", who, months("2016-01", "2020-12"), baseline_base)
    post("33", who, months("2021-01", "2023-12"), last_base)
    retire(who, date(2024, 1, 15))
    return who


def test_rk11_rv05_fires_on_a_jump_from_0_8_to_2_9():
    who = _spiking_retiree("8000", "29000")

    [hit] = detect("RK-11")

    assert (hit.subject, hit.period, hit.province) == (f"person:{who.pk}", "2024-01", "33")
    assert hit.evidence == {
        "last_mean": "2.9000",
        "baseline_mean": "0.8000",
        "ratio": "3.6250",
        "last_months": 36,
        "baseline_months": 60,
    }


def test_rk11_rv06_is_quiet_on_a_rise_from_1_8_to_2_2():
    _spiking_retiree("18000", "22000")

    assert detect("RK-11") == []


def test_rk11_is_quiet_when_the_last_mean_stays_below_abs():
    _spiking_retiree("8000", "19000")  # ratio 2.375, but 1.9 < 2.0

    assert detect("RK-11") == []


def test_rk11_months_without_records_do_not_count():
    # Only 12 of the last 36 months are paid, at 2.9; the mean stays 2.9.
    policy("33", *range(2016, 2024))
    who = person(date(1963, 12, 1))
    post("33", who, months("2016-01", "2020-12"), "8000")
    post("33", who, months("2023-01", "2023-12"), "29000")
    retire(who, date(2024, 1, 15))

    [hit] = detect("RK-11")

    assert hit.evidence["last_mean"] == "2.9000"
    assert hit.evidence["last_months"] == 12


# --- RK-12 retirement before the permitted month -------------------------------------------------


def test_rk12_rv09_fires_before_the_earliest_flexible_month():
    # RV-09: M60 born 1970-06 retiring 2030-05 (earliest 2030-06)
    who = person(date(1970, 6, 10), category="M60")
    retire(who, date(2030, 5, 1))

    [hit] = detect("RK-12")

    assert (hit.subject, hit.period, hit.province) == (f"person:{who.pk}", "2030-05", "44")
    assert hit.evidence["earliest"] == "2030-06"
    assert hit.evidence["statutory"] == "2031-11"


def test_rk12_is_quiet_from_the_earliest_flexible_month():
    who = person(date(1970, 6, 10), category="M60")
    retire(who, date(2030, 6, 1))

    assert detect("RK-12") == []


# --- RK-15 invalid ID ----------------------------------------------------------------------------


def _legacy_person(number: str, hukou: str = "11") -> InsuredPerson:
    """A row as an old import left it: the services would refuse the number."""
    return InsuredPerson.objects.create(
        id_number=number,
        name="旧档",
        birth_date=date(1990, 3, 7),
        sex="M",
        hukou_province_id=hukou,
        retirement_category="M60",
    )


def test_rk15_rv10_fires_on_a_wrong_check_digit():
    who = _legacy_person("110101199003071234")  # RV-10: check digit should be 3

    [hit] = detect("RK-15")

    assert (hit.subject, hit.period, hit.province) == (
        f"person:{who.pk}",
        "id:110101********1234",
        "11",
    )
    assert hit.evidence == {"errors": ["checksum"]}


def test_rk15_fires_on_a_legacy_15_digit_number():
    who = _legacy_person("110101900307123")

    [hit] = detect("RK-15")

    assert hit.person_id == who.pk
    assert hit.evidence == {"errors": ["format"]}


def test_rk15_is_quiet_on_a_valid_number():
    _legacy_person("110101199003071233")

    assert detect("RK-15") == []


# --- RK-17 temporary-account misclassification ---------------------------------------------------


def test_rk17_tr07_fires_on_a_man_of_50_moving_away_from_his_hukou_province():
    # TR-07: man born 1972-05, hukou Henan (41), moves to Shanghai (31) on 2023-03
    who = person(date(1972, 5, 10), hukou="41")
    enrol_around_checks(who, "31", Month(2023, 3))

    [hit] = detect("RK-17")

    assert (hit.subject, hit.period, hit.province) == (f"person:{who.pk}", "2023-03", "31")
    assert hit.evidence == {"provinces": ["31"], "hukou_province": "41", "age": 50}


def test_rk17_tr09_fires_on_a_woman_of_40():
    # TR-09: woman born 1990-01, hukou 41, moves to 31 on 2030-02
    who = person(date(1990, 1, 5), sex="F", hukou="41")
    enrol_around_checks(who, "31", Month(2030, 2))

    assert subjects(detect("RK-17")) == {f"person:{who.pk}"}


def test_rk17_is_quiet_for_a_temporary_account():
    who = person(date(1972, 5, 10), hukou="41")
    services.enrolment_open(
        person=who,
        province="31",
        scheme="flexible",
        start_month=Month(2023, 3),
        is_temporary_account=True,
    )

    assert detect("RK-17") == []


def test_rk17_tr10_is_quiet_in_the_hukou_province():
    who = person(date(1984, 1, 5), sex="F", hukou="31")  # 41 at the start
    services.enrolment_open(
        person=who, province="31", scheme="flexible", start_month=Month(2025, 2)
    )

    assert detect("RK-17") == []


def test_rk17_is_quiet_below_the_age_threshold():
    who = person(date(1972, 6, 10), hukou="41")  # 49 years 11 months in 2022-05
    services.enrolment_open(
        person=who, province="31", scheme="flexible", start_month=Month(2022, 5)
    )

    assert detect("RK-17") == []


def test_rk17_does_not_convert_retroactively():
    # Insured in Shanghai since 2008: a new enrolment there at 52 is no move (spec §3.4).
    who = person(date(1960, 1, 10), hukou="41")
    earlier, _ = services.enrolment_open(
        person=who, province="31", scheme="flexible", start_month=Month(2008, 1)
    )
    services.enrolment_end(enrolment=earlier, status="suspended", end_month=Month(2011, 12))
    enrol_around_checks(who, "31", Month(2012, 3))
    # Opened at 51 but before temporary accounts existed (国办发〔2009〕66号, from 2010).
    other = person(date(1958, 1, 10), hukou="41")
    services.enrolment_open(
        person=other, province="32", scheme="flexible", start_month=Month(2009, 12)
    )

    assert detect("RK-17") == []


# --- RK-19 minimum years not met -----------------------------------------------------------------


def _retiree_with_months(count: int) -> InsuredPerson:
    policy("44", *range(2010, 2024))
    who = person(date(1967, 1, 1))
    post("44", who, months("2010-01", "2024-12")[:count])
    retire(who, date(2027, 3, 1))
    return who


def test_rk19_pn05_fires_on_179_months_retiring_in_2027():
    who = _retiree_with_months(179)

    [hit] = detect("RK-19")

    assert (hit.subject, hit.period, hit.province) == (f"person:{who.pk}", "2027-03", "44")
    assert hit.evidence == {"months": 179, "deemed_months": 0, "required": 180}


def test_rk19_is_quiet_at_180_months():
    _retiree_with_months(180)

    assert detect("RK-19") == []


def test_rk19_counts_a_month_paid_in_two_provinces_once():
    who = _retiree_with_months(179)
    policy("32", 2010)
    post("32", who, ["2010-01"])  # already paid in 44

    assert subjects(detect("RK-19")) == {f"person:{who.pk}"}


def test_rk19_does_not_count_a_reversed_month():
    who = _retiree_with_months(180)
    services.contribution_reverse(
        record=ContributionRecord.objects.filter(person=who).earliest("month"), reason="test"
    )

    [hit] = detect("RK-19")

    assert (hit.person_id, hit.evidence) == (
        who.pk,
        {"months": 179, "deemed_months": 0, "required": 180},
    )


def _deemed(who: InsuredPerson, province: str, count: int) -> None:
    DeemedService.objects.create(
        person=who, province_id=province, months=count, until_month=date(1997, 12, 1)
    )


def test_rk19_counts_deemed_months_in_every_province():
    """Deemed years count as contribution years (spec §4.2), each province's separately."""
    who = _retiree_with_months(150)
    _deemed(who, "44", 20)
    _deemed(who, "32", 10)

    assert detect("RK-19") == []


def test_rk19_fires_when_paid_and_deemed_months_fall_short():
    who = _retiree_with_months(150)
    _deemed(who, "32", 29)

    [hit] = detect("RK-19")

    assert (hit.person_id, hit.province) == (who.pk, "44")
    assert hit.evidence == {"months": 150, "deemed_months": 29, "required": 180}


# --- RK-20 contribution before age 16 or after death ---------------------------------------------


def test_rk20_fires_before_the_16th_birthday_month():
    who = person(date(2008, 5, 20))
    insert_record(who, "44", "2024-04", "8000")  # posting refuses it (in-process RK-20)
    post("44", who, ["2024-05"])

    [hit] = detect("RK-20")

    assert (hit.subject, hit.period, hit.province) == (f"person:{who.pk}", "2024", "44")
    assert hit.evidence == {
        "months": ["2024-04"],
        "provinces": ["44"],
        "reasons": ["before_min_age"],
    }


def test_rk20_fires_after_the_death_month():
    who = person(date(1970, 1, 1))
    post("44", who, ["2025-03", "2025-04"])
    die(who, date(2025, 3, 15))

    [hit] = detect("RK-20")

    assert hit.period == "2025"
    assert hit.evidence["months"] == ["2025-04"]
    assert hit.evidence["reasons"] == ["after_death"]


def test_rk20_is_quiet_within_the_life_span():
    young = person(date(2008, 5, 20))
    post("44", young, ["2024-05"])
    dead = person(date(1970, 1, 1))
    post("44", dead, ["2025-03"])
    die(dead, date(2025, 3, 15))

    assert detect("RK-20") == []


# --- RK-RC ledger reconciliation mismatch --------------------------------------------------------


def test_rkrc_fires_on_a_record_written_around_the_journal():
    who = person(date(1980, 1, 1))
    post("44", who, ["2025-01"])
    insert_record(who, "44", "2025-02", "10000")  # account part 800.00, no journal line

    [hit] = detect("RK-RC")

    assert (hit.subject, hit.period, hit.province, hit.person_id) == (
        "province:44",
        "2026-11-01",
        "44",
        None,
    )
    [difference] = hit.evidence["accounts"]
    assert difference["account"] == "account_liability"
    assert difference["difference"] == "800.00"


def test_rkrc_is_quiet_on_a_ledger_posted_through_the_services():
    who = person(date(1980, 1, 1))
    post("44", who, months("2025-01", "2025-06"))
    post("31", who, ["2025-07"], "9000")
    services.contribution_reverse(
        record=ContributionRecord.objects.filter(person=who).first(), reason="test"
    )

    assert detect("RK-RC") == []


def test_rkrc_carried_forward_from_its_kept_totals_equals_a_full_sum():
    who = person(date(1980, 1, 1))
    post("44", who, months("2024-01", "2024-12"))
    assert detect("RK-RC") == []  # summed in full, the totals kept
    # Since: contributions, a reversal, suspense with a reinstatement and without, interest
    # credited, and a record written around the journal.
    post("31", who, ["2025-01"], "9000")
    services.contribution_reverse(
        record=ContributionRecord.objects.filter(person=who).first(), reason="test"
    )
    stranger = id_number(date(1985, 8, 15))
    for number, month in ((stranger, "2025-02"), (id_number(date(1990, 3, 7)), "2025-03")):
        batches.contribution_batch_post(
            province="11",
            rows=[ContributionRow(number, month, "flexible", Decimal("8000"))],
            source="test",
        )
    found, _ = services.person_upsert(id_number=stranger, name="赵敏", hukou_province="32")
    services.suspense_reinstate(item=SuspenseItem.objects.get(id_number=stranger), person=found)
    accounting.interest_post_year(year=2024)
    assert PersonalAccountEntry.objects.exists()
    insert_record(who, "44", "2025-04", "10000")

    carried = detect("RK-RC", incremental=True)
    kept = set(LedgerTotal.objects.values_list("province", "account", "subledger_total"))

    assert [hit.province for hit in carried] == ["44"]
    assert carried == detect("RK-RC")
    assert set(LedgerTotal.objects.values_list("province", "account", "subledger_total")) == kept


# --- Every rule respects the province and the slice ----------------------------------------------


def _scope_rk01() -> InsuredPerson:
    who = person(date(1985, 3, 1))
    services.enrolment_open(
        person=who, province="44", scheme="employee", employer=employer("44"),
        start_month=Month(2024, 1),
    )  # fmt: skip
    services.enrolment_open(
        person=who, province="44", scheme="flexible", start_month=Month(2024, 3)
    )
    return who


def _scope_rk02() -> InsuredPerson:
    who = person(date(1985, 3, 1))
    one, two = employer("44"), employer("44")
    for unit in (one, two):
        batches.contribution_batch_post(
            province="44",
            rows=[
                ContributionRow(who.id_number, "2024-01", "employee", Decimal("8000"), unit.uscc)
            ],
            source="test",
        )
    return who


def _scope_rk03() -> InsuredPerson:
    who = person(date(1964, 2, 1))
    post("44", who, ["2024-08"])
    retire(who, date(2024, 7, 1))
    return who


def _scope_rk05() -> InsuredPerson:
    return _rv02_pensioner()


def _scope_rk06() -> InsuredPerson:
    who = person(date(1955, 1, 1))
    retire(who, date(2015, 1, 1))
    BenefitPayment.objects.create(
        person=who, province_id="44", month=date(2026, 10, 1), amount=Decimal("3000.00")
    )
    return who


def _scope_rk08() -> InsuredPerson:
    who = person(date(1980, 1, 1))
    insert_record(who, "44", "2024-05", "4000")  # floor 4492
    return who


def _scope_rk09() -> InsuredPerson:
    return _back_pay(36)[0]


def _scope_rk10() -> InsuredPerson:
    return _late_back_payer(12, date(2025, 1, 10))


def _scope_rk11() -> InsuredPerson:
    policy("44", *range(2016, 2024))
    who = person(date(1963, 12, 1))
    post("44", who, months("2016-01", "2020-12"), "8000")
    post("44", who, months("2021-01", "2023-12"), "29000")
    retire(who, date(2024, 1, 15))
    return who


def _scope_rk12() -> InsuredPerson:
    who = person(date(1970, 6, 10), category="M60")
    retire(who, date(2030, 5, 1))
    return who


def _scope_rk15() -> InsuredPerson:
    return _legacy_person("440106199003071234", hukou="44")


def _scope_rk17() -> InsuredPerson:
    who = person(date(1972, 5, 10), hukou="41")
    enrol_around_checks(who, "44", Month(2023, 3))
    return who


def _scope_rk19() -> InsuredPerson:
    who = person(date(1960, 1, 1))
    post("44", who, months("2024-01", "2024-12"))
    retire(who, date(2025, 1, 1))
    return who


def _scope_rk20() -> InsuredPerson:
    who = person(date(2008, 5, 20))
    insert_record(who, "44", "2024-04", "8000")
    return who


def _scope_rk23() -> InsuredPerson:
    who = person(date(1986, 9, 1), hukou="41")
    Transfer.objects.create(
        person=who,
        from_province_id="41",
        to_province_id="44",
        applied_on=date(2026, 9, 1),
        step_deadline=date(2026, 9, 22),
    )
    return who


def _scope_rkrc() -> InsuredPerson:
    who = person(date(1980, 1, 1))
    insert_record(who, "44", "2025-02", "10000")
    return who


SCOPE_SCENARIOS = {
    "RK-01": _scope_rk01,
    "RK-02": _scope_rk02,
    "RK-03": _scope_rk03,
    "RK-05": _scope_rk05,
    "RK-06": _scope_rk06,
    "RK-08": _scope_rk08,
    "RK-09": _scope_rk09,
    "RK-10": _scope_rk10,
    "RK-11": _scope_rk11,
    "RK-12": _scope_rk12,
    "RK-15": _scope_rk15,
    "RK-17": _scope_rk17,
    "RK-19": _scope_rk19,
    "RK-20": _scope_rk20,
    "RK-23": _scope_rk23,
    "RK-RC": _scope_rkrc,
}


def test_every_batch_rule_has_a_scope_scenario():
    assert set(SCOPE_SCENARIOS) == {
        code for code, spec in REGISTRY.items() if spec.batch is not None
    }


@pytest.mark.parametrize("code", sorted(SCOPE_SCENARIOS))
def test_a_rule_keeps_to_its_province_and_slice(code):
    who = SCOPE_SCENARIOS[code]()

    hits = detect(code)

    assert hits, f"{code} found nothing in its scenario"
    assert {hit.province for hit in hits} == {"44"}
    if code != "RK-RC":
        assert {hit.person_id for hit in hits} == {who.pk}
    assert detect(code, province="44") == hits
    assert detect(code, province="31") == []
    if not REGISTRY[code].ledger_wide:
        assert detect(code, first=who.pk + 1) == []
        assert detect(code, last=who.pk - 1) == []


@pytest.mark.parametrize("code", sorted(SCOPE_SCENARIOS))
def test_a_rerun_gives_the_same_subjects_and_periods(code):
    SCOPE_SCENARIOS[code]()

    first = [(hit.subject, hit.period) for hit in detect(code)]
    again = [(hit.subject, hit.period) for hit in detect(code)]

    assert sorted(first) == sorted(again)
    assert len(set(first)) == len(first)


@pytest.mark.parametrize("code", sorted(SCOPE_SCENARIOS))
def test_hits_file_as_flags_once(code):
    SCOPE_SCENARIOS[code]()
    rules_sync()
    rule = RiskRule.objects.get(pk=code)
    hits = detect(code)

    assert flags_file(rule=rule, hits=hits) == len(hits)
    assert flags_file(rule=rule, hits=detect(code)) == 0

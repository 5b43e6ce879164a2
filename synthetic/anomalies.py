"""Planted anomalies: known cases for every batch rule, with their ground truth.

`generate_nation --anomalies PATH` calls `plant` after writing a nation. Each case gets a
person of its own (ID numbers in the 9xx sequence range, so they never collide with the
nation's), written straight into the tables as a faulty provincial system or an old import
would have: screening after the fact exists for what got past the checks. Every planted
contribution is posted to the fund journal except the one that is meant to break the
reconciliation. Ground truth: one JSON line per case, {"rule", "id_number", "period"}
("province" instead of "id_number" for the reconciliation rule).
"""

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.db import connection

from contributions import rules
from contributions.models import (
    ContributionBatch,
    ContributionRecord,
    Enrolment,
    FundAccount,
    InsuredPerson,
    JournalEntry,
    ProvincePolicy,
)
from contributions.rules import Month
from contributions.services import journal_post, record_changed
from risk.models import BenefitPayment, Certification
from synthetic.nation import id_check_digit
from transfers.models import Transfer

CASES_PER_RULE = 3


@dataclass
class _Planter:
    as_of: Month
    truth: list[dict]
    batches: dict[str, ContributionBatch]
    journal: dict[str, list[ContributionRecord]]
    sequence: int = 900

    # -- building blocks ------------------------------------------------------------------

    def person(self, *, born: Month, sex: str, hukou: str, retired: Month | None = None):
        """A fresh person with a valid ID number; retirees hold a valid certification."""
        parity = 1 if sex == "M" else 0
        while True:  # planted again into the same ledger, the next free number
            self.sequence += 1
            sequence = self.sequence * 2 % 1000 + parity  # odd for men, even for women
            body = f"{hukou}0102{born.year:04d}{born.month:02d}15{sequence:03d}"
            if not InsuredPerson.objects.filter(id_number=body + id_check_digit(body)).exists():
                break
        person = InsuredPerson.objects.create(
            id_number=body + id_check_digit(body),
            name="稽核样本",
            birth_date=born.first_day().replace(day=15),
            sex=sex,
            hukou_province_id=hukou,
            retirement_category="M60" if sex == "M" else "F55",
            status="retired" if retired else "active",
            retired_on=retired.first_day() if retired else None,
        )
        if retired:
            today = self.as_of.first_day()
            Certification.objects.create(
                person=person, certified_on=today, valid_until=today + timedelta(days=365)
            )
        return person

    def pay(self, person, province: str, months, *, base=None, kind="regular", paid_on=None,
            batch=None, journal=True) -> None:  # fmt: skip
        """Contribution records for `months`, flexible, at a base inside the band."""
        records = []
        for month in months:
            policy = self.policy(province, month.year)
            amount = base if base is not None else policy.contribution_floor + 1000
            records.append(
                ContributionRecord(
                    person=person,
                    province_id=province,
                    scheme="flexible",
                    month=month.first_day(),
                    base=amount,
                    pooling_part=rules.round_fen(amount * Decimal("0.12")),
                    account_part=rules.round_fen(amount * Decimal("0.08")),
                    kind=kind,
                    paid_on=paid_on or month.first_day(),
                    batch=batch or self.batch(province),
                )
            )
        ContributionRecord.objects.bulk_create(records)
        record_changed(record.person_id for record in records)
        if journal:
            self.journal[province].extend(records)

    def policy(self, province: str, year: int) -> ProvincePolicy:
        return ProvincePolicy.objects.get(province_id=province, year=year)

    def batch(self, province: str) -> ContributionBatch:
        if province not in self.batches:
            self.batches[province] = ContributionBatch.objects.create(
                province_id=province, source="anomalies"
            )
        return self.batches[province]

    def record(self, rule: str, person=None, period: str = "", **extra) -> None:
        entry = {"rule": rule, "id_number": person.id_number if person else None, "period": period}
        self.truth.append({**entry, **extra})

    # -- the cases ------------------------------------------------------------------------

    def rk_01(self) -> None:
        person = self.person(born=Month(1985, 3), sex="M", hukou="11")
        start = self.as_of - 12
        for province in ("11", "31"):
            Enrolment.objects.create(
                person=person,
                province_id=province,
                scheme="flexible",
                start_month=start.first_day(),
            )
        self.record("RK-01", person, str(start))

    def rk_02(self) -> None:
        person = self.person(born=Month(1985, 3), sex="F", hukou="44")
        months = list(Month.range(Month(2024, 1), Month(2024, 6)))
        self.pay(person, "44", months)
        self.pay(person, "31", months[-3:])
        self.record("RK-02", person, "2024")

    def rk_03(self) -> None:
        person = self.person(born=Month(1962, 5), sex="M", hukou="31", retired=Month(2024, 1))
        self.pay(person, "31", Month.range(Month(2009, 1), Month(2024, 3)))
        self.record("RK-03", person, "2024")

    def rk_05(self) -> None:
        person = self.person(born=Month(1950, 2), sex="M", hukou="41", retired=Month(2010, 3))
        self.pay(person, "41", Month.range(Month(1998, 1), Month(2010, 2)))
        InsuredPerson.objects.filter(pk=person.pk).update(status="deceased", died_on="2025-03-15")
        BenefitPayment.objects.bulk_create(
            BenefitPayment(person=person, province_id="41", month=m.first_day(), amount="3200.00")
            for m in Month.range(Month(2025, 3), Month(2025, 5))
        )
        self.record("RK-05", person, "2025-03")

    def rk_06(self) -> None:
        person = self.person(born=Month(1958, 7), sex="M", hukou="44", retired=Month(2018, 7))
        self.pay(person, "44", Month.range(Month(2002, 1), Month(2018, 6)))
        Certification.objects.filter(person=person).delete()
        day = self.as_of.first_day()
        Certification.objects.create(
            person=person,
            certified_on=day - timedelta(days=800),
            valid_until=day - timedelta(days=435),
        )
        self.record("RK-06", person, str(self.as_of.year))

    def rk_08(self) -> None:
        person = self.person(born=Month(1990, 1), sex="F", hukou="33")
        floor = self.policy("33", 2024).contribution_floor
        self.pay(person, "33", [Month(2024, 5)], base=floor - 1)
        self.record("RK-08", person, "2024")

    def rk_09(self) -> None:
        person = self.person(born=Month(1975, 8), sex="M", hukou="37")
        lump = ContributionBatch.objects.create(province_id="37", source="anomalies: lump")
        self.pay(person, "37", Month.range(Month(2010, 1), Month(2012, 12)), kind="back_payment",
                 paid_on=date(2024, 6, 1), batch=lump)  # fmt: skip
        self.record("RK-09", person, f"batch:{lump.public_id}")

    def rk_10(self) -> None:
        person = self.person(born=Month(1963, 4), sex="M", hukou="51", retired=Month(2024, 4))
        self.pay(person, "51", Month.range(Month(2006, 1), Month(2022, 12)))
        self.pay(person, "51", Month.range(Month(2003, 1), Month(2004, 12)), kind="back_payment",
                 paid_on=date(2023, 6, 1))  # fmt: skip
        self.record("RK-10", person, "2024-04")

    def rk_11(self) -> None:
        person = self.person(born=Month(1963, 6), sex="M", hukou="32", retired=Month(2024, 6))
        low = list(Month.range(Month(2016, 6), Month(2021, 5)))  # 60 months before the window
        high = list(Month.range(Month(2021, 6), Month(2024, 5)))  # the last 36 months
        for months, ratio in ((low, Decimal("0.8")), (high, Decimal("2.9"))):
            for month in months:
                wage = self.policy("32", month.year).average_wage
                self.pay(person, "32", [month], base=rules.round_fen(wage * ratio))
        self.pay(person, "32", Month.range(Month(2001, 1), Month(2016, 5)))
        self.record("RK-11", person, "2024-06")

    def rk_12(self) -> None:
        person = self.person(born=Month(1966, 9), sex="M", hukou="11", retired=Month(2025, 1))
        self.pay(person, "11", Month.range(Month(2005, 1), Month(2024, 12)))
        self.record("RK-12", person, "2025")

    def rk_15(self) -> None:
        person = self.person(born=Month(1980, 11), sex="F", hukou="31")
        wrong = person.id_number[:-1] + ("0" if person.id_number[-1] != "0" else "1")
        InsuredPerson.objects.filter(pk=person.pk).update(id_number=wrong)
        person.id_number = wrong
        self.record("RK-15", person, "")

    def rk_17(self) -> None:
        person = self.person(born=Month(1968, 2), sex="M", hukou="41")
        Enrolment.objects.create(
            person=person, province_id="44", scheme="flexible", start_month=date(2019, 5, 1)
        )
        self.record("RK-17", person, "2019-05")

    def rk_19(self) -> None:
        person = self.person(born=Month(1963, 1), sex="M", hukou="37", retired=Month(2023, 1))
        self.pay(person, "37", Month.range(Month(2014, 1), Month(2022, 12)))  # 108 months
        self.record("RK-19", person, "2023-01")

    def rk_20(self) -> None:
        person = self.person(born=Month(2005, 6), sex="F", hukou="44")
        self.pay(person, "44", [Month(2020, 3)])  # aged 14
        self.record("RK-20", person, "2020")

    def rk_23(self) -> None:
        """A transfer application the receiving office left unanswered for weeks."""
        person = self.person(born=Month(1986, 9), sex="F", hukou="43")
        self.pay(person, "43", Month.range(Month(2015, 1), Month(2022, 12)))
        Enrolment.objects.create(
            person=person, province_id="44", scheme="flexible", start_month=date(2023, 1, 1)
        )
        applied = self.as_of.first_day() - timedelta(days=90)
        Transfer.objects.create(
            person=person,
            from_province_id="43",
            to_province_id="44",
            applied_on=applied,
            step_deadline=applied + timedelta(days=21),
        )
        self.record("RK-23", person, "step:applied")

    def rk_rc(self, province: str) -> None:
        """A contribution row never posted to the journal: the control account disagrees."""
        person = self.person(born=Month(1988, 4), sex="M", hukou=province)
        self.pay(person, province, [Month(2025, 1)], journal=False)
        self.record("RK-RC", None, "", province=province)

    def post_journal(self) -> None:
        for province, records in self.journal.items():
            pooling = sum((r.pooling_part for r in records), Decimal(0))
            account = sum((r.account_part for r in records), Decimal(0))
            journal_post(
                event=JournalEntry.Event.ADJUSTMENT,
                description="planted anomalies",
                batch=self.batches.get(province),
                lines=[
                    (province, FundAccount.RECEIPTS_IN_TRANSIT, pooling + account),
                    (province, FundAccount.POOLING_FUND, -pooling),
                    (province, FundAccount.ACCOUNT_LIABILITY, -account),
                ],
            )


CASES = ["rk_01", "rk_02", "rk_03", "rk_05", "rk_06", "rk_08", "rk_09", "rk_10", "rk_11",
         "rk_12", "rk_15", "rk_17", "rk_19", "rk_20", "rk_23"]  # fmt: skip


def plant(*, path: Path, as_of: Month) -> int:
    """Plant the cases, give every other pensioner a valid certification, write the truth."""
    planter = _Planter(as_of=as_of, truth=[], batches={}, journal=defaultdict(list))
    _certify_pensioners(as_of)
    for _ in range(CASES_PER_RULE):
        for case in CASES:
            getattr(planter, case)()
    planter.rk_rc("46")
    planter.post_journal()
    with open(path, "w", encoding="utf-8") as out:
        for line in planter.truth:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    return len(planter.truth)


def _certify_pensioners(as_of: Month) -> None:
    """The nation's pensioners were all certified recently (so RK-06 finds only the plants)."""
    today = as_of.first_day()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO risk_certification (person_id, certified_on, valid_until, method) "
            "SELECT id, %s, %s, 'face' FROM contributions_insuredperson p "
            "WHERE status = 'retired' "
            "AND NOT EXISTS (SELECT 1 FROM risk_certification c WHERE c.person_id = p.id)",
            [today - timedelta(days=30), today + timedelta(days=335)],
        )

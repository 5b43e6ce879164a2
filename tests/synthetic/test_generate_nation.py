"""The generate_nation command: a deterministic synthetic nation in the ledger.

Most tests run the command inside the test transaction, which is rolled back afterwards;
the one that needs the deferred balance trigger commits for real (transaction=True).
"""

import hashlib
import io
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Sum
from stdnum.cn import uscc

from contributions.models import (
    ContributionBatch,
    ContributionRecord,
    DeemedService,
    Employer,
    Enrolment,
    FundAccount,
    InsuredPerson,
    JournalEntry,
    JournalLine,
    PersonalAccountEntry,
    ProvincePolicy,
)
from contributions.rules import (
    ContributionBand,
    Month,
    check_id_number,
    employee_contribution,
    flexible_contribution,
    minimum_contribution_months,
)
from synthetic.nation import NATIONAL_DEFAULT_WAGE, synthetic_policies

pytestmark = pytest.mark.django_db

AS_OF = Month(2025, 6)
PERSONS = 300
SEED = 5


def _generate(*, seed: int = SEED, persons: int = PERSONS, stderr=None) -> str:
    out = io.StringIO()
    call_command(
        "generate_nation",
        f"--persons={persons}",
        f"--seed={seed}",
        f"--as-of={AS_OF}",
        stdout=out,
        stderr=stderr or io.StringIO(),
    )
    return out.getvalue()


def _months_between(earlier: date, later: date) -> int:
    return Month.from_date(earlier).months_until(Month.from_date(later))


@pytest.fixture
def nation() -> str:
    return _generate()


# -- pure helpers --------------------------------------------------------------------------


def test_a_synthetic_policy_grows_from_the_nearest_known_year():
    known = {("31", 2023): Decimal("12183"), ("31", 2025): Decimal("12434")}
    rows = synthetic_policies(known_wages=known, provinces=["31"], years=[2022, 2024, 2026])
    wages = {row.year: row.average_wage for row in rows}
    # 2024 is one year from both; the earlier anchor wins.
    assert wages == {
        2022: Decimal("11386"),  # 12183 / 1.07
        2024: Decimal("13036"),  # 12183 × 1.07
        2026: Decimal("13304"),  # 12434 × 1.07
    }
    band = next(row.band for row in rows if row.year == 2026)
    assert band == ContributionBand(Decimal("7982"), Decimal("39912"))


def test_a_province_without_figures_starts_from_the_national_default():
    rows = synthetic_policies(known_wages={}, provinces=["54"], years=[NATIONAL_DEFAULT_WAGE[0]])
    assert rows[0].average_wage == NATIONAL_DEFAULT_WAGE[1]


def test_known_policy_years_are_never_replaced():
    known = {("11", 2024): Decimal("11761")}
    rows = synthetic_policies(known_wages=known, provinces=["11"], years=[2024])
    assert rows == []


# -- the command ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_small_nation_commits_with_one_balanced_entry_per_province():
    progress = io.StringIO()
    output = _generate(stderr=progress)
    # Progress goes to the error stream, a line at each tenth in a log.
    assert f"persons written: {PERSONS:,} of {PERSONS:,} (100 %)" in progress.getvalue()
    assert "years of interest posted" in progress.getvalue()

    assert f"Generated {PERSONS} persons" in output
    assert InsuredPerson.objects.count() == PERSONS
    assert Employer.objects.exists()
    assert Enrolment.objects.count() >= PERSONS
    provinces = set(ContributionRecord.objects.values_list("province_id", flat=True).distinct())
    entries = JournalEntry.objects.filter(description="synthetic nation")
    assert sorted(entries.values_list("batch__province_id", flat=True)) == sorted(provinces)
    for entry in entries:
        lines = entry.lines.all()
        assert {line.province_id for line in lines} == {entry.batch.province_id}
        assert sum(line.amount for line in lines) == 0
        assert entry.event == JournalEntry.Event.CONTRIBUTIONS
    # Every past year's interest, posted year by year through the interest service.
    credited = set(
        PersonalAccountEntry.objects.filter(kind="interest").values_list("interest_year", flat=True)
    )
    first_year = ContributionRecord.objects.order_by("month").first().month.year
    assert credited == set(range(first_year, AS_OF.year))
    interest = JournalEntry.objects.filter(event=JournalEntry.Event.INTEREST)
    assert interest.exists()
    assert all(sum(line.amount for line in e.lines.all()) == 0 for e in interest)


def test_every_id_number_and_credit_code_is_valid(nation):
    for person in InsuredPerson.objects.all():
        check = check_id_number(person.id_number, today=AS_OF.first_day())
        assert check.valid, (person.id_number, check.errors)
        assert check.warnings == []
        assert check.birth_date == person.birth_date
        assert check.sex == person.sex
        assert check.province_code == person.hukou_province_id
        assert 1960 <= person.birth_date.year <= 2004
    for code in Employer.objects.values_list("uscc", flat=True):
        assert uscc.is_valid(code), code


def test_employers_exist_in_every_province(nation):
    with_employers = set(Employer.objects.values_list("province_id", flat=True))
    assert with_employers == set(ContributionBatch.objects.values_list("province_id", flat=True))
    assert len(with_employers) == 32


def _digest_of_a_run(seed: int) -> str:
    """Generate in a savepoint, hash what was written, and roll the savepoint back."""
    with transaction.atomic():
        _generate(seed=seed)
        records = ContributionRecord.objects.order_by(
            "person__id_number", "month", "province_id", "kind"
        ).values_list(
            "person__id_number", "month", "province_id", "kind", "base", "pooling_part",
            "account_part",
        )  # fmt: skip
        persons = InsuredPerson.objects.order_by("id_number").values_list(
            "id_number", "name", "status", "retirement_category", "retired_on", "died_on"
        )
        digest = hashlib.sha256(repr((list(records), list(persons))).encode()).hexdigest()
        transaction.set_rollback(True)
    return digest


def test_the_same_seed_gives_the_same_data_and_another_seed_does_not():
    first = _digest_of_a_run(SEED)
    assert _digest_of_a_run(SEED) == first
    assert _digest_of_a_run(SEED + 1) != first


def test_every_base_lies_in_its_band_and_amounts_follow_the_rules(nation):
    policies = {(p.province_id, p.year): p for p in ProvincePolicy.objects.all()}
    for record in ContributionRecord.objects.all():
        policy = policies[(record.province_id, record.month.year)]
        band = ContributionBand(policy.contribution_floor, policy.contribution_ceiling)
        assert band.contains(record.base), record
        if record.scheme == "employee":
            expected = employee_contribution(
                declared_wage=record.base,
                band=band,
                employer_rate=policy.employer_rate,
                account_rate=policy.employee_rate,
            )
        else:
            expected = flexible_contribution(
                base=record.base,
                band=band,
                total_rate=policy.flexible_total_rate,
                account_rate=policy.flexible_account_rate,
            )
        assert (record.pooling_part, record.account_part) == (
            expected.pooling_part,
            expected.account_part,
        )


def test_flexible_rows_have_no_employer_and_employee_rows_have_one(nation):
    records = ContributionRecord.objects
    assert not records.filter(scheme="flexible", employer__isnull=False).exists()
    assert not records.filter(scheme="employee", employer__isnull=True).exists()


def test_a_few_hundred_persons_include_every_kind_of_career(nation):
    movers = (
        Enrolment.objects.values("person")
        .annotate(provinces=Count("province", distinct=True))
        .filter(provinces__gte=2)
    )
    assert movers.exists()
    assert Enrolment.objects.filter(scheme="flexible").exists()
    assert ContributionRecord.objects.filter(kind="back_payment").exists()
    assert Enrolment.objects.filter(is_temporary_account=True).exists()
    assert ContributionRecord.objects.filter(is_temporary_account=True).exists()
    assert InsuredPerson.objects.filter(status="retired", retired_on__isnull=False).exists()
    assert InsuredPerson.objects.filter(status="deceased", died_on__isnull=False).exists()
    assert set(InsuredPerson.objects.values_list("retirement_category", flat=True)) == {
        "M60",
        "F50",
        "F55",
    }


def test_no_contribution_falls_outside_the_persons_working_life(nation):
    persons = {person.pk: person for person in InsuredPerson.objects.all()}
    for person_id, month in ContributionRecord.objects.values_list("person_id", "month"):
        person = persons[person_id]
        assert month <= AS_OF.first_day()
        assert _months_between(person.birth_date, month) >= 16 * 12
        if person.died_on:
            assert month <= person.died_on
        if person.retired_on:
            # Contributions stop before the pension starts (risk rule RK-03).
            assert month < person.retired_on


def test_service_before_the_ledger_is_deemed_where_the_first_enrolment_was(nation):
    """Persons whose working life began before 1998 get deemed months (视同缴费) up to 1997-12
    in the province of their first enrolment, which then starts in 1998-01; nobody else."""
    deemed = {row.person_id: row for row in DeemedService.objects.all()}
    assert deemed
    first = {}
    for enrolment in Enrolment.objects.order_by("person", "start_month", "pk"):
        first.setdefault(enrolment.person_id, enrolment)
    for person in InsuredPerson.objects.all():
        enrolment = first[person.pk]
        row = deemed.get(person.pk)
        if enrolment.start_month > date(1998, 1, 1):
            assert row is None
        if row is not None:
            assert (row.province_id, row.until_month) == (enrolment.province_id, date(1997, 12, 1))
            assert enrolment.start_month == date(1998, 1, 1)
            # Deemed service, like paid service, begins at 16 or later.
            assert 0 < row.months <= _months_between(person.birth_date, date(1998, 1, 1)) - 16 * 12


def test_every_pensioner_has_the_minimum_years_and_the_others_wait(nation):
    """Paid and deemed months reach the retirement year's minimum for every pensioner (RK-19
    stays quiet on the nation); some persons past the age without them stay insured."""
    retired = InsuredPerson.objects.filter(retired_on__isnull=False)
    assert retired.exists()
    paid = dict(
        ContributionRecord.objects.filter(person__in=retired)
        .values_list("person")
        .annotate(months=Count("month", distinct=True))
    )
    deemed = dict(
        DeemedService.objects.filter(person__in=retired)
        .values_list("person")
        .annotate(months=Sum("months"))
    )
    for person in retired:
        months = paid.get(person.pk, 0) + deemed.get(person.pk, 0)
        assert months >= minimum_contribution_months(person.retired_on.year)
    assert Enrolment.objects.filter(status="suspended", person__status="active").exists()


def test_back_payments_are_paid_after_their_month(nation):
    for month, paid_on in ContributionRecord.objects.filter(kind="back_payment").values_list(
        "month", "paid_on"
    ):
        assert month < paid_on <= AS_OF.first_day()


def test_each_contribution_lies_in_an_enrolment_of_the_same_relationship(nation):
    spans = defaultdict(list)
    for enrolment in Enrolment.objects.all():
        key = (
            enrolment.person_id,
            enrolment.province_id,
            enrolment.scheme,
            enrolment.employer_id,
            enrolment.is_temporary_account,
        )
        spans[key].append((enrolment.start_month, enrolment.end_month or AS_OF.first_day()))
    for record in ContributionRecord.objects.all():
        key = (
            record.person_id,
            record.province_id,
            record.scheme,
            record.employer_id,
            record.is_temporary_account,
        )
        assert any(start <= record.month <= end for start, end in spans[key]), record


def test_only_active_persons_have_an_open_enrolment_and_it_is_their_latest(nation):
    for person in InsuredPerson.objects.prefetch_related("enrolments", "deemed_service"):
        enrolments = sorted(person.enrolments.all(), key=lambda e: e.start_month)
        open_ones = [e for e in enrolments if e.end_month is None]
        if person.status == "active" and enrolments[-1].status == "suspended":
            # Past the statutory age without the minimum years: insured, not paid a pension.
            assert open_ones == []
            months = sum(_months_between(e.start_month, e.end_month) + 1 for e in enrolments)
            deemed = sum(row.months for row in person.deemed_service.all())
            assert months + deemed < 180
        elif person.status == "active":
            assert open_ones == [enrolments[-1]]
            assert enrolments[-1].status == "active"
        else:
            assert open_ones == []
        for earlier, later in zip(enrolments, enrolments[1:], strict=False):
            assert earlier.end_month < later.start_month
            moved = earlier.province_id != later.province_id
            assert earlier.status == ("transferred_out" if moved else "closed")


def test_temporary_accounts_follow_the_age_and_hukou_rule(nation):
    """GIVEN a temporary account WHEN it opened THEN it was after 2010, outside the hukou
    province, with a man of 50 or more or a woman of 40 or more (spec §3.4)."""
    for enrolment in Enrolment.objects.filter(is_temporary_account=True).select_related("person"):
        person = enrolment.person
        assert enrolment.start_month >= date(2010, 1, 1)
        assert enrolment.province_id != person.hukou_province_id
        age = _months_between(person.birth_date, enrolment.start_month)
        assert age >= (50 * 12 if person.sex == "M" else 40 * 12)


def test_account_parts_equal_the_account_liability_per_province(nation):
    sums = {
        row["province_id"]: row
        for row in ContributionRecord.objects.values("province_id").annotate(
            pooling=Sum("pooling_part"), account=Sum("account_part"), rows=Count("id")
        )
    }
    lines = defaultdict(dict)
    for province, account, amount in JournalLine.objects.filter(
        entry__description="synthetic nation"
    ).values_list("province_id", "account", "amount"):
        lines[province][account] = amount
    assert set(lines) == set(sums)
    for province, row in sums.items():
        assert lines[province][FundAccount.ACCOUNT_LIABILITY] == -row["account"]
        assert lines[province][FundAccount.POOLING_FUND] == -row["pooling"]
        assert lines[province][FundAccount.RECEIPTS_IN_TRANSIT] == row["pooling"] + row["account"]
        batch = ContributionBatch.objects.get(province_id=province, source="generate_nation")
        assert batch.row_count == row["rows"]


def test_missing_policy_years_are_created_as_approximate_and_seeded_rows_are_kept():
    seeded = {
        (p.province_id, p.year): (p.average_wage, p.contribution_floor, p.source)
        for p in ProvincePolicy.objects.all()
    }
    _generate()

    policies = ProvincePolicy.objects.all()
    assert policies.count() == 32 * (AS_OF.year - 1998 + 1)
    for policy in policies:
        key = (policy.province_id, policy.year)
        if key in seeded:
            assert (policy.average_wage, policy.contribution_floor, policy.source) == seeded[key]
        else:
            assert policy.is_approximate
            assert policy.source == f"synthetic: generate_nation seed {SEED}"
            assert policy.pension_base == policy.average_wage
            assert policy.contribution_ceiling == policy.average_wage * 3


def test_a_second_run_on_a_non_empty_ledger_is_refused_and_writes_nothing(nation):
    before = (
        InsuredPerson.objects.count(),
        ContributionRecord.objects.count(),
        JournalEntry.objects.count(),
        ProvincePolicy.objects.count(),
    )
    with pytest.raises(CommandError, match="already has 300 insured persons"):
        _generate(seed=SEED + 1)
    after = (
        InsuredPerson.objects.count(),
        ContributionRecord.objects.count(),
        JournalEntry.objects.count(),
        ProvincePolicy.objects.count(),
    )
    assert after == before


def test_it_is_refused_in_production(settings):
    settings.ENVIRONMENT = "production"
    with pytest.raises(CommandError, match="refused in production"):
        _generate()
    assert not InsuredPerson.objects.exists()


def test_an_as_of_month_in_the_future_is_refused():
    with pytest.raises(CommandError, match="--as-of must lie between"):
        call_command("generate_nation", "--persons=1", "--as-of=2999-01")


def test_if_empty_keeps_a_non_empty_ledger_and_succeeds(nation):
    before = ContributionRecord.objects.count()
    out = io.StringIO()
    call_command("generate_nation", "--persons=10", f"--as-of={AS_OF}", "--if-empty", stdout=out)
    assert "already has 300 insured persons; kept" in out.getvalue()
    assert ContributionRecord.objects.count() == before

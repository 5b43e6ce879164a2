"""Fill an empty ledger with a deterministic synthetic nation (demo and load-test data).

    manage.py generate_nation --persons 100000 --seed 1 [--as-of 2025-06]

Steps, all in one transaction so that a failure leaves the ledger as it was:
1. refuse a ledger that already has persons, unless adding to it (and refuse production
   outright);
2. create the missing (province, year) policy rows, marked approximate;
3. COPY employers, then persons, enrolments, deemed service (before 1998) and contribution
   records, streamed in chunks of persons so memory stays bounded whatever the size;
4. post one balanced journal entry per province from sums over the rows just written.

The same size, seed, as-of month and policy table give the same rows. Timestamps are
derived from the months, never from the clock, and public ids from the seed.
"""

import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from psycopg import Cursor, sql

from accounts.models import Agency, Province
from contributions.accounting import interest_post_year
from contributions.batches import contribution_journal_lines
from contributions.models import (
    ContributionBatch,
    Employer,
    InsuredPerson,
    JournalEntry,
    ProvincePolicy,
)
from contributions.rules import CHINA_TIME, ContributionBand, Month
from contributions.services import journal_post, record_changed
from synthetic.anomalies import plant
from synthetic.nation import (
    LEDGER_START,
    PROVINCES,
    REGULAR,
    Nation,
    PersonSeed,
    Policy,
    span_segments,
    synthetic_policies,
)

# progress(what, done, total)
Progress = Callable[[str, int, int], None]

PERSONS_PER_CHUNK = 2000
LINES_PER_WRITE = 50_000
BATCH_SOURCE = "generate_nation"
# Public ids are uuid5 names under this namespace, so a seed always gives the same ones.
PUBLIC_ID_NAMESPACE = uuid.UUID("6f1d3c5e-2b7a-4d0e-9c41-8a2f5b0e7d13")
SYNTHETIC_EMPLOYER_RATE = Decimal("0.16")
SYNTHETIC_TRANSITIONAL_COEFFICIENT = Decimal("0.012")

COPIED_TABLES = [
    "contributions_employer",
    "contributions_insuredperson",
    "contributions_enrolment",
    "contributions_deemedservice",
    "contributions_contributionrecord",
]
PERSON_COLUMNS = (
    "id, id_number, name, birth_date, sex, hukou_province_id, retirement_category, status,"
    " retired_on, died_on, created_at, updated_at"
)
EMPLOYER_COLUMNS = "id, uscc, name, province_id, agency_id, created_at"
DEEMED_COLUMNS = "person_id, province_id, months, until_month, created_at"
ENROLMENT_COLUMNS = (
    "person_id, province_id, scheme, employer_id, start_month, end_month, status,"
    " is_temporary_account, created_at, updated_at"
)
# The order lets a row be one prefix per span and year plus one suffix per month.
CONTRIBUTION_COLUMNS = (
    "person_id, province_id, employer_id, scheme, kind, is_temporary_account, batch_id,"
    " reason, base, pooling_part, account_part, month, paid_on, posted_at"
)


class GenerationRefused(Exception):
    """The nation cannot be written here: production, a ledger in use, a bad argument."""


@dataclass(frozen=True)
class Generated:
    """What `nation_generate` did: the rows it wrote, or the persons it found and kept."""

    counts: dict[str, int] | None
    existing: int = 0
    planted: int | None = None


def nation_generate(
    *,
    persons: int,
    seed: int,
    as_of: Month | None,
    if_empty: bool,
    anomalies: Path | None,
    progress: Progress | None = None,
    add: bool = False,
) -> Generated:
    """Write a nation into an empty ledger, in one transaction (see the module docstring);
    `progress(what, done, total)` hears of each chunk of persons and year of interest.

    `add`: write `persons` more persons (and their employers) beside those already there,
    with other ID numbers; a seed gives its batches, so it is used once. The added
    accounts are credited no interest.
    """
    if settings.ENVIRONMENT == "production":
        raise GenerationRefused(
            "generate_nation writes synthetic people and is refused in production."
        )
    current = Month.from_date(datetime.now(CHINA_TIME).date())
    as_of = as_of or current
    if persons < 1:
        raise GenerationRefused("--persons must be at least 1.")
    if not LEDGER_START <= as_of <= current:
        raise GenerationRefused(f"--as-of must lie between {LEDGER_START} and {current}.")
    with transaction.atomic():
        existing = InsuredPerson.objects.count()
        if existing and if_empty:
            return Generated(counts=None, existing=existing)
        if existing and not add:
            raise GenerationRefused(
                f"The ledger already has {existing} insured persons; generate_nation only "
                "fills an empty ledger."
            )
        writer = _NationWriter(persons=persons, seed=seed, as_of=as_of, add=add)
        counts = writer.write(progress or (lambda what, done, total: None))
        planted = plant(path=anomalies, as_of=as_of) if anomalies else None
    return Generated(counts=counts, planted=planted)


class _NationWriter:
    """Writes one nation; the caller holds the transaction."""

    cursor: Cursor[Any]  # the psycopg cursor under Django's, for COPY; set by write()

    def __init__(self, *, persons: int, seed: int, as_of: Month, add: bool = False) -> None:
        self.total_persons = persons
        self.seed = seed
        self.add = add
        if (
            add
            and ContributionBatch.objects.filter(
                public_id=self._public_id("batch", PROVINCES[0])
            ).exists()
        ):
            raise GenerationRefused(f"Seed {seed} has been used in this ledger; choose another.")
        self.as_of = as_of
        self.stamp = datetime(as_of.year, as_of.month, 1, tzinfo=CHINA_TIME)
        names = dict(Province.objects.values_list("code", "name_zh"))
        missing = sorted(set(PROVINCES) - set(names))
        if missing:
            raise GenerationRefused(f"Provinces missing from the reference data: {missing}.")
        self.policies = self._policies()
        self.nation = Nation(
            persons=persons,
            seed=seed,
            as_of=as_of,
            province_names=names,
            taken_id_numbers=set(InsuredPerson.objects.values_list("id_number", flat=True))
            if add
            else set(),
            taken_usccs=set(Employer.objects.values_list("uscc", flat=True)) if add else set(),
        )
        self.employer_ids: list[int] = []
        # Month.index -> "YYYY-MM-01" for every month a row can name or be paid in.
        self.days = {
            index: Month.from_index(index).first_day().isoformat()
            for index in range(LEDGER_START.index, as_of.index + 1)
        }
        # A regular month is paid and posted on its first day: month, paid_on, posted_at.
        self.regular_tails = {
            index: f"{day}\t{day}\t{day} 00:00:00+08\n" for index, day in self.days.items()
        }

    def write(self, progress: Progress) -> dict[str, int]:
        counts = {
            "persons": 0,
            "employers": 0,
            "enrolments": 0,
            "deemed_service": 0,
            "contributions": 0,
            "interest_years": 0,
        }
        with connection.cursor() as cursor:
            self.cursor = cursor.cursor
            self._check_references_per_statement()
            counts["employers"] = self._write_employers()
            batches = self._create_batches()
            for chunk in _chunks(self.nation.persons(), PERSONS_PER_CHUNK):
                person_ids = self._reserve_ids("contributions_insuredperson", len(chunk))
                self._write_persons(chunk, person_ids)
                counts["persons"] += len(chunk)
                counts["enrolments"] += self._write_enrolments(chunk, person_ids)
                counts["deemed_service"] += self._write_deemed_service(chunk, person_ids)
                counts["contributions"] += self._write_contributions(chunk, person_ids, batches)
                progress("persons written", counts["persons"], self.total_persons)
            self._post_journal(batches)
        if not self.add:
            counts["interest_years"] = self._post_interest(progress)
        return counts

    def _post_interest(self, progress: Progress) -> int:
        """Every past year's interest, year by year through the ledger's interest service, as
        year-end runs would have posted it (so a later true-up works as in production)."""
        years = range(LEDGER_START.year, self.as_of.year)
        for done, year in enumerate(years, start=1):
            interest_post_year(year=year)
            progress("years of interest posted", done, len(years))
        return len(years)

    def _check_references_per_statement(self) -> None:
        """Check the copied tables' foreign keys at the end of each COPY, not at commit.

        Django declares foreign keys DEFERRABLE INITIALLY DEFERRED. Deferred, ten million
        rows would queue tens of millions of pending checks in server memory until commit;
        checked per chunk, the same checks run in the same transaction with bounded memory.
        The journal's balance triggers stay deferred.
        """
        self.cursor.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'f' AND condeferrable"
            " AND conrelid = ANY(%s::regclass[]) ORDER BY conname",
            [COPIED_TABLES],
        )
        names = [sql.Identifier(row[0]) for row in self.cursor.fetchall()]
        self.cursor.execute(
            sql.SQL("SET CONSTRAINTS {} IMMEDIATE").format(sql.SQL(", ").join(names))
        )

    # -- policy parameters ----------------------------------------------------------------

    def _policies(self) -> dict[tuple[str, int], Policy]:
        """Every (province, year) the nation can touch, creating missing rows as approximate."""
        years = range(LEDGER_START.year, self.as_of.year + 1)
        known = {
            (row.province_id, row.year): row.average_wage for row in ProvincePolicy.objects.all()
        }
        ProvincePolicy.objects.bulk_create(
            ProvincePolicy(
                province_id=row.province,
                year=row.year,
                average_wage=row.average_wage,
                contribution_floor=row.band.floor,
                contribution_ceiling=row.band.ceiling,
                employer_rate=SYNTHETIC_EMPLOYER_RATE,
                pension_base=row.average_wage,
                transitional_coefficient=SYNTHETIC_TRANSITIONAL_COEFFICIENT,
                is_approximate=True,
                source=f"synthetic: generate_nation seed {self.seed}",
            )
            for row in synthetic_policies(known_wages=known, provinces=PROVINCES, years=years)
        )
        return {
            (row.province_id, row.year): Policy(
                average_wage=row.average_wage,
                band=ContributionBand(row.contribution_floor, row.contribution_ceiling),
                employer_rate=row.employer_rate,
                employee_rate=row.employee_rate,
                flexible_total_rate=row.flexible_total_rate,
                flexible_account_rate=row.flexible_account_rate,
            )
            for row in ProvincePolicy.objects.filter(year__in=years)
        }

    # -- reference rows -------------------------------------------------------------------

    def _reserve_ids(self, table: str, count: int) -> list[int]:
        """Take ``count`` ids from the table's sequence, so rows can be linked before COPY."""
        self.cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        return [row[0] for row in self.cursor.fetchall()]

    def _write_employers(self) -> int:
        employers = self.nation.employers
        self.employer_ids = self._reserve_ids("contributions_employer", len(employers))
        agencies = dict(
            Agency.objects.filter(level=Agency.Level.PROVINCE).values_list("province_id", "id")
        )
        with self.cursor.copy(
            f"COPY contributions_employer ({EMPLOYER_COLUMNS}) FROM STDIN"
        ) as copy:
            for employer, employer_id in zip(employers, self.employer_ids, strict=True):
                copy.write_row(
                    (
                        employer_id,
                        employer.uscc,
                        employer.name,
                        employer.province,
                        agencies.get(employer.province),
                        self.stamp,
                    )
                )
        return len(employers)

    def _create_batches(self) -> dict[str, int]:
        """One batch per province, every contribution row of that province in it."""
        batches = {}
        for province in PROVINCES:
            self.cursor.execute(
                "INSERT INTO contributions_contributionbatch"
                " (public_id, province_id, source, row_count, received_at)"
                " VALUES (%s, %s, %s, 0, %s) RETURNING id",
                [self._public_id("batch", province), province, BATCH_SOURCE, self.stamp],
            )
            batches[province] = self.cursor.fetchone()[0]
        return batches

    def _public_id(self, kind: str, province: str) -> uuid.UUID:
        return uuid.uuid5(PUBLIC_ID_NAMESPACE, f"{kind}/{province}/{self.seed}")

    # -- the person sub-ledger ------------------------------------------------------------

    def _write_persons(self, chunk: Sequence[PersonSeed], ids: Sequence[int]) -> None:
        with self.cursor.copy(
            f"COPY contributions_insuredperson ({PERSON_COLUMNS}) FROM STDIN"
        ) as copy:
            for person, person_id in zip(chunk, ids, strict=True):
                copy.write_row(
                    (
                        person_id,
                        person.id_number,
                        person.name,
                        person.birth_date,
                        person.sex,
                        person.hukou_province,
                        person.retirement_category,
                        person.status,
                        person.retired_on,
                        person.died_on,
                        self.stamp,
                        self.stamp,
                    )
                )

    def _write_enrolments(self, chunk: Sequence[PersonSeed], ids: Sequence[int]) -> int:
        written = 0
        with self.cursor.copy(
            f"COPY contributions_enrolment ({ENROLMENT_COLUMNS}) FROM STDIN"
        ) as copy:
            for person, person_id in zip(chunk, ids, strict=True):
                for span in person.spans:
                    open_span = span.status == "active"
                    copy.write_row(
                        (
                            person_id,
                            span.province,
                            span.scheme,
                            None if span.employer is None else self.employer_ids[span.employer],
                            Month.from_index(span.start).first_day(),
                            None if open_span else Month.from_index(span.end).first_day(),
                            span.status,
                            span.is_temporary_account,
                            self.stamp,
                            self.stamp,
                        )
                    )
                    written += 1
        return written

    def _write_deemed_service(self, chunk: Sequence[PersonSeed], ids: Sequence[int]) -> int:
        until_month = (LEDGER_START - 1).first_day()
        written = 0
        with self.cursor.copy(
            f"COPY contributions_deemedservice ({DEEMED_COLUMNS}) FROM STDIN"
        ) as copy:
            for person, person_id in zip(chunk, ids, strict=True):
                if person.deemed_months:
                    province = person.spans[0].province
                    copy.write_row(
                        (person_id, province, person.deemed_months, until_month, self.stamp)
                    )
                    written += 1
        return written

    def _write_contributions(
        self, chunk: Sequence[PersonSeed], ids: Sequence[int], batches: dict[str, int]
    ) -> int:
        # Millions of rows: write_row per row costs more than generating the row, so the
        # rows are formatted here as COPY text (no value can contain a tab or backslash).
        written = 0
        lines: list[str] = []
        with self.cursor.copy(
            f"COPY contributions_contributionrecord ({CONTRIBUTION_COLUMNS}) FROM STDIN"
        ) as copy:
            for lines_of_person in (
                self._contribution_lines(person, person_id, batches)
                for person, person_id in zip(chunk, ids, strict=True)
            ):
                lines.extend(lines_of_person)
                if len(lines) >= LINES_PER_WRITE:
                    copy.write("".join(lines))
                    written += len(lines)
                    lines = []
            copy.write("".join(lines))
            written += len(lines)
        record_changed(ids)
        return written

    def _contribution_lines(
        self, person: PersonSeed, person_id: int, batches: dict[str, int]
    ) -> Iterator[str]:
        for span in person.spans:
            employer = r"\N" if span.employer is None else self.employer_ids[span.employer]
            before_kind = f"{person_id}\t{span.province}\t{employer}\t{span.scheme}\t"
            temporary = "t" if span.is_temporary_account else "f"
            after_kind = f"\t{temporary}\t{batches[span.province]}\t\t"  # reason: empty
            for segment in span_segments(span, self.policies):
                split = segment.split
                head = (
                    f"{before_kind}{segment.kind}{after_kind}"
                    f"{split.base}\t{split.pooling_part}\t{split.account_part}\t"
                )
                if segment.kind == REGULAR:
                    tails = self.regular_tails
                    yield from (head + tails[m] for m in range(segment.first, segment.last + 1))
                else:
                    paid = self.days[segment.paid_in]
                    tail = f"\t{paid}\t{paid} 00:00:00+08\n"
                    days = self.days
                    yield from (
                        head + days[m] + tail for m in range(segment.first, segment.last + 1)
                    )

    # -- the fund journal -----------------------------------------------------------------

    def _post_journal(self, batches: dict[str, int]) -> None:
        """One balanced entry per province, posted as the batch service posts it."""
        cursor = self.cursor
        cursor.execute(
            "SELECT province_id, batch_id, count(*), sum(pooling_part), sum(account_part)"
            " FROM contributions_contributionrecord WHERE batch_id = ANY(%s)"
            " GROUP BY province_id, batch_id ORDER BY province_id",
            [list(batches.values())],
        )
        for province, batch_id, rows, pooling, account in cursor.fetchall():
            ContributionBatch.objects.filter(pk=batch_id).update(row_count=rows)
            journal_post(
                event=JournalEntry.Event.CONTRIBUTIONS,
                description="synthetic nation",
                batch=ContributionBatch.objects.get(pk=batch_id),
                lines=contribution_journal_lines(province, pooling=pooling, account=account),
                public_id=self._public_id("journal", province),
                posted_at=self.stamp,
            )


def _chunks(items: Iterable[PersonSeed], size: int) -> Iterator[list[PersonSeed]]:
    chunk: list[PersonSeed] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk

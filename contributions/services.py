"""Every write to the ledger: one function per business action, one transaction each.

Services validate with `rules.py`, write rows, and post the fund journal. They raise
`LedgerError` (one problem) or `BatchRejected` (row-level problems of a batch) with stable
codes, which the API, the admin and the pages turn into their own error shapes.
"""

import base64
import hashlib
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from accounts import scope
from accounts.models import Agency, Province, User
from accounts.scope import Principal
from accounts.services import audit_record
from contributions import rules
from contributions.models import (
    ContributionBatch,
    ContributionKind,
    ContributionRecord,
    CorrectionCase,
    DeemedService,
    Employer,
    Enrolment,
    FundAccount,
    InsuredPerson,
    JournalEntry,
    JournalLine,
    RetirementCategory,
    Scheme,
    Statement,
    SuspenseItem,
    SuspenseReinstatement,
)
from contributions.selectors import contribution_months, last_paid_month, record_version_key
from risk import checks as risk_checks
from risk import services as risk_services
from risk.checks import Finding, RuleSetting
from risk.models import BackPaymentEvidence, BenefitPayment, Certification
from transfers import rules as transfer_rules


class LedgerError(Exception):
    """A business action refused, with a stable code and the field it concerns.

    `kind`: "invalid" (the request is wrong), "conflict" (the ledger's state forbids it) or
    "forbidden" (the caller may not do it to this row).
    """

    def __init__(
        self, code: str, message: str, *, field: str | None = None, kind: str = "invalid"
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.kind = kind


@dataclass(frozen=True)
class RowError:
    """Why one row of a batch was refused."""

    index: int
    field: str
    code: str
    message: str


class BatchRejected(Exception):
    """A batch was refused as a whole; nothing of it was written."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} row error(s); nothing was written")
        self.errors = errors


def _today() -> date:
    return timezone.localdate()


# --- Persons, employers, enrolments ------------------------------------------------------


def default_retirement_category(sex: rules.Sex) -> str:
    """Men M60; women F50 (workers) until an enrolment or a caseworker says otherwise."""
    return RetirementCategory.M60 if sex == "M" else RetirementCategory.F50


def person_upsert(
    *,
    id_number: str,
    name: str,
    hukou_province: str,
    retirement_category: str | None = None,
    mobile: str | None = None,
    by: Principal | None = None,
) -> tuple[InsuredPerson, bool]:
    """Register an insured person (参保登记) or update name, hukou and mobile number; returns
    (person, created). A mobile number left out (None) stays as it was.

    Birth date and sex come from the ID number and are never taken from the caller. A
    person is registered once in the nation: a principal that does not see the person
    updates nothing. A hukou moves only into a province the principal writes (the new
    hukou's province reports the move), and the move is recorded.
    """
    check = rules.check_id_number(id_number, today=_today())
    if not check.valid or check.birth_date is None or check.sex is None:
        issue = check.errors[0]
        raise LedgerError(f"id_number_{issue.code}", issue.message, field="id_number")
    name = _required_name(name)
    if not Province.objects.filter(code=hukou_province).exists():
        raise LedgerError(
            "unknown_province", f"no province {hukou_province}", field="hukou_province"
        )
    if retirement_category is not None:
        _check_category(retirement_category, check.sex)
    with transaction.atomic():
        person = InsuredPerson.objects.select_for_update().filter(id_number=check.number).first()
        if person is None:
            person = InsuredPerson.objects.create(
                id_number=check.number,
                name=name,
                birth_date=check.birth_date,
                sex=check.sex,
                hukou_province_id=hukou_province,
                retirement_category=retirement_category or default_retirement_category(check.sex),
                mobile=mobile or "",
            )
            return person, True
        if by is not None and not scope.persons(by).filter(pk=person.pk).exists():
            raise LedgerError(
                "person_registered",
                "This ID number is registered in the national ledger; open an enrolment to "
                "insure the person here.",
                field="id_number",
                kind="conflict",
            )
        if person.hukou_province_id != hukou_province:
            if by is not None and not scope.may_write_province(by, hukou_province):
                raise LedgerError(
                    "hukou_not_yours",
                    "A hukou moves only into the caller's own province; the new hukou's "
                    "province reports the move.",
                    field="hukou_province",
                    kind="forbidden",
                )
            audit_record(
                actor=by,
                action="person_hukou_change",
                subject=f"person:{person.pk}",
                detail={"from": person.hukou_province_id, "to": hukou_province},
            )
        person.name = name
        person.hukou_province_id = hukou_province
        fields = ["name", "hukou_province", "updated_at"]
        if retirement_category is not None:
            person.retirement_category = retirement_category
            fields.append("retirement_category")
        if mobile is not None:
            person.mobile = mobile
            fields.append("mobile")
        person.save(update_fields=fields)
        return person, False


def _check_category(category: str, sex: rules.Sex) -> None:
    if category not in RetirementCategory.values:
        raise LedgerError(
            "invalid_category", f"{category} is not M60, F55 or F50", field="retirement_category"
        )
    if (category == RetirementCategory.M60) != (sex == "M"):
        raise LedgerError(
            "category_sex_mismatch",
            f"{category} is not a retirement category for a {'man' if sex == 'M' else 'woman'}",
            field="retirement_category",
        )


def statement_record(
    *, person: InsuredPerson, as_of: date, issued_at: datetime, code: str, pdf: bytes
) -> Statement:
    """Record an issued statement (个人权益记录单): its code and the hash of its file, and the
    masked identity the paper shows, so that anyone holding it can have it confirmed."""
    return Statement.objects.create(
        code=code,
        person=person,
        as_of=as_of,
        issued_at=issued_at,
        sha256=hashlib.sha256(pdf).hexdigest(),
        masked_id_number=person.masked_id_number,
        name_initial=person.name[:1],
    )


def statement_code() -> str:
    """A new code for a statement: 16 characters of base32, about 80 random bits."""
    return base64.b32encode(secrets.token_bytes(10)).decode("ascii")


def _required_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise LedgerError("name_required", "a name is required", field="name")
    return name


def find_person(id_number: str) -> InsuredPerson | None:
    """The person with this ID number (any case of the X, any spacing), if registered."""
    return InsuredPerson.objects.filter(id_number="".join(id_number.split()).upper()).first()


def employer_register(*, uscc: str, name: str, province: str) -> tuple[Employer, bool]:
    """Register an employer (参保单位登记) by its credit code, or rename the province's own;
    returns (employer, created). A code registered by another province is refused: an
    employer never changes province through registration."""
    from stdnum.cn import uscc as uscc_format

    code = uscc_format.compact(uscc)
    if not uscc_format.is_valid(code):
        raise LedgerError("uscc_invalid", f"{uscc} is not a valid credit code", field="uscc")
    name = _required_name(name)
    with transaction.atomic():
        employer, created = Employer.objects.select_for_update().get_or_create(
            uscc=code, defaults={"name": name, "province_id": province}
        )
        if created:
            return employer, True
        if employer.province_id != province:
            raise LedgerError(
                "uscc_registered_elsewhere",
                "This credit code is registered by another province.",
                field="uscc",
                kind="conflict",
            )
        if employer.name != name:
            employer.name = name
            employer.save(update_fields=["name"])
    return employer, False


def enrolment_open(
    *,
    person: InsuredPerson,
    province: str,
    scheme: str,
    start_month: rules.Month,
    employer: Employer | None = None,
    agency: Agency | None = None,
    is_temporary_account: bool = False,
    organisational_transfer: bool = False,
) -> tuple[Enrolment, bool]:
    """Open an insurance relationship (参保关系) of a person in a province; returns
    (enrolment, created). Opening the same relationship again (person, province, employer,
    start month, still active) returns the first one. Takes the person's row lock, so
    openings for one person queue and RK-01 sees the one before.

    The start month is at most next month (增员 is reported ahead by one month at most). The
    agency is the employer's unless named. In-process risk rules: RK-01 (another active
    relationship) and RK-17 (a temporary account is required at this age outside the hukou
    province).
    """
    if scheme == Scheme.EMPLOYEE and employer is None:
        raise LedgerError("employer_required", "an employee enrolment names its employer")
    if scheme == Scheme.FLEXIBLE and employer is not None:
        raise LedgerError("employer_not_allowed", "flexible employment has no employer")
    latest = rules.Month.from_date(_today()) + 1
    if start_month > latest:
        raise LedgerError(
            "start_in_future",
            f"an enrolment starts in {latest} at the latest",
            field="start_month",
        )
    if agency is None and employer is not None:
        agency = employer.agency
    if agency is not None and agency.province_id != province:
        raise LedgerError(
            "agency_elsewhere", f"the agency is not in province {province}", field="agency"
        )
    with transaction.atomic():
        # Openings for one person queue here, so two at once cannot both pass RK-01.
        InsuredPerson.objects.select_for_update().filter(pk=person.pk).first()
        earlier = Enrolment.objects.filter(
            person=person,
            province_id=province,
            employer=employer,
            start_month=start_month.first_day(),
            scheme=scheme,
            status=Enrolment.Status.ACTIVE,
        ).first()
        if earlier is not None:
            return earlier, False
        [enrolment] = enrolments_open_together(
            persons=[person],
            province=province,
            scheme=scheme,
            start_month=start_month,
            employer=employer,
            agency=agency,
            is_temporary_account=is_temporary_account,
            organisational_transfer=organisational_transfer,
        )
    return enrolment, True


def enrolments_open_together(
    *,
    persons: Sequence[InsuredPerson],
    province: str,
    scheme: str,
    start_month: rules.Month,
    employer: Employer | None,
    agency: Agency | None,
    is_temporary_account: bool = False,
    organisational_transfer: bool = False,
) -> list[Enrolment]:
    """Open one relationship for each person, alike but for the person (an employer's staff
    moving together), with `enrolment_open`'s in-process rules read for all of them in two
    queries: RK-01 and RK-17. Takes the persons' row locks, in order."""
    ids = sorted(person.pk for person in persons)
    list(InsuredPerson.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    other_active: dict[int, set[str]] = {}
    for person_id, other in (
        Enrolment.objects.filter(person_id__in=ids, status=Enrolment.Status.ACTIVE)
        .exclude(province_id=province)
        .values_list("person_id", "province_id")
    ):
        other_active.setdefault(person_id, set()).add(other)
    held_normal_here = set(
        Enrolment.objects.filter(
            person_id__in=ids, province_id=province, is_temporary_account=False
        ).values_list("person_id", flat=True)
    )
    settings = risk_services.rule_settings(["RK-01", "RK-17"])
    for person in persons:
        findings = risk_checks.enrolment_checks(
            sex=person.sex,
            birth_date=person.birth_date,
            hukou_province=person.hukou_province_id,
            province=province,
            start_month=start_month,
            is_temporary_account=is_temporary_account,
            organisational_transfer=organisational_transfer,
            other_active_provinces=other_active.get(person.pk, set()),
            held_normal_relationship_here=person.pk in held_normal_here,
            settings=settings,
        )
        if findings:
            risk_enforce(findings, settings, province, person.pk)
    return Enrolment.objects.bulk_create(
        Enrolment(
            person=person,
            province_id=province,
            scheme=scheme,
            employer=employer,
            agency=agency,
            start_month=start_month.first_day(),
            is_temporary_account=is_temporary_account,
            is_organisational_transfer=organisational_transfer,
        )
        for person in persons
    )


def risk_enforce(
    findings: list[Finding],
    settings: dict[str, RuleSetting],
    province: str,
    person_id: int,
    subject: str | None = None,
) -> None:
    """Settle in-process findings: file the warnings, refuse the action on a blocking one."""
    blocking = risk_services.inprocess_settle(
        findings=findings,
        settings=settings,
        province=province,
        person_id=person_id,
        subject=subject,
    )
    if blocking:
        raise LedgerError(blocking[0].code, blocking[0].message)


def person_retire(
    *, person: InsuredPerson, month: rules.Month, special_route: bool = False
) -> InsuredPerson:
    """Approve a retirement claim (退休审批): the person receives a pension from `month`.

    Never after the latest month of the flexible window (§6.4). In-process risk rules:
    RK-12 (before the earliest permitted month, unless an approved special-type or
    disability route applies) and RK-19 (minimum contribution months).
    """
    with transaction.atomic():
        person = InsuredPerson.objects.select_for_update().get(pk=person.pk)
        if person.status != InsuredPerson.Status.ACTIVE:
            raise LedgerError("not_active", f"the person is {person.status}", field="status")
        _, latest = rules.flexible_window(
            birth_month=rules.Month.from_date(person.birth_date),
            category=rules.RetirementCategory(person.retirement_category),
        )
        if month > latest:
            raise LedgerError(
                "after_latest_month",
                f"retirement in {month} is after the latest permitted month {latest} "
                "(弹性延迟: at most 36 months after the statutory month)",
                field="month",
            )
        settings = risk_services.rule_settings(["RK-12", "RK-19"])
        findings = risk_checks.retirement_checks(
            birth_date=person.birth_date,
            category=person.retirement_category,
            requested=month,
            contribution_months=contribution_months(person_id=person.pk, before=month),
            special_route=special_route,
            settings=settings,
        )
        risk_enforce(findings, settings, province=person.hukou_province_id, person_id=person.pk)
        person.status = InsuredPerson.Status.RETIRED
        person.retired_on = month.first_day()
        person.retirement_route = "special" if special_route else "statutory"
        person.save(update_fields=["status", "retired_on", "retirement_route", "updated_at"])
    return person


def enrolment_end(*, enrolment: Enrolment, status: str, end_month: rules.Month) -> Enrolment:
    """Suspend (中断) or close (终止) an active relationship at the end of `end_month`."""
    if status not in (Enrolment.Status.SUSPENDED, Enrolment.Status.CLOSED):
        raise LedgerError("invalid_status", f"cannot end an enrolment as {status}")
    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if enrolment.status != Enrolment.Status.ACTIVE:
            raise LedgerError(
                "not_active",
                f"the enrolment is {enrolment.status}, not active",
                field="status",
                kind="conflict",
            )
        if end_month.first_day() < enrolment.start_month:
            raise LedgerError(
                "end_before_start", "the end month is before the start month", field="end_month"
            )
        paid = last_paid_month(person_id=enrolment.person_id, province=enrolment.province_id)
        if paid is not None and end_month < paid and paid.first_day() >= enrolment.start_month:
            raise LedgerError(
                "end_before_paid_months",
                f"{paid} is already paid in this province; end the enrolment in {paid} or later",
                field="end_month",
                kind="conflict",
            )
        enrolment.status = status
        enrolment.end_month = end_month.first_day()
        enrolment.save(update_fields=["status", "end_month", "updated_at"])
    return enrolment


# --- Contributions -----------------------------------------------------------------------
# --- Life events and facts of a person ----------------------------------------------------

# Personal accounts began everywhere by 1998 (国发〔1997〕26号): service deemed paid lies before.
PERSONAL_ACCOUNTS_BEGAN = rules.Month(1998, 1)


def _not_in_future(day: date, field: str) -> None:
    if day > _today():
        raise LedgerError("date_in_future", "the date is after today", field=field)


def person_death(
    *, person: InsuredPerson, died_on: date, by: Principal | None = None
) -> InsuredPerson:
    """Record a death (死亡): the insurance relationship stops, its open enrolments close
    at the death month. A pension paid for a later month is what RK-05 then finds."""
    _not_in_future(died_on, "died_on")
    if died_on < person.birth_date:
        raise LedgerError(
            "before_birth", "the death date is before the birth date", field="died_on"
        )
    with transaction.atomic():
        person = InsuredPerson.objects.select_for_update().get(pk=person.pk)
        if person.status == InsuredPerson.Status.DECEASED:
            if person.died_on == died_on:
                return person  # the same report again
            raise LedgerError(
                "already_deceased", f"a death on {person.died_on} is recorded", kind="conflict"
            )
        month = rules.Month.from_date(died_on)
        open_statuses = [Enrolment.Status.ACTIVE, Enrolment.Status.SUSPENDED]
        for enrolment in Enrolment.objects.filter(person=person, status__in=open_statuses):
            enrolment.status = Enrolment.Status.CLOSED
            enrolment.end_month = max(month.first_day(), enrolment.start_month)
            enrolment.save(update_fields=["status", "end_month", "updated_at"])
        person.status = InsuredPerson.Status.DECEASED
        person.died_on = died_on
        person.save(update_fields=["status", "died_on", "updated_at"])
        audit_record(actor=by, action="person_death", subject=f"person:{person.pk}")
    return person


def benefit_payment_record(
    *,
    person: InsuredPerson,
    province: str,
    month: rules.Month,
    amount: Decimal,
    bank_account: str = "",
) -> BenefitPayment:
    """Record a monthly pension paid (养老金发放), as screening reads it: to a pensioner,
    for a month from the retirement month on (RK-04, RK-05, RK-06, RK-22 read these)."""
    if person.retired_on is None:
        raise LedgerError(
            "not_retired", "the person draws no pension", field="id_number", kind="conflict"
        )
    if month.first_day() < person.retired_on:
        raise LedgerError(
            "before_retirement", f"the pension starts in {person.retired_on:%Y-%m}", field="month"
        )
    if amount <= 0:
        raise LedgerError("invalid_amount", "a pension paid is more than zero", field="amount")
    return BenefitPayment.objects.create(
        person=person, province_id=province, month=month.first_day(), amount=amount,
        bank_account=bank_account,
    )  # fmt: skip


def certification_record(
    *, person: InsuredPerson, certified_on: date, valid_until: date, method: str
) -> Certification:
    """Record an entitlement certification (领取资格认证) of a pensioner (RK-06 reads it)."""
    _not_in_future(certified_on, "certified_on")
    if person.retired_on is None:
        raise LedgerError(
            "not_retired", "only a pensioner is certified", field="id_number", kind="conflict"
        )
    if person.died_on is not None and certified_on > person.died_on:
        raise LedgerError("after_death", "the person died before that day", field="certified_on")
    if valid_until <= certified_on:
        raise LedgerError(
            "invalid_period", "valid until a day after the certification", field="valid_until"
        )
    return Certification.objects.create(
        person=person, certified_on=certified_on, valid_until=valid_until, method=method
    )


def back_payment_evidence_record(
    *,
    person: InsuredPerson,
    batch: ContributionBatch,
    kind: str,
    document_date: date,
    reference: str,
) -> BackPaymentEvidence:
    """Record the document behind a lump back-payment (§3.6): with it, the months move in
    a transfer and RK-09 does not flag them. A document that does not prove the payment
    (a written undertaking after 规5号, a legal document dated after the payment) is refused."""
    rows = ContributionRecord.objects.live().filter(
        person=person, batch=batch, kind=ContributionKind.BACK_PAYMENT
    )
    if not rows.exists():
        raise LedgerError(
            "no_back_payment", "the batch back-pays nothing for the person", field="batch"
        )
    paid_on = rows.aggregate(paid=Min("paid_on"))["paid"] or timezone.localdate(batch.received_at)
    if not transfer_rules.back_payment_evidence_sufficient(
        kind=kind, document_date=document_date, paid_on=paid_on
    ):
        raise LedgerError(
            "evidence_insufficient",
            f"a back-payment made on {paid_on} is proven only by a legal document dated before it"
            if paid_on >= transfer_rules.RULE_5_OF_2016
            else "a written undertaking or a legal document proves it",
            field="kind",
        )
    if BackPaymentEvidence.objects.filter(person=person, batch=batch).exists():
        raise LedgerError(
            "already_recorded", "evidence for this back-payment is recorded", kind="conflict"
        )
    return BackPaymentEvidence.objects.create(
        person=person, batch=batch, kind=kind, document_date=document_date, reference=reference
    )


def deemed_service_record(
    *, person: InsuredPerson, province: str, months: int, until_month: rules.Month
) -> DeemedService:
    """Record deemed contribution service (视同缴费年限) approved by a province: months
    before personal accounts began, counted as contribution years wherever years count."""
    if months <= 0:
        raise LedgerError("invalid_months", "at least one month", field="months")
    if until_month >= PERSONAL_ACCOUNTS_BEGAN:
        raise LedgerError(
            "after_accounts_began", "deemed service ends before 1998-01", field="until_month"
        )
    if DeemedService.objects.filter(person=person, province_id=province).exists():
        raise LedgerError(
            "already_recorded", "this province's deemed service is recorded", kind="conflict"
        )
    return DeemedService.objects.create(
        person=person, province_id=province, months=months, until_month=until_month.first_day()
    )


def enrolment_mark_organisational_transfer(*, enrolment: Enrolment) -> Enrolment:
    """Mark an enrolment as an approved organisational transfer (组织调动, TR-08): exempt
    from the temporary-account age test, so RK-17 does not flag it."""
    enrolment.is_organisational_transfer = True
    enrolment.save(update_fields=["is_organisational_transfer", "updated_at"])
    return enrolment


# --- Correction cases (核对申请) ---------------------------------------------------------------


def correction_report(
    *, person: InsuredPerson, province: str, month: rules.Month, report: str
) -> CorrectionCase:
    """A person reports a month of their record as wrong: the case reaches the caseworkers
    of that province, with the month's records as they stand."""
    if not report.strip():
        raise LedgerError("report_required", "say what is wrong with the month", field="report")
    if month > rules.Month.from_date(_today()):
        raise LedgerError("month_in_future", "the month has not come yet", field="month")
    with transaction.atomic():
        InsuredPerson.objects.select_for_update().filter(pk=person.pk).first()
        open_case = CorrectionCase.objects.filter(
            person=person, province_id=province, month=month.first_day(),
            status=CorrectionCase.Status.OPEN,
        )  # fmt: skip
        if open_case.exists():
            raise LedgerError(
                "already_reported", "this month is already being checked", kind="conflict"
            )
        return CorrectionCase.objects.create(
            person=person, province_id=province, month=month.first_day(), report=report.strip()
        )


def correction_decide(
    *, case: CorrectionCase, status: str, decision: str, by: User
) -> CorrectionCase:
    """Decide a correction case; the person reads the decision. A reversal asked for here is
    taken by the reversal's own maker-checker request, which the caller files."""
    decided = {CorrectionCase.Status.REVERSAL, CorrectionCase.Status.BACK_PAYMENT,
               CorrectionCase.Status.REFUSED}  # fmt: skip
    if status not in decided:
        raise LedgerError("invalid_decision", f"{status!r} is not a decision", field="status")
    if not decision.strip():
        raise LedgerError("reason_required", "say what was decided and why", field="decision")
    with transaction.atomic():
        case = CorrectionCase.objects.select_for_update().get(pk=case.pk)
        if case.status != CorrectionCase.Status.OPEN:
            raise LedgerError("already_decided", "the case was decided", kind="conflict")
        case.status, case.decision = status, decision.strip()
        case.decided_by, case.decided_at = by, timezone.now()
        case.save(update_fields=["status", "decision", "decided_by", "decided_at"])
        audit_record(actor=by, action="correction_decide", subject=f"correction:{case.public_id}")
    return case


# Batch posting is in `batches.py`; corrections are below.


def lock_province_contributions(province: str) -> None:
    """Take the province's contribution lock until the transaction ends.

    Every write of contribution records of a province (a batch, a reinstatement) takes it,
    so a duplicate check sees every earlier write of the province.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('contributions:' || %s))", [province])


def record_changed(person_ids: Iterable[int]) -> None:
    """The ledger posted for these persons: once the transaction commits, drop the tokens
    that name their record's version, so no rendering of the record before the posting is
    shown again. A cache that cannot be reached is logged, never fails the posting."""
    keys = [record_version_key(person_id) for person_id in set(person_ids)]
    transaction.on_commit(lambda: cache.delete_many(keys), robust=True)


# --- The fund journal --------------------------------------------------------------------


def journal_post(
    *,
    event: str,
    description: str,
    lines: Sequence[tuple[str, str, Decimal]],
    batch: ContributionBatch | None = None,
    reversal_of: JournalEntry | None = None,
    reason: str = "",
    posted_by: User | None = None,
    public_id: uuid.UUID | None = None,
    posted_at: datetime | None = None,
) -> JournalEntry:
    """Post a journal entry (记账凭证) from (province, account, signed amount) lines.

    Zero lines are dropped. The database refuses the entry at commit unless it balances.
    `public_id` and `posted_at` default to a new id and now; a generated ledger names its own.
    """
    with transaction.atomic():
        entry = JournalEntry.objects.create(
            event=event,
            description=description,
            batch=batch,
            reversal_of=reversal_of,
            reason=reason,
            posted_by=posted_by,
            public_id=public_id or uuid.uuid4(),
            posted_at=posted_at or timezone.now(),
        )
        JournalLine.objects.bulk_create(
            JournalLine(entry=entry, province_id=province, account=account, amount=amount)
            for province, account, amount in lines
            if amount != 0
        )
    return entry


# --- Corrections -------------------------------------------------------------------------


def contribution_reverse(
    *, record: ContributionRecord, reason: str, posted_by: User | None = None
) -> ContributionRecord:
    """Cancel a posted contribution (冲正) by a reversing record and journal entry.

    The original stays; a new record with negated amounts points at it, and so does the
    journal entry that takes the money back out of the funds.
    """
    if not reason.strip():
        raise LedgerError("reason_required", "a reversal needs a reason", field="reason")
    with transaction.atomic():
        record = ContributionRecord.objects.select_for_update().get(pk=record.pk)
        if record.kind == ContributionKind.REVERSAL:
            raise LedgerError("not_reversible", "a reversal cannot itself be reversed")
        if ContributionRecord.objects.filter(reversal_of=record).exists():
            raise LedgerError("already_reversed", "this contribution was already reversed")
        reversal = ContributionRecord.objects.create(
            person_id=record.person_id,
            province_id=record.province_id,
            employer_id=record.employer_id,
            scheme=record.scheme,
            month=record.month,
            base=-record.base,
            pooling_part=-record.pooling_part,
            account_part=-record.account_part,
            kind=ContributionKind.REVERSAL,
            is_temporary_account=record.is_temporary_account,
            reversal_of=record,
            reason=reason,
        )
        record_changed([record.person_id])
        journal_post(
            event=JournalEntry.Event.REVERSAL,
            description=f"reversal of contribution {record.pk}",
            reason=reason,
            posted_by=posted_by,
            lines=[
                (
                    record.province_id,
                    FundAccount.RECEIPTS_IN_TRANSIT,
                    reversal.pooling_part + reversal.account_part,
                ),
                (record.province_id, FundAccount.POOLING_FUND, record.pooling_part),
                (record.province_id, FundAccount.ACCOUNT_LIABILITY, record.account_part),
            ],
        )
    return reversal


def suspense_reinstate(
    *, item: SuspenseItem, person: InsuredPerson, posted_by: User | None = None
) -> ContributionRecord:
    """Move a suspense item to the person it belongs to (暂收转正), at most once.

    Takes the item's row lock and the province's contribution lock (as batch posting
    does), so the duplicate check sees every batch of the province.
    """
    with transaction.atomic():
        item = SuspenseItem.objects.select_for_update().get(pk=item.pk)
        lock_province_contributions(item.province_id)
        if SuspenseReinstatement.objects.filter(item=item).exists():
            raise LedgerError("already_reinstated", "this suspense item was already reinstated")
        if person.id_number != item.id_number:
            raise LedgerError(
                "person_mismatch", "the person's ID number differs from the item's", field="person"
            )
        duplicate = ContributionRecord.objects.live().filter(
            person=person,
            province_id=item.province_id,
            month=item.month,
            employer_id=item.employer_id,
        )
        if duplicate.exists():
            raise LedgerError("duplicate_in_ledger", f"{item.month:%Y-%m} is already posted")
        record = ContributionRecord.objects.create(
            person=person,
            province_id=item.province_id,
            employer_id=item.employer_id,
            scheme=item.scheme,
            month=item.month,
            base=item.base,
            pooling_part=item.pooling_part,
            account_part=item.account_part,
            kind=item.kind,
            batch_id=item.batch_id,
            batch_row=item.batch_row,
        )
        record_changed([person.pk])
        entry = journal_post(
            event=JournalEntry.Event.REINSTATEMENT,
            description=f"suspense item {item.pk} reinstated",
            posted_by=posted_by,
            lines=[
                (item.province_id, FundAccount.SUSPENSE, item.pooling_part + item.account_part),
                (item.province_id, FundAccount.POOLING_FUND, -item.pooling_part),
                (item.province_id, FundAccount.ACCOUNT_LIABILITY, -item.account_part),
            ],
        )
        SuspenseReinstatement.objects.create(
            item=item,
            person=person,
            contribution=record,
            journal_entry=entry,
            reinstated_by=posted_by,
        )
    return record

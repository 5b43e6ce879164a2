"""The national ledger (一本账) of the enterprise-employee basic pension.

Two levels:
- the person sub-ledger: contribution records (one row per person, month, province and
  employer) and personal-account entries (interest, transfers, refunds, adjustments);
- the fund journal: double-entry journal entries per province and fund account, posted per
  business event or per ingested batch, never per row.

Invariants held by the database (migration 0004):
- contribution records, personal-account entries, journal entries and lines, suspense items
  and reinstatements are append-only: a trigger refuses UPDATE and DELETE;
- every journal entry balances: a deferred constraint trigger checks at commit that its
  lines sum to zero and that it has at least two;
- a correction is a reversal row pointing at the row it cancels, plus a new row; both name
  the reason;
- a suspense item is reinstated at most once (one-to-one).

Sign conventions: journal line amounts are debits when positive and credits when negative.
Personal-account entries are credits to the person when positive. The personal account's
contribution credits are the `account_part` of the contribution records (stored once, not
copied), so an account's balance is Σ account_part + Σ entries.

Policy parameters are data, not code (spec §0.1): an official notice changes a row, not a
rule. Rates are fractions (0.16 means 16 %); money is numeric(14,2).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}
RATE = {"max_digits": 7, "decimal_places": 6}


class ProvincePolicy(models.Model):
    """Contribution band, rates and pension bases of one province for one contribution year."""

    province = models.ForeignKey(
        "accounts.Province", on_delete=models.PROTECT, related_name="policies"
    )
    year = models.PositiveSmallIntegerField(help_text="Contribution year the figures apply to.")
    average_wage = models.DecimalField(
        "average monthly wage (全口径平均工资)", help_text="A, the band's base.", **MONEY
    )
    contribution_floor = models.DecimalField("base floor (缴费基数下限)", **MONEY)
    contribution_ceiling = models.DecimalField("base ceiling (缴费基数上限)", **MONEY)
    employer_rate = models.DecimalField("employer rate (单位费率)", default="0.16", **RATE)
    employee_rate = models.DecimalField("employee rate (个人费率)", default="0.08", **RATE)
    flexible_total_rate = models.DecimalField(
        "flexible-employment total rate (灵活就业费率)", default="0.20", **RATE
    )
    flexible_account_rate = models.DecimalField(
        "flexible-employment account rate", default="0.08", **RATE
    )
    pension_base = models.DecimalField(
        "pension calculation base (计发基数)", null=True, blank=True, **MONEY
    )
    transitional_coefficient = models.DecimalField(
        "transitional coefficient (过渡系数)", null=True, blank=True, **RATE
    )
    flexible_payment_window_months = models.PositiveSmallIntegerField(
        "flexible back-payment window (灵活就业补缴期限), months",
        null=True,
        blank=True,
        help_text="How many months after a missed month a flexible worker may still pay it; "
        "empty: 12 (docs/rules.md).",
    )
    is_approximate = models.BooleanField(
        default=False, help_text="Demo or derived figures, not an official publication."
    )
    source = models.TextField(help_text="Where the figures come from.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("province policy")
        verbose_name_plural = _("province policies")
        ordering = ["province", "year"]
        constraints = [
            models.UniqueConstraint(fields=["province", "year"], name="policy_one_per_year"),
            models.CheckConstraint(
                name="policy_band_ordered",
                condition=Q(contribution_floor__gt=0)
                & Q(contribution_floor__lte=F("contribution_ceiling")),
            ),
            models.CheckConstraint(
                name="policy_rates_are_fractions",
                condition=Q(employer_rate__gte=0, employer_rate__lt=1)
                & Q(employee_rate__gte=0, employee_rate__lt=1)
                & Q(flexible_total_rate__gt=0, flexible_total_rate__lt=1)
                & Q(flexible_account_rate__gte=0)
                & Q(flexible_account_rate__lte=F("flexible_total_rate")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.province_id} {self.year}"


class CreditingRate(models.Model):
    """The personal-account crediting rate (记账利率) of one year: national since 2016, set by
    each province before (spec §2.1).

    A provincial rate the project has no published figure for is a placeholder: that year's
    one-year time-deposit benchmark rate, the law's floor (docs/rules.md).
    """

    NATIONAL_FROM = 2016

    year = models.PositiveSmallIntegerField()
    province = models.ForeignKey(
        "accounts.Province",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Before 2016 only: the province that set the rate.",
    )
    rate = models.DecimalField(**RATE)
    published_on = models.DateField(null=True, blank=True)
    is_provisional = models.BooleanField(
        default=False,
        help_text="Not yet confirmed by an official notice; postings using it are trued up.",
    )
    is_placeholder = models.BooleanField(
        default=False,
        db_default=False,
        help_text="No published figure: the one-year time-deposit rate of the year stands in.",
    )
    source = models.TextField()

    class Meta:
        verbose_name = _("crediting rate")
        verbose_name_plural = _("crediting rates")
        ordering = ["year", "province"]
        constraints = [
            models.CheckConstraint(
                name="crediting_rate_sane", condition=Q(rate__gte=0, rate__lt=1)
            ),
            models.UniqueConstraint(
                fields=["year", "province"],
                nulls_distinct=False,
                name="crediting_rate_once_per_year_and_province",
            ),
            models.CheckConstraint(
                name="crediting_rate_national_from_2016",
                condition=Q(year__gte=2016, province__isnull=True)
                | Q(year__lt=2016, province__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        where = f" {self.province_id}" if self.province_id else ""
        return f"{self.year}{where}: {self.rate * 100:.2f} %"


class RetirementCategory(models.TextChoices):
    """Original statutory retirement age (spec §6.1, Decisions)."""

    M60 = "M60", "men, 60"
    F55 = "F55", "women, 55 (cadres, flexible employment)"
    F50 = "F50", "women, 50 (workers)"


class InsuredPerson(models.Model):
    """An insured person (参保人), identified nationally by the resident ID number."""

    class Sex(models.TextChoices):
        MALE = "M", "male"
        FEMALE = "F", "female"

    class Status(models.TextChoices):
        ACTIVE = "active", "insured (参保)"
        RETIRED = "retired", "receiving a pension (退休)"
        DECEASED = "deceased", "deceased (死亡)"

    # Unique through PersonIdNumber, which the database keeps: a key of this table holds the
    # person's id only, so the table can be distributed by person.
    id_number = models.CharField("ID number (公民身份号码)", max_length=18, db_index=True)
    name = models.CharField("name (姓名)", max_length=50)
    birth_date = models.DateField(help_text="Derived from the ID number.")
    sex = models.CharField(max_length=1, choices=Sex.choices, help_text="From the ID number.")
    hukou_province = models.ForeignKey(
        "accounts.Province", on_delete=models.PROTECT, related_name="+", verbose_name="户籍省"
    )
    retirement_category = models.CharField(max_length=3, choices=RetirementCategory.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    retired_on = models.DateField(null=True, blank=True)
    retirement_route = models.CharField(
        max_length=12,
        choices=[
            ("statutory", "statutory or flexible age (法定/弹性)"),
            ("special", "special type or disability (特殊工种/病退)"),
        ],
        blank=True,
        default="",
        db_default="",
        help_text="How the retirement was approved; special routes may retire earlier.",
    )
    died_on = models.DateField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_duplicates",
        help_text="The record this duplicate was merged into.",
    )
    mobile = models.CharField(
        "mobile number (手机号码)",
        max_length=11,
        blank=True,
        default="",
        db_default="",
        help_text="Registered by the province; the first sign-in's one-time code goes here.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("insured person")
        verbose_name_plural = _("insured persons")
        permissions = [("approve_retirement", "Can approve a retirement (退休审批)")]
        constraints = [
            models.CheckConstraint(
                name="person_status_dates",
                condition=(
                    Q(status="active", died_on__isnull=True)
                    | Q(status="retired", retired_on__isnull=False, died_on__isnull=True)
                    | Q(status="deceased", died_on__isnull=False)
                ),
            ),
            models.CheckConstraint(
                name="person_not_merged_into_itself", condition=~Q(merged_into=F("pk"))
            ),
        ]
        indexes = [models.Index(fields=["name"], name="person_name_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.masked_id_number})"

    @property
    def masked_id_number(self) -> str:
        """The ID number with the birth date and sequence hidden: 110105********002X."""
        return f"{self.id_number[:6]}********{self.id_number[-4:]}"


class PersonIdNumber(models.Model):
    """The one holder of each ID number (身份证号码索引): the ledger's unique key on ID
    numbers, apart from the person's table so that it can be distributed by its own key.
    Triggers on the person's table keep it (migration contributions 0025); nothing else
    writes it. A second person with a number already held is refused there."""

    id_number = models.CharField(max_length=18, primary_key=True)
    person = models.OneToOneField(
        InsuredPerson, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )

    class Meta:
        verbose_name = _("ID number holder")
        verbose_name_plural = _("ID number holders")

    def __str__(self) -> str:
        return f"{self.id_number[:6]}******** → {self.person_id}"


class Employer(models.Model):
    """An employer (参保单位), identified by its unified social credit code."""

    uscc = models.CharField(
        "unified social credit code (统一社会信用代码)", max_length=18, unique=True
    )
    name = models.CharField(max_length=200)
    province = models.ForeignKey("accounts.Province", on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("employer")
        verbose_name_plural = _("employers")

    def __str__(self) -> str:
        return self.name


class Scheme(models.TextChoices):
    EMPLOYEE = "employee", "enterprise employee (企业职工)"
    FLEXIBLE = "flexible", "flexible employment (灵活就业)"


class Enrolment(models.Model):
    """An insurance relationship (参保关系) of a person in a province and scheme."""

    class Status(models.TextChoices):
        ACTIVE = "active", "contributing (参保缴费)"
        SUSPENDED = "suspended", "suspended (中断)"
        TRANSFERRED_OUT = "transferred_out", "transferred out (转出)"
        CLOSED = "closed", "closed (终止)"

    person = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT, related_name="enrolments")
    province = models.ForeignKey("accounts.Province", on_delete=models.PROTECT, related_name="+")
    scheme = models.CharField(max_length=16, choices=Scheme.choices)
    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, null=True, blank=True, related_name="enrolments"
    )
    agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The agency that handles it (经办机构); the employer's unless named.",
    )
    start_month = models.DateField(help_text="First day of the first month.")
    end_month = models.DateField(null=True, blank=True, help_text="Open while active.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    is_temporary_account = models.BooleanField(
        "temporary account (临时缴费账户)", default=False, help_text="Spec §3.4."
    )
    # db_default too: bulk loaders COPY rows without naming every column.
    is_organisational_transfer = models.BooleanField(
        "approved organisational transfer (组织调动)",
        default=False,
        db_default=False,
        help_text="Exempt from the temporary-account age test (spec §3.4).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.CheckConstraint(
                name="enrolment_employer_matches_scheme",
                condition=Q(scheme="employee", employer__isnull=False)
                | Q(scheme="flexible", employer__isnull=True),
            ),
            models.CheckConstraint(
                name="enrolment_months_ordered",
                condition=Q(end_month__isnull=True) | Q(end_month__gte=F("start_month")),
            ),
            models.CheckConstraint(
                name="enrolment_open_only_while_active",
                condition=Q(status="active", end_month__isnull=True)
                | (~Q(status="active") & Q(end_month__isnull=False)),
            ),
        ]
        indexes = [models.Index(fields=["person", "province"], name="enrolment_person_idx")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.province_id} {self.scheme} from {self.start_month:%Y-%m}"


class DeemedService(models.Model):
    """Deemed contribution service (视同缴费年限): service before personal accounts began,
    approved by the province where the person worked at the time and counted for it (spec
    §4.2). It has no monthly record in the ledger; wherever a rule counts contribution
    years, these months count too.
    """

    # Looked up through the unique (person, province) index.
    person = models.ForeignKey(
        InsuredPerson, on_delete=models.PROTECT, related_name="deemed_service", db_index=False
    )
    province = models.ForeignKey(
        "accounts.Province", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    months = models.PositiveIntegerField(help_text="Approved deemed months (视同缴费月数).")
    until_month = models.DateField(help_text="The last month of the deemed service (day 1).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("deemed service")
        verbose_name_plural = _("deemed service")
        constraints = [
            # Deemed years in several provinces are counted separately for each (§4.2).
            models.UniqueConstraint(fields=["person", "province"], name="deemed_once_per_province"),
            models.CheckConstraint(name="deemed_months_positive", condition=Q(months__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.province_id} {self.months} deemed months"


class ContributionBatch(models.Model):
    """A set of contributions received together: one API bulk request or one real-time push."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    province = models.ForeignKey("accounts.Province", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=100, help_text="Who sent it: API client, admin, import.")
    row_count = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("contribution batch")
        verbose_name_plural = _("contribution batches")
        permissions = [
            ("write_via_api", "Can write persons, enrolments and contributions via the API")
        ]

    def __str__(self) -> str:
        return f"batch {self.public_id} ({self.province_id}, {self.row_count} rows)"


def reversal_link() -> models.ForeignKey:
    """The row a reversal cancels, always the same person's: the foreign key is
    (reversal_of_id, person_id), in SQL (migration contributions 0024)."""
    return models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        db_index=False,
        db_constraint=False,
    )


def reversed_once(name: str) -> models.UniqueConstraint:
    """A row is reversed at most once. Unique among the few reversal rows only: a full
    unique index would cover millions of NULLs."""
    return models.UniqueConstraint(
        fields=["reversal_of", "person"], condition=Q(reversal_of__isnull=False), name=name
    )


def reversal_points_back(name: str) -> models.CheckConstraint:
    """A reversal row names the row it cancels and why; no other row points back."""
    return models.CheckConstraint(
        name=name,
        condition=(Q(kind="reversal", reversal_of__isnull=False) & ~Q(reason=""))
        | (~Q(kind="reversal") & Q(reversal_of__isnull=True)),
    )


class ContributionKind(models.TextChoices):
    REGULAR = "regular", "regular (正常缴费)"
    BACK_PAYMENT = "back_payment", "back-payment (补缴)"
    REVERSAL = "reversal", "reversal (冲正)"


class ContributionRecordQuerySet(models.QuerySet):
    def live(self) -> "ContributionRecordQuerySet":
        """Records that stand (有效记录): neither a reversal nor reversed.

        `live_sql` says the same in SQL for the detectors; a test holds them together.
        """
        return self.filter(reversed_by__isnull=True).exclude(kind=ContributionKind.REVERSAL)


def live_sql(alias: str, *, probed: bool = False) -> str:
    """SQL: the contribution record `alias` stands, as `ContributionRecordQuerySet.live`.

    The reversed ids are few (a partial index holds them), so they are read once as a
    hashed set; an anti-join would make the planner walk the whole table in id order
    instead of probing the indexes. `probed`: each record's reversal is looked up on that
    index instead, for the few records of a batch's persons, so the cost does not rest on
    the planner knowing how few reversals there are (statistics of a fast-growing table
    lag behind it).
    """
    # `alias` is a table alias written in the caller's SQL, never input.
    if probed:
        return (
            f"{alias}.kind <> 'reversal' AND NOT EXISTS ("  # noqa: S608
            "SELECT 1 FROM contributions_contributionrecord x"
            f" WHERE x.reversal_of_id = {alias}.id)"
        )
    return (
        f"{alias}.kind <> 'reversal' AND {alias}.id NOT IN ("  # noqa: S608
        "SELECT x.reversal_of_id FROM contributions_contributionrecord x"
        " WHERE x.reversal_of_id IS NOT NULL)"
    )


class ContributionRecord(models.Model):
    """One month of contributions of one person in one province (缴费记录). Append-only."""

    # The (person, month) and (province, month) indexes below serve these foreign keys too.
    person = models.ForeignKey(
        InsuredPerson, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    province = models.ForeignKey(
        "accounts.Province", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    scheme = models.CharField(max_length=16, choices=Scheme.choices)
    month = models.DateField(help_text="First day of the contribution month.")
    base = models.DecimalField("contribution base (缴费基数)", **MONEY)
    pooling_part = models.DecimalField("pooling fund part (统筹)", **MONEY)
    account_part = models.DecimalField("personal account part (个人账户)", **MONEY)
    kind = models.CharField(max_length=16, choices=ContributionKind.choices)
    is_temporary_account = models.BooleanField(default=False)
    paid_on = models.DateField(null=True, blank=True)
    batch = models.ForeignKey(
        ContributionBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    batch_row = models.PositiveIntegerField(null=True, blank=True)
    reversal_of = reversal_link()
    reason = models.TextField(blank=True)
    posted_at = models.DateTimeField(auto_now_add=True)

    objects = ContributionRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("contribution record")
        verbose_name_plural = _("contribution records")
        permissions = [("reverse_contributionrecord", "Can reverse a contribution (冲正)")]
        constraints = [
            reversed_once("contribution_reversed_once"),
            models.CheckConstraint(
                name="contribution_month_is_first_day",
                condition=Q(month__day=1),
            ),
            reversal_points_back("contribution_reversal_points_back"),
            models.CheckConstraint(
                name="contribution_signs",
                condition=(
                    Q(kind="reversal", base__lte=0, pooling_part__lte=0, account_part__lte=0)
                    | (
                        ~Q(kind="reversal")
                        & Q(base__gt=0, pooling_part__gte=0, account_part__gte=0)
                    )
                ),
            ),
        ]
        indexes = [
            # The person's record and per-person screening rules read by person, then month.
            models.Index(fields=["person", "month"], name="contribution_person_month_idx"),
            # With the base in the key, screening finds the bases outside a province-month's
            # band by two probes, not by reading every row.
            models.Index(fields=["province", "month", "base"], name="contribution_prov_base_idx"),
            # Reconciliation sums each province's account parts from this narrow index
            # alone, not from the much wider rows.
            models.Index(
                fields=["province"], include=["account_part"], name="contribution_prov_acct_idx"
            ),
            # The few back-payments (补缴), which screening reads on their own.
            models.Index(
                fields=["person", "month"],
                condition=Q(kind="back_payment"),
                name="contribution_back_pay_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.province_id} {self.month:%Y-%m} {self.kind}"


class AccountEntryKind(models.TextChoices):
    INTEREST = "interest", "annual interest (记账利息)"
    INTEREST_ADJUSTMENT = "interest_adjustment", "interest true-up (利息调整)"
    TRANSFER_IN = "transfer_in", "transfer in (转入)"
    TRANSFER_OUT = "transfer_out", "transfer out (转出)"
    REFUND = "refund", "refund to the person (退还)"
    REVERSAL = "reversal", "reversal (冲正)"


class PersonalAccountEntry(models.Model):
    """A movement of a personal account (个人账户) other than a contribution credit.

    Append-only; positive amounts credit the person.
    """

    person = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT, related_name="+")
    # The (province) index below, which carries the amount, serves this foreign key too.
    province = models.ForeignKey(
        "accounts.Province", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=20, choices=AccountEntryKind.choices)
    amount = models.DecimalField(**MONEY)
    value_date = models.DateField(help_text="The date the movement counts from.")
    interest_year = models.PositiveSmallIntegerField(null=True, blank=True)
    rate = models.DecimalField(null=True, blank=True, **RATE)
    is_provisional = models.BooleanField(default=False)
    journal_entry = models.ForeignKey(
        "JournalEntry", on_delete=models.PROTECT, related_name="account_entries"
    )
    reversal_of = reversal_link()
    reason = models.TextField(blank=True)
    posted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("personal account entry")
        verbose_name_plural = _("personal account entries")
        constraints = [
            reversal_points_back("account_entry_reversal_points_back"),
            reversed_once("account_entry_reversed_once"),
            # Interest is posted once per person, province and year; the true-up is separate.
            models.UniqueConstraint(
                fields=["person", "province", "interest_year"],
                condition=Q(kind="interest"),
                name="account_interest_once_per_year",
            ),
            models.UniqueConstraint(
                fields=["person", "province", "interest_year"],
                condition=Q(kind="interest_adjustment"),
                name="account_interest_trued_up_once",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "value_date"], name="account_person_date_idx"),
            # Reconciliation sums each province's entries from this narrow index alone.
            models.Index(fields=["province"], include=["amount"], name="account_prov_amount_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind} {self.amount}"


class FundAccount(models.TextChoices):
    """Control accounts of the fund journal (基金账户), kept per province."""

    RECEIPTS_IN_TRANSIT = "receipts_in_transit", "receipts in transit (在途收入)"
    POOLING_FUND = "pooling_fund", "pooling fund (统筹基金)"
    ACCOUNT_LIABILITY = "account_liability", "personal-account liability (个人账户)"
    TRANSFER_CLEARING = "transfer_clearing", "transfer clearing (转移清算)"
    SUSPENSE = "suspense", "suspense (暂收待查)"


class JournalEntry(models.Model):
    """A balanced posting of one business event or one batch to the fund journal."""

    class Event(models.TextChoices):
        CONTRIBUTIONS = "contributions", "contributions received (缴费)"
        SUSPENSE = "suspense", "contributions held in suspense (暂收)"
        REINSTATEMENT = "reinstatement", "suspense reinstated (暂收转正)"
        INTEREST = "interest", "annual interest (记账利息)"
        REVERSAL = "reversal", "reversal (冲正)"
        TRANSFER = "transfer", "transfer (转移)"
        ADJUSTMENT = "adjustment", "adjustment (调整)"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.CharField(max_length=16, choices=Event.choices)
    description = models.CharField(max_length=200)
    batch = models.ForeignKey(
        ContributionBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reversal_of = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    reason = models.TextField(blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A default, not auto_now_add: a generated ledger posts at the months it describes.
    posted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        constraints = [
            models.CheckConstraint(
                name="journal_reversal_has_reason",
                condition=Q(reversal_of__isnull=True) | ~Q(reason=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()} {self.posted_at:%Y-%m-%d}"


class JournalLine(models.Model):
    """One leg of a journal entry: positive debits, negative credits. Append-only."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    province = models.ForeignKey("accounts.Province", on_delete=models.PROTECT, related_name="+")
    account = models.CharField(max_length=20, choices=FundAccount.choices)
    amount = models.DecimalField(**MONEY)

    class Meta:
        verbose_name = _("journal line")
        verbose_name_plural = _("journal lines")
        constraints = [
            models.CheckConstraint(name="journal_line_not_zero", condition=~Q(amount=0)),
        ]
        indexes = [
            # Control-account balances per province (reconciliation, the balances API).
            models.Index(fields=["province", "account"], name="journal_line_balance_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.province_id} {self.account} {self.amount}"


class SuspenseItem(models.Model):
    """A contribution for a person the ledger does not know yet (暂收待查). Append-only."""

    id_number = models.CharField(max_length=18)
    name = models.CharField(max_length=50, blank=True)
    province = models.ForeignKey("accounts.Province", on_delete=models.PROTECT, related_name="+")
    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    scheme = models.CharField(max_length=16, choices=Scheme.choices)
    month = models.DateField()
    base = models.DecimalField(**MONEY)
    pooling_part = models.DecimalField(**MONEY)
    account_part = models.DecimalField(**MONEY)
    kind = models.CharField(max_length=16, choices=ContributionKind.choices)
    batch = models.ForeignKey(ContributionBatch, on_delete=models.PROTECT, related_name="+")
    batch_row = models.PositiveIntegerField()
    journal_entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="+")
    held_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("suspense item")
        verbose_name_plural = _("suspense items")
        permissions = [("reinstate_suspenseitem", "Can reinstate a suspense item (暂收转正)")]
        indexes = [models.Index(fields=["id_number"], name="suspense_id_number_idx")]

    def __str__(self) -> str:
        return f"suspense {self.province_id} {self.month:%Y-%m} {self.base}"


class SuspenseReinstatement(models.Model):
    """The one reinstatement of a suspense item to a person's record (暂收转正)."""

    item = models.OneToOneField(
        SuspenseItem, on_delete=models.PROTECT, related_name="reinstatement"
    )
    # The person whose record the item joined: the foreign key to the contribution is
    # (contribution_id, person_id), in SQL (migration contributions 0024).
    person = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT, related_name="+")
    contribution = models.OneToOneField(
        ContributionRecord, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    journal_entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="+")
    reinstated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reinstated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("suspense reinstatement")
        verbose_name_plural = _("suspense reinstatements")

    def __str__(self) -> str:
        return f"reinstatement of {self.item_id}"


class ReconciliationRun(models.Model):
    """One proof that the sub-ledger matches the journal's control accounts (对账)."""

    started_at = models.DateTimeField(auto_now_add=True)
    discrepancies = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("reconciliation run")
        verbose_name_plural = _("reconciliation runs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        state = "balanced" if not self.discrepancies else f"{self.discrepancies} discrepancies"
        return f"reconciliation {self.started_at:%Y-%m-%d %H:%M} ({state})"


class ReconciliationResult(models.Model):
    """Sub-ledger total against control account, for one province and account."""

    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="results")
    province = models.ForeignKey("accounts.Province", on_delete=models.PROTECT, related_name="+")
    account = models.CharField(max_length=20, choices=FundAccount.choices)
    subledger_total = models.DecimalField(**MONEY)
    control_total = models.DecimalField(help_text="Credit balance of the account.", **MONEY)
    difference = models.DecimalField(**MONEY)

    class Meta:
        verbose_name = _("reconciliation result")
        verbose_name_plural = _("reconciliation results")
        ordering = ["province", "account"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "province", "account"], name="reconciliation_one_per_account"
            )
        ]

    def __str__(self) -> str:
        return f"{self.province_id} {self.account}: {self.difference}"


class Statement(models.Model):
    """A statement of a person's record (个人权益记录单) as issued: what `/verify/<code>/`
    confirms. It keeps the file's hash and what the paper shows of the person, masked."""

    code = models.CharField(max_length=20, help_text="Printed on the paper.")
    person = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT, related_name="+")
    as_of = models.DateField(help_text="The record as it stood at the end of this day.")
    issued_at = models.DateTimeField(help_text="As printed on the paper.")
    sha256 = models.CharField("SHA-256 of the PDF", max_length=64)
    masked_id_number = models.CharField(max_length=18)
    name_initial = models.CharField(max_length=4)

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        constraints = [models.UniqueConstraint(fields=["code", "person"], name="statement_code")]
        indexes = [models.Index(fields=["person", "-issued_at"], name="statement_person_idx")]

    def __str__(self) -> str:
        return f"statement {self.code} of {self.issued_at:%Y-%m-%d}"


class CorrectionCase(models.Model):
    """A person's report that a month of their record is wrong (核对申请), and the decision
    of the province's caseworkers on it."""

    class Status(models.TextChoices):
        OPEN = "open", "open (待核对)"
        REVERSAL = "reversal", "a reversal is asked for (申请冲正)"
        BACK_PAYMENT = "back_payment", "a back-payment is asked for (通知补缴)"
        REFUSED = "refused", "refused, with the reason (不予更正)"

    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    person = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey("accounts.Province", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(help_text="First day of the month reported.")
    report = models.TextField("what the person says is wrong")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    decision = models.TextField(blank=True, help_text="Shown to the person.")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("correction case")
        verbose_name_plural = _("correction cases")
        ordering = ["-created_at"]
        permissions = [("decide_correctioncase", "Can decide a correction case (核对处理)")]
        constraints = [
            models.CheckConstraint(name="correction_month_is_first_day", condition=Q(month__day=1)),
            models.UniqueConstraint(fields=["public_id", "person"], name="correction_public_id"),
            # One open report per person, province and month.
            models.UniqueConstraint(
                fields=["person", "province", "month"],
                condition=Q(status="open"),
                name="correction_one_open_per_month",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.person} {self.month:%Y-%m} in {self.province_id}: {self.get_status_display()}"
        )

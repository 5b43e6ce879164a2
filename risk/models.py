"""Risk screening (风险防控): declared rules, screening runs, flags and the facts the rules
read that the ledger does not hold yet (benefit payments, certifications, evidence).

Invariants:
- A rule's code is the specification's stable code (RK-01 …). Its parameters are editable;
  every change bumps `version`, and a flag keeps the version and parameters that raised it.
- At most one live flag (open, confirmed or dismissed) per rule, subject and period: a rerun
  never duplicates, and a dismissed finding does not come back. A resolved flag may be
  raised again if the condition returns.
"""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}


class RiskRule(models.Model):
    """A rule of the registry (`risk/registry.py`), with its editable parameters."""

    class Stage(models.TextChoices):
        IN_PROCESS = "in_process", "in-process (事中)"
        BATCH = "batch", "after the fact (事后)"
        BOTH = "both", "both"

    class Severity(models.TextChoices):
        BLOCK = "block", "block (阻断)"
        WARN = "warn", "warn (预警)"
        INFO = "info", "info (提示)"

    code = models.CharField(max_length=12, primary_key=True)
    title_zh = models.CharField(max_length=100)
    title_en = models.CharField(max_length=150)
    description = models.TextField()
    stage = models.CharField(max_length=12, choices=Stage.choices)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    parameters = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("risk rule")
        verbose_name_plural = _("risk rules")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title_zh}"


class ScreeningRun(models.Model):
    """One after-the-fact screening (事后稽核) over the ledger or part of it."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        RUNNING = "running", "running"
        COMPLETED = "completed", "completed"
        FAILED = "failed", "failed"

    class Scope(models.TextChoices):
        FULL = "full", "full (全量)"
        INCREMENTAL = "incremental", "what changed (增量)"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    scope = models.CharField(max_length=12, choices=Scope.choices, default=Scope.FULL)
    since = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="An incremental run: the completed run it carries on from.",
    )
    as_of = models.DateField(null=True, blank=True, help_text="The date the rules judge by.")
    province = models.ForeignKey(
        "accounts.Province",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: every province.",
    )
    rule_codes = models.JSONField(default=list, blank=True, help_text="Empty: every rule.")
    is_backtest = models.BooleanField(
        default=False, help_text="Count hits without filing flags (dry run)."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    slices_total = models.PositiveIntegerField(default=0)
    slices_done = models.PositiveIntegerField(default=0)
    hits_by_rule = models.JSONField(default=dict, blank=True)
    flags_filed = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("screening run")
        verbose_name_plural = _("screening runs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"screening {self.public_id} ({self.status})"


class ScreeningSlice(models.Model):
    """A piece of a run that a worker claims and completes exactly once: a range of person
    ids for the rules about persons (in an incremental run, only the persons listed in that
    range), or (no range) one ledger-wide rule, once per run."""

    run = models.ForeignKey(ScreeningRun, on_delete=models.CASCADE, related_name="slices")
    first_person_id = models.BigIntegerField(null=True, blank=True)
    last_person_id = models.BigIntegerField(null=True, blank=True)
    person_ids = ArrayField(
        models.BigIntegerField(),
        null=True,
        blank=True,
        help_text="Only these persons of the range (the changed ones); empty: all of it.",
    )
    rule_codes = models.JSONField(default=list, blank=True, help_text="Empty: the run's rules.")
    is_done = models.BooleanField(default=False)
    hits_by_rule = models.JSONField(default=dict, blank=True)
    flags_filed = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True, help_text="The worker that ran it.")

    class Meta:
        verbose_name = _("screening slice")
        verbose_name_plural = _("screening slices")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "first_person_id"],
                condition=Q(person_ids__isnull=True),
                name="slice_once_per_run",
            ),
            models.UniqueConstraint(
                fields=["run", "rule_codes"],
                condition=Q(first_person_id__isnull=True),
                name="ledger_piece_once_per_rule",
            ),
            models.CheckConstraint(
                name="slice_range_whole",
                condition=Q(first_person_id__isnull=True, last_person_id__isnull=True)
                | Q(first_person_id__lte=F("last_person_id")),
            ),
        ]

    def __str__(self) -> str:
        if self.is_ledger_wide:
            return f"{self.run_id}/ledger"
        return f"{self.run_id}/{self.first_person_id}-{self.last_person_id}"

    @property
    def is_ledger_wide(self) -> bool:
        return self.first_person_id is None


class ScreeningChange(models.Model):
    """A person whose screening may have changed (待筛查变更): written by database triggers
    whenever a row a person rule reads is inserted, updated or deleted, and taken by the
    next run over the whole ledger. No person (NULL): a change that concerns everyone (a
    province's policy year), after which the next run is a full one."""

    person_id = models.BigIntegerField(null=True)

    class Meta:
        verbose_name = _("change to screen")
        verbose_name_plural = _("changes to screen")

    def __str__(self) -> str:
        return f"person {self.person_id}" if self.person_id is not None else "everyone"


class LedgerTotal(models.Model):
    """A province account's sub-ledger and control totals as RK-RC last summed them (对账
    检查点): a full run sums the ledger, an incremental run adds the changes since."""

    province = models.ForeignKey("accounts.Province", on_delete=models.PROTECT, related_name="+")
    account = models.CharField(max_length=30)
    subledger_total = models.DecimalField(max_digits=20, decimal_places=2)
    control_total = models.DecimalField(max_digits=20, decimal_places=2)

    class Meta:
        verbose_name = _("ledger total")
        verbose_name_plural = _("ledger totals")
        constraints = [
            models.UniqueConstraint(fields=["province", "account"], name="ledger_total_once")
        ]

    def __str__(self) -> str:
        return f"{self.province_id} {self.account}"


class LedgerChange(models.Model):
    """What one statement added to a province account's sub-ledger or control side: written
    by database triggers on the ledger's tables, taken by RK-RC's next incremental sum."""

    province_id = models.CharField(max_length=2)
    account = models.CharField(max_length=30)
    subledger = models.DecimalField(max_digits=20, decimal_places=2)
    control = models.DecimalField(max_digits=20, decimal_places=2)

    class Meta:
        verbose_name = _("ledger change")
        verbose_name_plural = _("ledger changes")

    def __str__(self) -> str:
        return f"{self.province_id} {self.account}"


LIVE_FLAG_STATUSES = ("open", "confirmed", "dismissed")


class RiskFlag(models.Model):
    """A finding (风险疑点) for caseworkers to review."""

    class Status(models.TextChoices):
        OPEN = "open", "open (待核查)"
        CONFIRMED = "confirmed", "confirmed (属实)"
        DISMISSED = "dismissed", "dismissed (排除)"
        RESOLVED = "resolved", "resolved (已处理)"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Both looked up through the indexes of Meta, which lead with them.
    rule = models.ForeignKey(
        RiskRule, on_delete=models.PROTECT, related_name="flags", db_index=False
    )
    rule_version = models.PositiveIntegerField()
    parameters = models.JSONField(default=dict)
    person = models.ForeignKey(
        "contributions.InsuredPerson",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="risk_flags",
    )
    province = models.ForeignKey(
        "accounts.Province", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    subject = models.CharField(max_length=60, help_text="What the flag is about, e.g. person:42.")
    period = models.CharField(max_length=60, help_text="When, e.g. 2020, 2020-10 or batch:<id>.")
    evidence = models.JSONField(default=dict, help_text="The rows that made the rule fire.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    reason = models.TextField(blank=True, help_text="Why it was confirmed or dismissed.")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    run = models.ForeignKey(
        ScreeningRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="flags"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("risk flag")
        verbose_name_plural = _("risk flags")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject", "period"],
                condition=Q(status__in=LIVE_FLAG_STATUSES),
                name="flag_once_per_rule_subject_period",
            ),
            models.CheckConstraint(
                name="flag_review_has_reason",
                condition=Q(status__in=["open", "resolved"]) | ~Q(reason=""),
            ),
        ]
        indexes = [
            models.Index(fields=["province", "status"], name="flag_queue_idx"),
            # The admin's precision feedback counts each rule's flags by status.
            models.Index(fields=["rule", "status"], name="flag_rule_status_idx"),
        ]
        permissions = [("review_riskflag", "Can review a risk flag (疑点核查)")]

    def __str__(self) -> str:
        # A person by the masked ID number, never by the internal id.
        about = self.subject
        if self.person_id is not None and self.subject.startswith("person:"):
            about = self.person.masked_id_number
        return f"{self.rule_id} {about} {self.period}"


class BenefitPayment(models.Model):
    """A monthly pension payment (养老金发放), as far as screening needs it."""

    person = models.ForeignKey(
        "contributions.InsuredPerson", on_delete=models.PROTECT, related_name="+"
    )
    province = models.ForeignKey("accounts.Province", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(help_text="First day of the month paid for.")
    amount = models.DecimalField(**MONEY)
    bank_account = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = _("pension payment")
        verbose_name_plural = _("pension payments")
        indexes = [models.Index(fields=["province", "month"], name="benefit_prov_month_idx")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.month:%Y-%m} {self.amount}"


class Certification(models.Model):
    """An entitlement certification (领取资格认证), valid until a date."""

    class Method(models.TextChoices):
        FACE = "face", "face recognition (人脸识别)"
        FINGERPRINT = "fingerprint", "fingerprint (指纹)"
        IN_PERSON = "in_person", "in person (现场认证)"
        DATA_MATCH = "data_match", "data match (数据比对)"

    person = models.ForeignKey(
        "contributions.InsuredPerson", on_delete=models.PROTECT, related_name="+"
    )
    certified_on = models.DateField()
    valid_until = models.DateField()
    method = models.CharField(max_length=20, choices=Method.choices, default=Method.FACE)

    class Meta:
        verbose_name = _("entitlement certification")
        verbose_name_plural = _("entitlement certifications")

    def __str__(self) -> str:
        return f"{self.person_id} until {self.valid_until}"


class BackPaymentEvidence(models.Model):
    """The document behind a lump back-payment (补缴) of 36 months or more (spec §3.6)."""

    class Kind(models.TextChoices):
        UNDERTAKING = "undertaking", "written undertaking (书面承诺书)"
        LEGAL_DOCUMENT = "legal_document", "legal document (法律文书)"

    person = models.ForeignKey(
        "contributions.InsuredPerson", on_delete=models.PROTECT, related_name="+"
    )
    batch = models.ForeignKey(
        "contributions.ContributionBatch", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    document_date = models.DateField()
    reference = models.CharField(max_length=100)

    class Meta:
        verbose_name = _("back-payment evidence")
        verbose_name_plural = _("back-payment evidence")

    def __str__(self) -> str:
        return f"{self.kind} {self.reference}"

"""Who may touch the ledger: users, provinces and the five-level agency hierarchy.

Invariants:
- Province codes are the two-digit GB/T 2260 codes, plus 66 for the XPCC, which the social
  insurance system pools separately (spec §8.5). They are primary keys because every other
  table and every provincial API message speaks in them.
- The national agency has neither parent nor province; every other agency has both, and a
  parent exactly one level above it (checked in clean(); the database holds the first two).
"""

from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Province(models.Model):
    """A provincial-level pooling region (省级统筹区)."""

    code = models.CharField("code (GB/T 2260)", max_length=2, primary_key=True)
    name_zh = models.CharField("名称", max_length=32)
    name_en = models.CharField("name", max_length=64)
    valid_in_id_numbers = models.BooleanField(
        default=True,
        help_text="False for pooling-only codes (66, XPCC) that never start an ID number.",
    )

    class Meta:
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"


class Agency(models.Model):
    """A social insurance agency (经办机构) at one of the five levels."""

    class Level(models.IntegerChoices):
        NATIONAL = 1, "national (国家)"
        PROVINCE = 2, "province (省)"
        CITY = 3, "city (市)"
        COUNTY = 4, "county (县)"
        TOWNSHIP = 5, "township (乡镇/街道)"

    name = models.CharField(max_length=100)
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, null=True, blank=True, related_name="agencies"
    )
    division_code = models.CharField(
        "division code",
        max_length=12,
        unique=True,
        help_text="GB/T 2260 code of the division served (6 digits; townships 9).",
    )

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["division_code"]
        constraints = [
            models.CheckConstraint(
                name="agency_national_is_root",
                condition=(
                    Q(level=1, parent__isnull=True, province__isnull=True)
                    | Q(level__gt=1, parent__isnull=False, province__isnull=False)
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.parent is not None and self.parent.level != self.level - 1:
            raise ValidationError({"parent": "The parent must be exactly one level above."})
        if self.parent is not None and self.parent.province_id not in (None, self.province_id):
            raise ValidationError({"province": "An agency serves its parent's province."})


class User(AbstractUser):
    """A person who signs in: a caseworker (with an agency) or an insured person."""

    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="caseworkers",
        help_text="Caseworkers see the records of this agency's province; national sees all.",
    )
    prefers_large_text = models.BooleanField(
        "large text and high contrast (适老化)", default=False, db_default=False
    )
    # Kept on this side: the person's table holds no key but the person's id.
    insured_person = models.OneToOneField(
        "contributions.InsuredPerson",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="user",
        help_text="The insured person who signs in with this account (参保人账户).",
    )


class ChainedRow(models.Model):
    """A row of a hash-chained, append-only trail (防篡改留痕).

    The database fills `seq`, `prev_hash` and `hash` on insert (trigger `audit_chain`) and
    refuses UPDATE and DELETE; `accounts.services.audit_verify` finds the first broken link.
    """

    # The database defaults make Django leave these to the trigger and read them back.
    seq = models.BigIntegerField(
        unique=True, editable=False, db_default=0, help_text="Position in the chain."
    )
    prev_hash = models.CharField(max_length=64, editable=False, db_default="")
    hash = models.CharField(max_length=64, editable=False, db_default="")

    class Meta:
        abstract = True


class AccessLog(ChainedRow):
    """Someone other than the person looked at an insured person's record (查询留痕).

    Who (a caseworker and their agency, or a provincial system), when, through what and
    why. Never the person's data: the path carries ids, not ID numbers.
    """

    user = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, related_name="+")
    api_client = models.ForeignKey(
        "ApiClient", on_delete=models.PROTECT, null=True, related_name="+"
    )
    # Ids, not foreign keys: the audit trail outlives whatever happens to the records. One
    # row per read: a page of a thousand persons is one row, one link of the chain.
    person_ids = ArrayField(models.BigIntegerField(), help_text="The persons read.")
    action = models.CharField(max_length=40)
    purpose = models.CharField(max_length=100, default="", db_default="")
    path = models.CharField(max_length=300)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at"]
        indexes = [GinIndex(fields=["person_ids"], name="access_persons_idx")]
        constraints = [
            models.CheckConstraint(
                name="access_by_user_or_client",
                condition=Q(user__isnull=False, api_client__isnull=True)
                | Q(user__isnull=True, api_client__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.actor} {self.action} {len(self.person_ids)} person(s)"

    @property
    def actor(self) -> str:
        return f"user:{self.user_id}" if self.user_id else f"client:{self.api_client_id}"


class AuditEvent(ChainedRow):
    """A decision or change that must be answerable later (审计事件): a key issued or
    revoked, a role changed, a rule edited, a maker-checker decision, a change of who can
    see a row (an employer's or a person's province)."""

    actor = models.CharField(max_length=60, help_text="user:<id>, client:<id> or system.")
    action = models.CharField(max_length=40)
    subject = models.CharField(max_length=60, help_text="The row concerned: <kind>:<id>.")
    detail = models.JSONField(default=dict)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
        ordering = ["-seq"]
        indexes = [models.Index(fields=["subject", "at"], name="audit_subject_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.actor} {self.action} {self.subject}"


class ApiClient(models.Model):
    """A provincial business system (省级业务系统) allowed to call the API for one province."""

    name = models.CharField(max_length=100)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="api_clients")
    created_at = models.DateTimeField(auto_now_add=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("provincial API client")
        verbose_name_plural = _("provincial API clients")
        constraints = [
            models.UniqueConstraint(fields=["province", "name"], name="api_client_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.province_id})"


class ApiKey(models.Model):
    """A secret of an API client. Only its SHA-256 is stored; the key is shown once.

    Two keys may be active at once, so a province can rotate without downtime.
    """

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="keys")
    prefix = models.CharField(max_length=12, help_text="First characters, to tell keys apart.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.client})"


class IdempotentRequest(models.Model):
    """The first answer to a write sent with an Idempotency-Key, replayed for repeats.

    The key is bound to a hash of the body: the same key with another body is a conflict.
    """

    principal = models.CharField(max_length=60, help_text="API client or user that sent it.")
    key = models.CharField(max_length=100)
    body_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [
            models.UniqueConstraint(fields=["principal", "key"], name="idempotency_key_once")
        ]

    def __str__(self) -> str:
        return f"{self.principal} {self.key} → {self.status_code}"


class ChangeRequest(models.Model):
    """A manual ledger-changing action waiting for a second person (双人复核).

    The maker asks; a different user holding the same permission approves (the service then
    runs) or refuses. Both are recorded here and in the audit trail.
    """

    class Kind(models.TextChoices):
        REVERSAL = "reversal", "reverse a contribution (冲正)"
        REINSTATEMENT = "reinstatement", "reinstate a suspense item (暂收转正)"
        RETIREMENT = "retirement", "approve a retirement (退休审批)"
        RULE_CHANGE = "rule_change", "change a risk rule (规则调整)"

    class Status(models.TextChoices):
        PENDING = "pending", "waiting for a checker (待复核)"
        APPROVED = "approved", "approved and done (已通过)"
        REFUSED = "refused", "refused (已驳回)"
        FAILED = "failed", "approved, refused by the rules (执行失败)"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    subject = models.CharField(max_length=60, help_text="The row concerned: <kind>:<id>.")
    # For the scope: whose record it is, and in which province (none for national rules).
    person = models.ForeignKey(
        "contributions.InsuredPerson",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    payload = models.JSONField(default=dict, help_text="What the maker asked for.")
    summary = models.CharField(max_length=300)
    made_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    made_by_client = models.ForeignKey(
        "ApiClient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="A provincial system that asked (a retirement only).",
    )
    made_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField("checker's note", max_length=500, blank=True)
    outcome = models.CharField(max_length=500, blank=True, help_text="What the service said.")

    class Meta:
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        ordering = ["-made_at"]
        constraints = [
            models.CheckConstraint(
                name="change_made_by_one",
                condition=Q(made_by__isnull=False, made_by_client__isnull=True)
                | Q(made_by__isnull=True, made_by_client__isnull=False),
            ),
            models.CheckConstraint(
                name="change_checked_by_another",
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("made_by")),
            ),
            models.CheckConstraint(
                name="change_decided_when_not_pending",
                condition=Q(status="pending", decided_by__isnull=True)
                | (~Q(status="pending") & Q(decided_by__isnull=False)),
            ),
            models.UniqueConstraint(
                fields=["kind", "subject"],
                condition=Q(status="pending"),
                name="change_one_pending_per_subject",
            ),
        ]
        indexes = [models.Index(fields=["status", "province"], name="change_queue_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.summary}"


class ActivationCode(models.Model):
    """A one-time code sent to a person's registered mobile for the first sign-in (账户激活).

    Only a hash is kept. A code serves once, for ACTIVATION_CODE_MINUTES, and at most
    ACTIVATION_CODE_ATTEMPTS wrong tries.
    """

    person = models.ForeignKey(
        "contributions.InsuredPerson", on_delete=models.CASCADE, related_name="+"
    )
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("activation code")
        verbose_name_plural = _("activation codes")
        indexes = [models.Index(fields=["person", "-created_at"], name="activation_person_idx")]

    def __str__(self) -> str:
        return f"activation code of person {self.person_id} ({self.created_at:%Y-%m-%d %H:%M})"


class OutboxMessage(models.Model):
    """A text message the development SMS gateway "sent": shown on /dev/outbox/, never in
    production."""

    mobile = models.CharField(max_length=11)
    text = models.CharField(max_length=300)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("development text message")
        verbose_name_plural = _("development text messages")
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"text message of {self.sent_at:%Y-%m-%d %H:%M}"

"""Cross-province transfers of the insurance relationship (跨省转移接续) and the calendar
their time limits are counted in."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}


class CalendarDay(models.Model):
    """A day that breaks the Monday-to-Friday rule: a public holiday on a weekday or an
    adjusted working weekend (调休上班), as the State Council publishes them each year."""

    day = models.DateField(primary_key=True)
    is_working_day = models.BooleanField()
    name = models.CharField(max_length=50, blank=True, help_text="e.g. 国庆节, 春节调休")

    class Meta:
        verbose_name = _("calendar exception")
        verbose_name_plural = _("working-day calendar")
        ordering = ["day"]

    def __str__(self) -> str:
        kind = "working day" if self.is_working_day else "holiday"
        return f"{self.day} {kind} {self.name}".rstrip()


class Transfer(models.Model):
    """One transfer of a person's relationship from one province to another (§3.5).

    The receiving office takes the application and accepts or rejects it; the sending
    office sends the information sheet (信息表) and remits the funds; the receiving office
    records the funds and completes. Each pending step has a deadline in working days.
    """

    class Status(models.TextChoices):
        APPLIED = "applied", "applied (已申请)"
        ACCEPTED = "accepted", "accepted, letter sent (已发联系函)"
        REJECTED = "rejected", "rejected (不予受理)"
        SENT = "sent", "sheet sent, funds remitted (已转出)"
        FUNDS_RECEIVED = "funds_received", "funds received (资金已到账)"
        COMPLETED = "completed", "completed (已办结)"
        CANCELLED = "cancelled", "cancelled (已撤销)"

    # Still being handled: another transfer of the person waits for it to end.
    IN_FLIGHT = (Status.APPLIED, Status.ACCEPTED, Status.SENT, Status.FUNDS_RECEIVED)
    # Before the sending office remits, nothing has moved: the case may be withdrawn.
    CANCELLABLE = (Status.APPLIED, Status.ACCEPTED)

    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    person = models.ForeignKey(
        "contributions.InsuredPerson", on_delete=models.PROTECT, related_name="transfers"
    )
    from_province = models.ForeignKey(
        "accounts.Province",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="from (转出地)",
    )
    to_province = models.ForeignKey(
        "accounts.Province", on_delete=models.PROTECT, related_name="+", verbose_name="to (转入地)"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.APPLIED)
    applied_on = models.DateField()
    accepted_on = models.DateField(null=True, blank=True)
    rejected_on = models.DateField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    cancelled_on = models.DateField(null=True, blank=True)
    sent_on = models.DateField(null=True, blank=True)
    funds_received_on = models.DateField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    step_deadline = models.DateField(
        null=True, blank=True, help_text="Last working day for the pending step."
    )
    notice_deadline = models.DateField(
        null=True,
        blank=True,
        help_text="Last working day for the written notice of non-transferable periods.",
    )
    # The information sheet (信息表), fixed when it is sent.
    sheet = models.JSONField(
        default=dict, blank=True, help_text="Months and bases that move, and those that do not."
    )
    account_amount = models.DecimalField("personal account moved", null=True, blank=True, **MONEY)
    pooling_amount = models.DecimalField("pooling funds due", null=True, blank=True, **MONEY)
    pooling_received = models.DecimalField("pooling funds received", null=True, blank=True, **MONEY)
    duplicate_refund = models.DecimalField(
        "refunded for months paid twice (重复缴费退还)", null=True, blank=True, **MONEY
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-applied_on", "-pk"]
        permissions = [("take_transfer_step", "Can take a step of a transfer (转移经办)")]
        constraints = [
            models.UniqueConstraint(fields=["public_id", "person"], name="transfer_public_id"),
            models.CheckConstraint(
                name="transfer_between_two_provinces",
                condition=~Q(from_province=models.F("to_province")),
            ),
            # One relationship, one transfer at a time.
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status__in=["applied", "accepted", "sent", "funds_received"]),
                name="transfer_one_in_flight_per_person",
            ),
        ]
        indexes = [
            models.Index(fields=["to_province", "status"], name="transfer_inbox_idx"),
            models.Index(fields=["from_province", "status"], name="transfer_outbox_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.from_province_id}→{self.to_province_id} {self.get_status_display()}"


class TransferStep(models.Model):
    """One step taken on a transfer, by whom and when: the history the person follows."""

    # The transfer's person: the foreign key to the transfer is (transfer_id, person_id), in
    # SQL (migration contributions 0024).
    person = models.ForeignKey(
        "contributions.InsuredPerson", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    transfer = models.ForeignKey(
        Transfer, on_delete=models.CASCADE, related_name="steps", db_constraint=False
    )
    status = models.CharField(max_length=16, choices=Transfer.Status.choices)
    on = models.DateField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("transfer step")
        verbose_name_plural = _("transfer steps")
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.on} {self.status}"

"""Caseworker screens for transfers and the working-day calendar their deadlines use.

A transfer is seen by caseworkers of either province. The queue puts the cases waiting on
the caseworker's office first, the earliest deadline first; each step is an action with a
form that calls the service, taken only by the office whose step it is.
"""

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from functools import partial

from django import forms
from django.contrib import admin, messages
from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from accounts import scope
from accounts.scope import RowRule
from accounts.services import access_record
from contributions.services import LedgerError
from portal.admin import ReadOnlyInline, ScopedAdmin, action_confirmation
from portal.transfer_documents import contact_letter_pdf, information_sheet_pdf
from transfers import rules, selectors, services
from transfers.models import CalendarDay, Transfer, TransferStep


@admin.register(CalendarDay)
class CalendarDayAdmin(ScopedAdmin):
    scope_rule = RowRule("reference")
    list_display = ["day", "is_working_day", "name"]
    list_filter = ["is_working_day"]
    date_hierarchy = "day"
    search_fields = ["name"]


class TransferStepInline(ReadOnlyInline):
    model = TransferStep
    fields = ["status", "on", "by", "note", "recorded_at"]


class WaitingOnFilter(admin.SimpleListFilter):
    title = "waiting on (待办)"
    parameter_name = "waiting"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [("us", "my office (本机构)"), ("any", "any office (在办)")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "us":
            return selectors.waiting_on(queryset, scope.provinces(request.user))
        if self.value() == "any":
            return selectors.waiting_on(queryset, None)
        return queryset


class StepForm(forms.Form):
    on = forms.DateField(
        label="Date of the step", initial=timezone.localdate, help_text="YYYY-MM-DD"
    )

    def clean_on(self) -> date:
        on = self.cleaned_data["on"]
        if on > timezone.localdate():
            raise forms.ValidationError("A step cannot be dated after today.")
        return on


class ReasonedStepForm(StepForm):
    reason = forms.CharField(
        label="Reason, as the person will read it", max_length=500, widget=forms.Textarea
    )


class FundsReceivedForm(StepForm):
    pooling_received = forms.DecimalField(
        label="Pooling funds credited by the bank", max_digits=14, decimal_places=2, min_value=0
    )


Step = Callable[[Transfer, dict, object], Transfer]

# The documents of a case (§3.6): (name, label, whether it exists yet).
DOCUMENTS: list[tuple[str, str, Callable[[Transfer], bool]]] = [
    ("contact_letter", "contact letter (联系函)", lambda t: t.accepted_on is not None),
    ("information_sheet", "information sheet (信息表)", lambda t: t.sent_on is not None),
]


@admin.register(Transfer)
class TransferAdmin(ScopedAdmin):
    scope_rule = scope.TRANSFER_ROWS
    list_display = [
        "public_id",
        "person",
        "from_province",
        "to_province",
        "status",
        "acting_office",
        "deadline",
        "applied_on",
    ]
    list_filter = [WaitingOnFilter, "status", "to_province", "from_province"]
    list_select_related = ["person", "from_province", "to_province"]
    date_hierarchy = "applied_on"
    inlines = [TransferStepInline]
    search_fields = ["=public_id", "=person__id_number"]
    actions = ["accept", "reject", "send", "record_funds", "complete", "cancel"]

    def get_ordering(self, request: HttpRequest) -> list:
        # Overdue first: the earliest deadline leads, ended cases (no deadline) last.
        return [F("step_deadline").asc(nulls_last=True), "-applied_on", "-pk"]

    @admin.display(description="acting office (待办方)")
    def acting_office(self, transfer: Transfer) -> str:
        office = rules.acting_office(transfer.status)
        if office is None:
            return "—"
        province = transfer.to_province if office == "receiving" else transfer.from_province
        return f"{office} · {province}"

    @admin.display(description="deadline (办理时限)", ordering="step_deadline")
    def deadline(self, transfer: Transfer) -> str:
        if transfer.step_deadline is None:
            return "—"
        if transfer.step_deadline < timezone.localdate():
            return format_html("<strong>{} overdue (已超时)</strong>", transfer.step_deadline)
        return str(transfer.step_deadline)

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return [field.name for field in self.model._meta.fields] + ["documents"]

    @admin.display(description="documents (单据)")
    def documents(self, transfer: Transfer) -> str:
        links = [
            (name, label)
            for name, label, ready in DOCUMENTS
            if transfer.pk is not None and ready(transfer)
        ]
        if not links:
            return "—"
        return format_html_join(
            " · ",
            '<a href="{}">{}</a>',
            ((reverse(f"admin:transfers_transfer_{name}", args=[transfer.pk]), label)
             for name, label in links),
        )  # fmt: skip

    def get_urls(self) -> list:
        documents = [
            path(
                f"<int:pk>/{name.replace('_', '-')}.pdf",
                self.admin_site.admin_view(partial(self.document, name=name)),
                name=f"transfers_transfer_{name}",
            )
            for name, _, _ in DOCUMENTS
        ]
        return documents + super().get_urls()

    def document(self, request: HttpRequest, pk: int, *, name: str) -> HttpResponse:
        """A document of the case as PDF, once its step is taken; the read is logged."""
        transfer = get_object_or_404(
            self.get_queryset(request).select_related("person", "from_province", "to_province"),
            pk=pk,
        )
        [ready] = [ready for document, _, ready in DOCUMENTS if document == name]
        if not self.has_view_permission(request, transfer) or not ready(transfer):
            raise Http404("This document does not exist yet.")
        access_record(
            principal=request.user,
            person_ids=[transfer.person_id],
            action=f"admin_transfer_{name}",
            path=request.path,
        )
        render = contact_letter_pdf if name == "contact_letter" else information_sheet_pdf
        response = HttpResponse(render(transfer), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}-{transfer.public_id}.pdf"'
        return response

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_take_transfer_step_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("transfers.take_transfer_step")

    # --- the steps ----------------------------------------------------------------------

    def _take(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        *,
        action: str,
        title: str,
        intro: str,
        office: str,
        form_class: type[StepForm],
        step: Step,
        details: Sequence[str] = (),
    ) -> HttpResponse | None:
        """Ask for the step's form, then take the step on each case this office handles."""
        form = form_class(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return action_confirmation(
                self,
                request,
                queryset,
                form,
                details,
                action=action,
                title=title,
                intro=intro,
                submit=title,
            )
        taken = 0
        for transfer in queryset:
            province = transfer.from_province_id if office == "sending" else transfer.to_province_id
            if not scope.may_write_province(request.user, province):
                self.message_user(
                    request,
                    f"{transfer}: this step is for the {office} office ({province}).",
                    messages.ERROR,
                )
                continue
            try:
                step(transfer, form.cleaned_data, request.user)
                taken += 1
            except LedgerError as error:
                self.message_user(request, f"{transfer}: {error.message}", messages.ERROR)
        if taken:
            self.message_user(request, f"{title}: {taken} transfer(s).")
        return None

    @admin.action(
        description="Accept and send the contact letter (受理)", permissions=["take_transfer_step"]
    )
    def accept(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._take(
            request,
            queryset,
            action="accept",
            title="Accept",
            intro="The receiving office accepts and sends the contact letter (联系函) to the "
            "sending office, which then has 15 working days to send.",
            office="receiving",
            form_class=StepForm,
            step=lambda t, data, by: services.transfer_accept(transfer=t, on=data["on"], by=by),
        )

    @admin.action(description="Reject (不予受理)", permissions=["take_transfer_step"])
    def reject(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._take(
            request,
            queryset,
            action="reject",
            title="Reject",
            intro="The applicant is told the reason in writing.",
            office="receiving",
            form_class=ReasonedStepForm,
            step=lambda t, data, by: services.transfer_reject(
                transfer=t, on=data["on"], reason=data["reason"], by=by
            ),
        )

    @admin.action(
        description="Send the sheet and the funds (转出)", permissions=["take_transfer_step"]
    )
    def send(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        previews = []
        for transfer in queryset:
            sheet = services.information_sheet_due(transfer)
            pooling = rules.transfer_amounts(months=sheet.months, account_balance=Decimal(0))
            stays = ", ".join(str(m) for m in sheet.non_transferable) or "none"
            previews.append(
                f"{transfer}: {len(sheet.months)} month(s) move, pooling funds "
                f"{pooling.pooling_amount}; staying behind: {stays}"
            )
        return self._take(
            request,
            queryset,
            action="send",
            title="Send",
            intro="The information sheet (信息表) goes to the receiving office and the funds "
            "are remitted: the personal account with its interest to the day of sending, and "
            "the pooling funds. Months staying behind are told to the person in writing.",
            details=previews,
            office="sending",
            form_class=StepForm,
            step=lambda t, data, by: services.transfer_send(transfer=t, on=data["on"], by=by),
        )

    @admin.action(
        description="Record the funds received (资金到账)", permissions=["take_transfer_step"]
    )
    def record_funds(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._take(
            request,
            queryset,
            action="record_funds",
            title="Record the funds",
            intro="Enter the pooling funds the bank credited; a difference from the sheet is "
            "flagged (RK-18).",
            office="receiving",
            form_class=FundsReceivedForm,
            step=lambda t, data, by: services.transfer_funds_receive(
                transfer=t, on=data["on"], pooling_received=data["pooling_received"], by=by
            ),
        )

    @admin.action(description="Complete (办结)", permissions=["take_transfer_step"])
    def complete(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._take(
            request,
            queryset,
            action="complete",
            title="Complete",
            intro="The case ends and the person is notified.",
            office="receiving",
            form_class=StepForm,
            step=lambda t, data, by: services.transfer_complete(transfer=t, on=data["on"], by=by),
        )

    @admin.action(description="Cancel the application (撤销)", permissions=["take_transfer_step"])
    def cancel(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._take(
            request,
            queryset,
            action="cancel",
            title="Cancel",
            intro="Only an application not yet sent can be cancelled.",
            office="receiving",
            form_class=ReasonedStepForm,
            step=lambda t, data, by: services.transfer_cancel(
                transfer=t, on=data["on"], reason=data["reason"], by=by
            ),
        )

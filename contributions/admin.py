"""Caseworker screens for the ledger.

Every list is limited by the scope module (accounts.scope). Ledger rows and status facts
are read-only: changes go through actions that call the services. Opening a person's
record is recorded in the access log.
"""

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from accounts import scope
from accounts.models import Agency, ChangeRequest, Province
from accounts.scope import RowRule
from accounts.services import access_record
from contributions import selectors, services
from contributions.models import (
    ContributionBatch,
    ContributionRecord,
    CorrectionCase,
    CreditingRate,
    DeemedService,
    Employer,
    Enrolment,
    InsuredPerson,
    JournalEntry,
    JournalLine,
    PersonalAccountEntry,
    ProvincePolicy,
    ReconciliationResult,
    ReconciliationRun,
    SuspenseItem,
)
from contributions.rules import Month
from contributions.services import LedgerError
from portal.admin import (
    LedgerAdmin,
    ReadOnlyInline,
    ScopedAdmin,
    action_confirmation,
    request_changes,
)
from portal.desk import person_summary, retirement_facts
from risk.models import BackPaymentEvidence, Certification
from transfers import services as transfer_services


@admin.register(ProvincePolicy)
class ProvincePolicyAdmin(ScopedAdmin):
    scope_rule = RowRule("province")
    list_display = [
        "province",
        "year",
        "average_wage",
        "contribution_floor",
        "contribution_ceiling",
        "employer_rate",
        "is_approximate",
    ]
    list_filter = ["is_approximate", "year", "province"]
    list_select_related = ["province"]
    search_fields = ["province__name_zh", "province__name_en", "province__code"]


@admin.register(CreditingRate)
class CreditingRateAdmin(ScopedAdmin):
    scope_rule = RowRule("reference")
    list_display = ["year", "rate", "published_on", "is_provisional"]


class EnrolmentInline(ReadOnlyInline):
    model = Enrolment
    fields = ["province", "scheme", "employer", "start_month", "end_month", "status"]
    show_change_link = True


class DeemedServiceInline(ReadOnlyInline):
    model = DeemedService
    fields = ["province", "months", "until_month"]


@admin.register(InsuredPerson)
class InsuredPersonAdmin(ScopedAdmin):
    scope_rule = RowRule("persons")
    list_display = ["masked_id_number", "name", "sex", "birth_date", "hukou_province", "status"]
    list_filter = ["status", "retirement_category", "hukou_province"]
    list_select_related = ["hukou_province"]
    # The full ID number finds a person; a list never shows it.
    search_fields = ["=id_number", "name"]
    show_full_result_count = False
    fields = [
        "id_number",
        "name",
        "birth_date",
        "sex",
        "hukou_province",
        "retirement_category",
        "status",
        "retired_on",
        "died_on",
        "merged_into",
        "created_at",
        "updated_at",
    ]
    # Facts of the ledger: registered by the provinces, changed only by the actions.
    readonly_fields = fields
    inlines = [EnrolmentInline, DeemedServiceInline]
    actions = [
        "approve_retirement",
        "record_death",
        "record_benefit_payment",
        "record_certification",
        "record_back_payment_evidence",
        "record_deemed_service",
    ]

    @admin.action(description="Record a death (死亡登记)", permissions=["record_fact"])
    def record_death(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._record_fact(
            request, queryset, DeathForm, "record_death", "Record a death",
            "The relationship stops and the open enrolments close at the death month; "
            "pensions paid for later months are flagged by RK-05.",
            lambda person, fact: services.person_death(person=person, by=request.user, **fact),
        )  # fmt: skip

    @admin.action(description="Record a pension paid (养老金发放)", permissions=["record_fact"])
    def record_benefit_payment(
        self, request: HttpRequest, queryset: QuerySet
    ) -> HttpResponse | None:
        return self._record_fact(
            request, queryset, BenefitPaymentForm, "record_benefit_payment",
            "Record a pension paid",
            "A monthly pension the province paid, for a month from the retirement on; "
            "screening reads it (RK-04, RK-05, RK-06).",
            lambda person, fact: services.benefit_payment_record(person=person, **fact),
        )  # fmt: skip

    @admin.action(description="Record a certification (领取资格认证)", permissions=["record_fact"])
    def record_certification(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._record_fact(
            request, queryset, CertificationForm, "record_certification",
            "Record an entitlement certification",
            "A pensioner certified as alive and entitled, until a day (RK-06 reads it).",
            lambda person, fact: services.certification_record(person=person, **fact),
        )  # fmt: skip

    @admin.action(
        description="Record back-payment evidence (补缴依据)", permissions=["record_fact"]
    )
    def record_back_payment_evidence(
        self, request: HttpRequest, queryset: QuerySet
    ) -> HttpResponse | None:
        return self._record_fact(
            request, queryset, BackPaymentEvidenceForm, "record_back_payment_evidence",
            "Record the evidence of a back-payment",
            "The document behind a lump back-payment: with it the months move in a transfer "
            "and RK-09 does not flag them. A written undertaking dated after 2016-11-28 "
            "proves nothing (人社厅函〔2016〕规5号).",
            lambda person, fact: services.back_payment_evidence_record(person=person, **fact),
        )  # fmt: skip

    @admin.action(description="Record deemed service (视同缴费)", permissions=["record_fact"])
    def record_deemed_service(
        self, request: HttpRequest, queryset: QuerySet
    ) -> HttpResponse | None:
        return self._record_fact(
            request, queryset, DeemedServiceForm, "record_deemed_service",
            "Record deemed contribution service",
            "Months of service before personal accounts began (1998-01), approved by the "
            "province, counted as contribution years.",
            lambda person, fact: services.deemed_service_record(person=person, **fact),
        )  # fmt: skip

    def _record_fact(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        form_class: type["FactForm"],
        action: str,
        title: str,
        intro: str,
        record: Callable[[InsuredPerson, dict], object],
    ) -> HttpResponse | None:
        """Ask for the fact, then record it for each selected person through its service."""
        form = form_class(request.POST if "apply" in request.POST else None, user=request.user)
        if not form.is_valid():
            return action_confirmation(
                self, request, queryset, form, action=action, title=title, intro=intro,
                submit="Record",
            )  # fmt: skip
        for person in queryset:
            try:
                record(person, dict(form.cleaned_data))
            except LedgerError as error:
                self.message_user(request, f"{person}: {error.message}", messages.ERROR)
            else:
                self.message_user(request, f"{person}: recorded.", messages.SUCCESS)
        return None

    def has_record_fact_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("contributions.write_via_api")

    @admin.action(description="Approve retirement (退休审批)", permissions=["approve_retirement"])
    def approve_retirement(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        form = RetirementForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            today = timezone.localdate()
            return action_confirmation(
                self,
                request,
                queryset,
                form,
                [retirement_facts(person, today=today).summary(person) for person in queryset],
                action="approve_retirement",
                title="Approve retirement",
                intro="The pension starts in the month given. A second caseworker approves the "
                "request; the retirement age reform and the minimum contribution years are "
                "checked then (RK-12, RK-19).",
                submit="Ask for approval",
            )
        month, special = form.cleaned_data["month"], form.cleaned_data["special_route"]
        request_changes(
            self,
            request,
            queryset,
            kind=ChangeRequest.Kind.RETIREMENT,
            payload={"month": str(month), "special_route": special},
            summary=lambda person: (
                f"{person}: pension from {month}" + (" (special route)" if special else "")
            ),
        )
        return None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # persons are registered through the provincial API

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_approve_retirement_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("contributions.approve_retirement")

    change_form_template = "admin/contributions/insuredperson/change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None) -> HttpResponse:
        person = self.get_object(request, object_id)  # in the user's scope, or None
        if person is not None:
            summary = person_summary(person, request.user, today=timezone.localdate())
            extra_context = {**(extra_context or {}), "summary": summary}
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200 and str(object_id).isdigit():
            access_record(
                principal=request.user,
                person_ids=[int(object_id)],
                action="admin_view",
                path=request.path,
            )
        return response


class EmployerMoveForm(forms.Form):
    to_agency = forms.ModelChoiceField(
        label="To the agency (接收经办机构)",
        queryset=Agency.objects.exclude(province=None),
        to_field_name="division_code",
    )
    month = forms.CharField(label="From the month (YYYY-MM)", max_length=7)

    def clean_month(self) -> Month:
        try:
            return Month.parse(self.cleaned_data["month"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


@admin.register(Employer)
class EmployerAdmin(ScopedAdmin):
    scope_rule = RowRule("agency")
    list_display = ["name", "uscc", "province"]
    list_filter = ["province"]
    list_select_related = ["province"]
    search_fields = ["=uscc", "name"]
    # Who sees an employer follows its province and agency: never changed in a form.
    readonly_fields = ["uscc", "province", "agency", "created_at"]
    actions = ["move"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # registered through the provincial API

    @admin.action(
        description="Move with all its staff to another agency (成建制划转)",
        permissions=["move"],
    )
    def move(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        form = EmployerMoveForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return action_confirmation(
                self,
                request,
                queryset,
                form,
                [f"{employer}: {employer.enrolments.filter(status='active').count()} active "
                 "enrolment(s) move" for employer in queryset],
                action="move",
                title="Move with all its staff",
                intro="The employer and its active enrolments move to the agency named. To "
                "another province, each enrolment is suspended here and opens there from the "
                "month given, and a transfer is applied for each person with months to move.",
                submit="Move",
            )  # fmt: skip
        to_agency, month = form.cleaned_data["to_agency"], form.cleaned_data["month"]
        for employer in queryset:
            provinces = {employer.province_id, to_agency.province_id}
            if not all(scope.may_write_province(request.user, p) for p in provinces):
                self.message_user(
                    request, f"{employer}: both provinces must be yours to write.", messages.ERROR
                )
                continue
            try:
                plan, moved = transfer_services.employer_move(
                    employer=employer,
                    to_agency=to_agency,
                    month=month,
                    on=timezone.localdate(),
                    by=request.user,
                )
            except LedgerError as error:
                self.message_user(request, f"{employer}: {error.message}", messages.ERROR)
                continue
            self.message_user(
                request,
                f"{employer}: {len(plan.enrolments)} enrolment(s) moved to {to_agency}, "
                f"{len(moved)} transfer(s) applied.",
            )
        return None

    def has_move_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("transfers.take_transfer_step")


@admin.register(Enrolment)
class EnrolmentAdmin(ScopedAdmin):
    scope_rule = RowRule("agency")
    list_display = ["person", "province", "scheme", "employer", "start_month", "status"]
    list_filter = ["status", "scheme", "is_temporary_account", "province"]
    list_select_related = ["person", "province", "employer"]
    search_fields = ["=person__id_number"]
    actions = ["mark_organisational_transfer"]

    @admin.action(
        description="Mark as an approved organisational transfer (组织调动)",
        permissions=["mark"],
    )
    def mark_organisational_transfer(self, request: HttpRequest, queryset: QuerySet) -> None:
        for enrolment in queryset:
            if scope.may_write_province(request.user, enrolment.province_id):
                services.enrolment_mark_organisational_transfer(enrolment=enrolment)
            else:
                self.message_user(request, f"{enrolment}: not your province's.", messages.ERROR)

    def has_mark_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("contributions.write_via_api")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # opened and ended by the provincial systems through the services

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class MonthField(forms.CharField):
    """A month as YYYY-MM."""

    def __init__(self, **kwargs) -> None:
        super().__init__(max_length=7, **kwargs)

    def clean(self, value) -> Month:
        try:
            return Month.parse(super().clean(value))
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


class FactForm(forms.Form):
    """A fact about a person, entered by a caseworker; a province field offers only the
    provinces the caseworker writes."""

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if "province" in self.fields:
            self.fields["province"].choices = [
                (province.code, str(province))
                for province in Province.objects.order_by("code")
                if scope.may_write_province(user, province.code)
            ]


class DeathForm(FactForm):
    died_on = forms.DateField(label="Day of death (死亡日期)", help_text="YYYY-MM-DD")


class BenefitPaymentForm(FactForm):
    province = forms.ChoiceField(label="Province that paid (发放省)")
    month = MonthField(label="Month paid for (YYYY-MM)")
    amount = forms.DecimalField(
        label="Monthly pension paid (yuan)", max_digits=12, decimal_places=2, min_value=0.01
    )
    bank_account = forms.CharField(label="Bank account", max_length=40, required=False)


class CertificationForm(FactForm):
    certified_on = forms.DateField(label="Certified on (认证日期)", help_text="YYYY-MM-DD")
    valid_until = forms.DateField(label="Valid until", help_text="YYYY-MM-DD")
    method = forms.ChoiceField(label="Method", choices=Certification.Method.choices)


class BackPaymentEvidenceForm(FactForm):
    batch = forms.UUIDField(label="Batch that posted the back-payment (batch id)")
    kind = forms.ChoiceField(label="Document", choices=BackPaymentEvidence.Kind.choices)
    document_date = forms.DateField(label="Dated", help_text="YYYY-MM-DD")
    reference = forms.CharField(label="Number or title", max_length=100)

    def clean_batch(self) -> ContributionBatch:
        batch = (
            scope.province_rows(self.user, ContributionBatch.objects.all())
            .filter(public_id=self.cleaned_data["batch"])
            .first()
        )
        if batch is None:
            raise forms.ValidationError("No batch of a province you write has this id.")
        return batch


class DeemedServiceForm(FactForm):
    province = forms.ChoiceField(label="Province that approved it")
    months = forms.IntegerField(label="Deemed months", min_value=1, max_value=600)
    until_month = MonthField(label="Last month of the service (YYYY-MM, before 1998-01)")


class RetirementForm(forms.Form):
    month = MonthField(label="Pension from (YYYY-MM)")
    special_route = forms.BooleanField(
        label="Approved special-type or disability route (特殊工种/病退)", required=False
    )


# Reversals are reviewed one by one on the confirmation page, so a page's worth at a time.
REVERSAL_LIMIT = 100


class ReversalForm(forms.Form):
    reason = forms.CharField(
        label="Reason (冲正原因)", widget=forms.Textarea(attrs={"rows": 3}), max_length=500
    )


@admin.register(ContributionRecord)
class ContributionRecordAdmin(LedgerAdmin):
    scope_rule = RowRule("person")
    list_display = [
        "person",
        "province",
        "month",
        "scheme",
        "base",
        "pooling_part",
        "account_part",
        "kind",
        "posted_at",
    ]
    list_filter = ["kind", "scheme", "is_temporary_account", "province"]
    list_select_related = ["person", "province"]
    search_fields = ["=person__id_number"]
    date_hierarchy = "month"
    show_full_result_count = False
    actions = ["reverse"]

    @admin.action(description="Reverse the selected contributions (冲正)", permissions=["reverse"])
    def reverse(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        if queryset.count() > REVERSAL_LIMIT:
            self.message_user(
                request, f"Select at most {REVERSAL_LIMIT} contributions.", messages.ERROR
            )
            return None
        form = ReversalForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return action_confirmation(
                self,
                request,
                queryset,
                form,
                action="reverse",
                title="Reverse contributions",
                intro="Each original stays in the ledger; once a second caseworker approves, a "
                "reversing record and journal entry cancel it, and both keep the reason.",
                submit="Ask for approval",
            )
        reason = form.cleaned_data["reason"]
        request_changes(
            self,
            request,
            queryset,
            kind=ChangeRequest.Kind.REVERSAL,
            payload={"reason": reason},
            summary=lambda record: (
                f"{record.person} {record.month:%Y-%m} "
                f"{record.province_id} base {record.base}: {reason}"
            ),
        )
        return None

    def has_reverse_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("contributions.reverse_contributionrecord")


@admin.register(PersonalAccountEntry)
class PersonalAccountEntryAdmin(LedgerAdmin):
    scope_rule = RowRule("person")
    list_display = ["person", "province", "kind", "amount", "value_date", "is_provisional"]
    list_filter = ["kind", "interest_year", "is_provisional", "province"]
    list_select_related = ["person", "province"]
    search_fields = ["=person__id_number"]
    show_full_result_count = False


class JournalLineInline(ReadOnlyInline):
    model = JournalLine
    fields = ["province", "account", "amount"]


@admin.register(JournalEntry)
class JournalEntryAdmin(LedgerAdmin):
    scope_rule = RowRule("province", province_fields=("lines__province",))
    list_display = ["posted_at", "event", "description", "reversal_of"]
    list_filter = ["event"]
    inlines = [JournalLineInline]


@admin.register(ContributionBatch)
class ContributionBatchAdmin(LedgerAdmin):
    scope_rule = RowRule("province")
    list_display = ["public_id", "province", "source", "row_count", "received_at"]
    list_filter = ["source", "province"]


@admin.register(SuspenseItem)
class SuspenseItemAdmin(LedgerAdmin):
    scope_rule = RowRule("province")
    list_display = ["id_number", "name", "province", "month", "base", "reinstated"]
    list_filter = ["province"]
    search_fields = ["=id_number"]
    actions = ["reinstate"]

    @admin.display(boolean=True, description="reinstated")
    def reinstated(self, item: SuspenseItem) -> bool:
        return hasattr(item, "reinstatement")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("province", "reinstatement")

    @admin.action(
        description="Reinstate to the registered person (暂收转正)", permissions=["reinstate"]
    )
    def reinstate(self, request: HttpRequest, queryset: QuerySet) -> None:
        request_changes(
            self,
            request,
            queryset,
            kind=ChangeRequest.Kind.REINSTATEMENT,
            payload={},
            summary=lambda item: (
                f"{item.name or item.id_number[:6] + '…'} {item.month:%Y-%m} "
                f"{item.province_id} base {item.base}"
            ),
        )

    def has_reinstate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("contributions.reinstate_suspenseitem")


class ReconciliationResultInline(ReadOnlyInline):
    model = ReconciliationResult
    fields = ["province", "account", "subledger_total", "control_total", "difference"]


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ScopedAdmin):
    scope_rule = RowRule("nation")
    list_display = ["started_at", "discrepancies"]
    inlines = [ReconciliationResultInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class CorrectionDecisionForm(forms.Form):
    decision = forms.CharField(
        label="Decision, as the person will read it", max_length=1000, widget=forms.Textarea
    )


@admin.register(CorrectionCase)
class CorrectionCaseAdmin(ScopedAdmin):
    """Months that persons report as wrong (核对申请), with the month's records as they
    stand; decided here, and the decision shown to the person."""

    scope_rule = scope.CORRECTION_ROWS
    list_display = ["created_at", "person", "province", "month", "status"]
    list_filter = ["status", "province"]
    list_select_related = ["person", "province"]
    fields = ["person", "province", "month", "report", "provenance", "status", "decision",
              "decided_by", "decided_at", "created_at"]  # fmt: skip
    readonly_fields = fields
    actions = ["ask_reversal", "ask_back_payment", "refuse"]

    @admin.display(description="the month's records (缴费记录)")
    def provenance(self, case: CorrectionCase) -> str:
        entries = [
            entry
            for entry in selectors.record_entries(
                person_id=case.person_id, month=Month.from_date(case.month)
            )
            if entry.province == case.province_id
        ]
        if not entries:
            return "nothing is posted for this month here"
        return format_html_join(
            mark_safe("<br>"),
            "{} · {} · base {} · pooling {} · account {} · {} · posted {} · batch {} · {}",
            ((e.employer or "flexible", e.kind, e.base, e.pooling_part, e.account_part,
              "temporary account" if e.is_temporary_account else "normal",
              e.posted_at.date(), e.batch or "—", "standing" if e.stands else "reversed/reversal")
             for e in entries),
        )  # fmt: skip

    def change_view(self, request, object_id, form_url="", extra_context=None) -> HttpResponse:
        case = self.get_object(request, object_id)
        response = super().change_view(request, object_id, form_url, extra_context)
        if case is not None and response.status_code == 200:
            access_record(
                principal=request.user,
                person_ids=[case.person_id],
                action="admin_correction_view",
                path=request.path,
            )
        return response

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # reported by the person

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("contributions.decide_correctioncase")

    def _decide(
        self, request: HttpRequest, queryset: QuerySet, *, action: str, status: str, title: str,
        intro: str,
    ) -> HttpResponse | None:  # fmt: skip
        form = CorrectionDecisionForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return action_confirmation(
                self, request, queryset, form, action=action, title=title, intro=intro,
                submit=title,
            )  # fmt: skip
        decision = form.cleaned_data["decision"]
        for case in queryset:
            if not scope.may_write_province(request.user, case.province_id):
                self.message_user(request, f"{case}: not your province's case.", messages.ERROR)
                continue
            if status == CorrectionCase.Status.REVERSAL:
                request_changes(
                    self,
                    request,
                    selectors.standing_records(
                        person_id=case.person_id, province=case.province_id,
                        month=Month.from_date(case.month),
                    ),
                    kind=ChangeRequest.Kind.REVERSAL,
                    payload={"reason": decision},
                    summary=lambda record: f"{record}: {decision}",
                )  # fmt: skip
            try:
                services.correction_decide(
                    case=case, status=status, decision=decision, by=request.user
                )
            except LedgerError as error:
                self.message_user(request, f"{case}: {error.message}", messages.ERROR)
        return None

    @admin.action(description="Ask for a reversal of the month (申请冲正)", permissions=["decide"])
    def ask_reversal(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._decide(
            request, queryset, action="ask_reversal", status=CorrectionCase.Status.REVERSAL,
            title="Ask for a reversal",
            intro="The month's standing records are reversed once a second caseworker "
            "approves (Change requests).",
        )  # fmt: skip

    @admin.action(description="Ask for a back-payment (通知补缴)", permissions=["decide"])
    def ask_back_payment(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._decide(
            request, queryset, action="ask_back_payment",
            status=CorrectionCase.Status.BACK_PAYMENT, title="Ask for a back-payment",
            intro="Say who pays the month and by when.",
        )  # fmt: skip

    @admin.action(description="Refuse, with the reason (不予更正)", permissions=["decide"])
    def refuse(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._decide(
            request, queryset, action="refuse", status=CorrectionCase.Status.REFUSED,
            title="Refuse", intro="The person reads the reason.",
        )  # fmt: skip

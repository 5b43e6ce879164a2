"""Caseworker screens for risk: rules and their parameters, screening runs, flag review."""

import csv
import uuid
from collections.abc import Iterable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from accounts import scope
from accounts.approvals import ApprovalError, change_request
from accounts.models import ChangeRequest
from accounts.scope import RowRule
from accounts.services import access_record
from portal.admin import ScopedAdmin, action_confirmation
from risk import services
from risk.models import RiskFlag, RiskRule, ScreeningRun
from risk.services import ScreeningError
from transfers.models import Transfer


class RiskRuleForm(forms.ModelForm):
    class Meta:
        model = RiskRule
        fields = ["severity", "is_active", "parameters"]

    def clean_parameters(self):
        try:
            return services.rule_parameters_check(
                rule=self.instance, parameters=self.cleaned_data["parameters"]
            )
        except ScreeningError as error:
            raise forms.ValidationError(str(error)) from None


@admin.register(RiskRule)
class RiskRuleAdmin(ScopedAdmin):
    """Rules come from the registry; caseworkers tune parameters, severity and activity.

    The list shows how reviews went (precision feedback): flags confirmed against dismissed.
    """

    list_display = [
        "code",
        "title_zh",
        "stage",
        "severity",
        "version",
        "is_active",
        "confirmed",
        "dismissed",
    ]
    list_filter = ["stage", "severity", "is_active"]
    scope_rule = RowRule("reference")
    form = RiskRuleForm
    readonly_fields = ["code", "title_zh", "title_en", "description", "stage", "version"]
    fields = [*readonly_fields, "severity", "is_active", "parameters"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(
                confirmed_count=Count("flags", filter=Q(flags__status="confirmed")),
                dismissed_count=Count("flags", filter=Q(flags__status="dismissed")),
            )
        )

    @admin.display(ordering="confirmed_count")
    def confirmed(self, rule: RiskRule) -> int:
        return rule.confirmed_count

    @admin.display(ordering="dismissed_count")
    def dismissed(self, rule: RiskRule) -> int:
        return rule.dismissed_count

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # Rules are national: only the national agency asks for a change.
        return (
            super().has_change_permission(request, obj) and scope.scope_of(request.user).is_nation
        )

    def save_model(self, request, obj, form, change) -> None:
        """A change waits for a second person: asked here, applied on approval."""
        rule = RiskRule.objects.get(pk=obj.pk)
        wanted = {name: form.cleaned_data[name] for name in ("severity", "is_active", "parameters")}
        try:
            change_request(
                kind=ChangeRequest.Kind.RULE_CHANGE,
                subject=rule,
                payload=wanted,
                summary=f"{rule.code}: {wanted}",
                by=request.user,
            )
        except ApprovalError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, f"{rule.code}: the change waits for a second person.")

    def response_change(self, request: HttpRequest, obj) -> HttpResponse:
        # Not "changed successfully": nothing changed yet.
        return HttpResponseRedirect(reverse("admin:risk_riskrule_changelist"))


@admin.register(ScreeningRun)
class ScreeningRunAdmin(ScopedAdmin):
    scope_rule = scope.SCREENING_ROWS
    list_display = [
        "created_at",
        "status",
        "progress",
        "province",
        "is_backtest",
        "flags_filed",
        "hits_by_rule",
        "started_by",
    ]
    list_filter = ["status", "is_backtest"]
    readonly_fields = [f.name for f in ScreeningRun._meta.fields]
    actions = ["start_like_this"]

    @admin.display(description="slices done")
    def progress(self, run: ScreeningRun) -> str:
        return f"{run.slices_done} / {run.slices_total}"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_start_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("risk.review_riskflag")

    @admin.action(description="Start a new run with the same scope", permissions=["start"])
    def start_like_this(self, request: HttpRequest, queryset: QuerySet) -> None:
        for run in queryset[:1]:
            try:
                new = services.screening_start(
                    province=run.province_id,
                    rule_codes=run.rule_codes,
                    backtest=run.is_backtest,
                    started_by=request.user,
                )
            except ScreeningError as error:
                self.message_user(request, str(error), messages.ERROR)
                return
            self.message_user(request, f"Run {new.public_id} queued; refresh to follow it.")


def _attach_transfers(flags: Iterable[RiskFlag]) -> None:
    """Read the transfers that flags are about in one query, each onto its flag's
    `transfer_about` (None when it is not found)."""
    wanted = {}
    for flag in flags:
        kind, _, key = flag.subject.partition(":")
        if kind == "transfer":
            try:
                wanted[flag] = uuid.UUID(key)
            except ValueError:
                flag.transfer_about = None
    if not wanted:
        return
    found = {t.public_id: t for t in Transfer.objects.filter(public_id__in=wanted.values())}
    for flag, key in wanted.items():
        flag.transfer_about = found.get(key)


class FlagChangeList(ChangeList):
    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        _attach_transfers(self.result_list)


class ReviewForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)


@admin.register(RiskFlag)
class RiskFlagAdmin(ScopedAdmin):
    scope_rule = scope.FLAG_ROWS
    list_display = ["created_at", "rule", "province", "about", "period", "status", "assigned_to"]
    list_filter = ["status", "rule", "province"]
    list_select_related = ["rule", "province", "assigned_to", "person"]
    search_fields = ["subject", "=person__id_number"]
    readonly_fields = [
        "rule",
        "rule_version",
        "parameters",
        "about",
        "province",
        "period",
        "evidence",
        "status",
        "reason",
        "run",
        "created_at",
        "updated_at",
    ]
    fields = [*readonly_fields, "assigned_to"]
    actions = ["assign_to_me", "confirm", "dismiss", "resolve", "export_csv"]

    @admin.display(description="about (对象)", ordering="subject")
    def about(self, flag: RiskFlag) -> str:
        """The flag's subject as a caseworker knows it: a person by masked ID number and
        name, a transfer or a province, linked; never a bare internal id."""
        kind, _, key = flag.subject.partition(":")
        if flag.person_id is not None and kind == "person":
            person = flag.person
            url = reverse("admin:contributions_insuredperson_change", args=[person.pk])
            return format_html('<a href="{}">{} {}</a>', url, person.masked_id_number, person.name)
        if kind == "transfer":
            if not hasattr(flag, "transfer_about"):  # a single flag's page
                _attach_transfers([flag])
            if (transfer := flag.transfer_about) is not None:
                url = reverse("admin:transfers_transfer_change", args=[transfer.pk])
                return format_html('<a href="{}">transfer {}</a>', url, transfer)
        if kind == "province":
            return f"province {key}"
        return flag.subject

    def get_changelist(self, request: HttpRequest, **kwargs) -> type[ChangeList]:
        return FlagChangeList

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_review_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("risk.review_riskflag")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assigned_to":
            kwargs["queryset"] = scope.users(request.user).filter(is_staff=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.action(description="Assign to me", permissions=["review"])
    def assign_to_me(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = queryset.update(assigned_to=request.user)
        self.message_user(request, f"{count} flag(s) assigned to you.")

    def _review(self, request, queryset, status: str, action: str, title: str):
        form = ReviewForm(request.POST if "apply" in request.POST else None)
        if status != RiskFlag.Status.RESOLVED and not form.is_valid():
            return action_confirmation(
                self,
                request,
                queryset,
                form,
                action=action,
                title=title,
                intro="The reason stays with each flag.",
                submit=title,
            )
        reason = form.cleaned_data["reason"] if form.is_bound and form.is_valid() else ""
        done = 0
        for flag in queryset:
            try:
                services.flag_review(flag=flag, status=status, reason=reason, by=request.user)
                done += 1
            except ScreeningError as error:
                self.message_user(request, f"{flag}: {error}", messages.ERROR)
        if done:
            self.message_user(request, f"{done} flag(s) now {status}.")
        return None

    @admin.action(description="Confirm (属实), with a reason", permissions=["review"])
    def confirm(self, request: HttpRequest, queryset: QuerySet):
        return self._review(request, queryset, RiskFlag.Status.CONFIRMED, "confirm", "Confirm")

    @admin.action(description="Dismiss (排除), with a reason", permissions=["review"])
    def dismiss(self, request: HttpRequest, queryset: QuerySet):
        return self._review(request, queryset, RiskFlag.Status.DISMISSED, "dismiss", "Dismiss")

    @admin.action(description="Mark resolved (已处理)", permissions=["review"])
    def resolve(self, request: HttpRequest, queryset: QuerySet):
        return self._review(request, queryset, RiskFlag.Status.RESOLVED, "resolve", "Resolve")

    @admin.action(description="Export as CSV", permissions=["review"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        """The selected flags as CSV; the export is a read of each flag's person."""
        access_record(
            principal=request.user,
            person_ids=set(queryset.filter(person__isnull=False).values_list("person", flat=True)),
            action="export_risk_flags",
            path=request.path,
        )
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="risk-flags.csv"'
        writer = csv.writer(response)
        writer.writerow(["flag", "rule", "province", "subject", "period", "status", "created"])
        for flag in queryset.select_related("rule"):
            writer.writerow(
                [
                    flag.public_id,
                    flag.rule_id,
                    flag.province_id,
                    flag.subject,
                    flag.period,
                    flag.status,
                    flag.created_at.isoformat(),
                ]
            )
        return response

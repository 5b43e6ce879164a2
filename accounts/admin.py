from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from accounts import scope
from accounts.approvals import ApprovalError, change_decide
from accounts.models import (
    AccessLog,
    Agency,
    ApiClient,
    ApiKey,
    AuditEvent,
    ChangeRequest,
    Province,
    User,
)
from accounts.scope import RowRule
from accounts.services import (
    KeyLimitReached,
    access_record,
    api_key_issue,
    api_key_revoke,
    audit_record,
)
from contributions.rules import Month
from portal.admin import LedgerAdmin, ReadOnlyInline, ScopedAdmin, action_confirmation
from portal.desk import retirement_facts


@admin.register(Province)
class ProvinceAdmin(ScopedAdmin):
    scope_rule = RowRule("reference")
    list_display = ["code", "name_zh", "name_en", "valid_in_id_numbers"]
    search_fields = ["code", "name_zh", "name_en"]


@admin.register(Agency)
class AgencyAdmin(ScopedAdmin):
    scope_rule = RowRule("agencies")
    list_display = ["division_code", "name", "level", "province", "parent"]
    list_filter = ["level", "province"]
    search_fields = ["name", "division_code"]
    list_select_related = ["province", "parent"]
    autocomplete_fields = ["parent"]


@admin.register(User)
class PortalUserAdmin(ScopedAdmin, UserAdmin):
    """Staff users of the agencies in scope; only a superuser grants superuser rights or
    single permissions (roles are groups)."""

    scope_rule = RowRule("users")
    list_display = ["username", "first_name", "last_name", "agency", "is_staff", "is_active"]
    list_select_related = ["agency"]
    list_filter = [*UserAdmin.list_filter, "agency__level"]
    fieldsets = [*UserAdmin.fieldsets, ("Agency", {"fields": ["agency"]})]
    autocomplete_fields = ["agency"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        if request.user.is_superuser:
            return []
        fields = ["is_superuser", "user_permissions", "last_login", "date_joined"]
        # Nobody grants themselves a role.
        return [*fields, "groups", "agency"] if obj == request.user else fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "agency":
            kwargs["queryset"] = scope.agencies(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_related(self, request, form, formsets, change) -> None:
        user = form.instance
        before = set(user.groups.values_list("name", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)
        after = set(user.groups.values_list("name", flat=True))
        if before != after:
            audit_record(
                actor=request.user,
                action="user_roles_change",
                subject=f"user:{user.pk}",
                detail={"from": sorted(before), "to": sorted(after)},
            )


@admin.register(AccessLog)
class AccessLogAdmin(LedgerAdmin):
    scope_rule = RowRule("nation")
    list_display = ["at", "actor", "agency", "action", "purpose", "persons", "path"]
    list_filter = ["action"]
    search_fields = ["user__username"]

    @admin.display(description="persons read")
    def persons(self, log: AccessLog) -> str:
        shown = ", ".join(str(pk) for pk in log.person_ids[:5])
        return shown + (f" … ({len(log.person_ids)})" if len(log.person_ids) > 5 else "")

    list_select_related = ["user", "agency"]


@admin.register(AuditEvent)
class AuditEventAdmin(LedgerAdmin):
    scope_rule = RowRule("nation")
    list_display = ["seq", "at", "actor", "action", "subject"]
    list_filter = ["action"]
    search_fields = ["=subject", "=actor"]


class ApiKeyInline(ReadOnlyInline):
    model = ApiKey
    fields = ["prefix", "created_at", "last_used_at", "revoked_at"]


@admin.register(ApiClient)
class ApiClientAdmin(ScopedAdmin):
    """Provincial systems of the provinces in scope. A key is shown once, in a message,
    when it is issued."""

    scope_rule = RowRule("province")
    list_display = ["name", "province", "is_active", "created_at"]
    list_filter = ["is_active", "province"]
    inlines = [ApiKeyInline]
    actions = ["issue_key", "revoke_keys"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return ["province"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "province":
            kwargs["queryset"] = scope.province_rows(
                request.user, Province.objects.all(), field="code"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            self._show_key(request, obj, api_key_issue(client=obj, by=request.user))

    @admin.action(description="Issue a new key (shown once)", permissions=["change"])
    def issue_key(self, request, queryset) -> None:
        for client in queryset:
            try:
                self._show_key(request, client, api_key_issue(client=client, by=request.user))
            except KeyLimitReached as error:
                self.message_user(request, str(error), messages.ERROR)

    @admin.action(description="Revoke every key of the selected clients", permissions=["change"])
    def revoke_keys(self, request, queryset) -> None:
        for key in ApiKey.objects.filter(client__in=queryset, revoked_at__isnull=True):
            api_key_revoke(key=key, by=request.user)
        self.message_user(request, "Keys revoked.")

    def _show_key(self, request, client: ApiClient, key: str) -> None:
        self.message_user(
            request,
            f"New key for {client}: {key} — copy it now, it is not stored.",
            messages.WARNING,
        )


class DecisionForm(forms.Form):
    note = forms.CharField(
        label="Note (复核意见)", widget=forms.Textarea(attrs={"rows": 3}), max_length=500
    )


@admin.register(ChangeRequest)
class ChangeRequestAdmin(LedgerAdmin):
    """Requests waiting for a second caseworker (双人复核): approve or refuse them here."""

    scope_rule = scope.CHANGE_REQUEST_ROWS
    list_display = [
        "made_at", "kind", "summary", "status", "made_by", "made_by_client", "decided_by", "outcome"
    ]  # fmt: skip
    list_filter = ["status", "kind"]
    list_select_related = ["made_by", "made_by_client", "decided_by"]
    actions = ["approve", "refuse"]

    @admin.action(description="Approve the selected requests (复核通过)")
    def approve(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        if "apply" not in request.POST:
            changes = list(queryset.select_related("person"))
            retiring = [c.person_id for c in changes if c.kind == ChangeRequest.Kind.RETIREMENT]
            access_record(  # the checker reads these persons' national records
                principal=request.user,
                person_ids=[pk for pk in retiring if pk is not None],
                action="admin_retirement_check",
                path=request.path,
            )
            return action_confirmation(
                self,
                request,
                queryset,
                forms.Form(),
                [_facts(change) for change in changes],
                action="approve",
                title="Approve change requests",
                intro="Each request with what the record says about it now.",
                submit="Approve",
            )
        self._decide(request, queryset, approve=True, note="")
        return None

    @admin.action(description="Refuse the selected requests (驳回)")
    def refuse(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        form = DecisionForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return action_confirmation(
                self,
                request,
                queryset,
                form,
                action="refuse",
                title="Refuse change requests",
                intro="The maker sees the note.",
                submit="Refuse",
            )
        self._decide(request, queryset, approve=False, note=form.cleaned_data["note"])
        return None

    def _decide(self, request: HttpRequest, queryset: QuerySet, *, approve: bool, note: str):
        for change in queryset:
            try:
                change = change_decide(request=change, approve=approve, by=request.user, note=note)
            except ApprovalError as error:
                self.message_user(request, f"{change}: {error}", messages.ERROR)
                continue
            if change.status == ChangeRequest.Status.FAILED:
                text, level = f"{change}: refused by the rules — {change.outcome}", messages.ERROR
            else:
                text, level = f"{change}: {change.get_status_display()}", messages.INFO
            self.message_user(request, text, level)


def _facts(change: ChangeRequest) -> str:
    """A retirement with the facts from the person's national record; any other request
    by its summary."""
    if change.kind != ChangeRequest.Kind.RETIREMENT or change.person is None:
        return change.summary
    month = Month.parse(change.payload["month"])
    facts = retirement_facts(change.person, today=timezone.localdate(), month=month)
    return facts.summary(change.person)

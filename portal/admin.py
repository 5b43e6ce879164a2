"""Admin helpers shared by the apps."""

from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from accounts import scope
from accounts.approvals import ApprovalError, change_request


class ScopedAdmin(admin.ModelAdmin):
    """Every admin list and form of the portal: rows limited by the scope module.

    Each admin declares `scope_rule`; an admin without one cannot be registered silently
    (the authorization matrix test walks the registry).
    """

    scope_rule: scope.RowRule

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return scope.rows(request.user, super().get_queryset(request), self.scope_rule)


class LedgerAdmin(ScopedAdmin):
    """Append-only rows: seen, never added, changed or deleted here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    """Rows shown under their parent, never added, changed or removed there."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return list(self.fields)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


def action_confirmation(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    form: forms.Form,
    details: Sequence[str] = (),
    **texts: str,
) -> TemplateResponse:
    """The confirmation page of an admin action that needs input (a reason, a month), with
    `details` of what the action will do, a line each."""
    context = {
        **model_admin.admin_site.each_context(request),
        **texts,
        "details": details,
        "form": form,
        "items": queryset,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        "opts": model_admin.model._meta,
    }
    return TemplateResponse(request, "admin/action_form.html", context)


def request_changes(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    kind: str,
    payload: dict,
    summary: Callable[[Any], str],
) -> None:
    """Ask for one change per selected row (maker-checker) and say what waits."""
    asked = 0
    for obj in queryset:
        try:
            change_request(
                kind=kind, subject=obj, payload=payload, summary=summary(obj), by=request.user
            )
            asked += 1
        except ApprovalError as error:
            model_admin.message_user(request, f"{obj}: {error}", messages.ERROR)
    if asked:
        model_admin.message_user(
            request,
            f"{asked} request(s) wait for a second caseworker's approval (Change requests).",
        )

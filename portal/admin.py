"""Admin helpers shared by the apps."""

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from accounts import scope


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
    **texts: str,
) -> TemplateResponse:
    """The confirmation page of an admin action that needs input (a reason, a month)."""
    context = {
        **model_admin.admin_site.each_context(request),
        **texts,
        "form": form,
        "items": queryset,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        "opts": model_admin.model._meta,
    }
    return TemplateResponse(request, "admin/action_form.html", context)

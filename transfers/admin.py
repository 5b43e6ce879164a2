"""Caseworker screens for transfers and the working-day calendar their deadlines use.

A transfer is seen by caseworkers of either province; its steps are taken through the
services, so the rows are read-only here.
"""

from django.contrib import admin
from django.http import HttpRequest

from accounts.scope import RowRule
from portal.admin import ReadOnlyInline, ScopedAdmin
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


@admin.register(Transfer)
class TransferAdmin(ScopedAdmin):
    scope_rule = RowRule("person", province_fields=("from_province", "to_province"))
    list_display = [
        "public_id",
        "person",
        "from_province",
        "to_province",
        "status",
        "applied_on",
        "step_deadline",
    ]
    list_filter = ["status", "to_province", "from_province"]
    list_select_related = ["person", "from_province", "to_province"]
    date_hierarchy = "applied_on"
    inlines = [TransferStepInline]
    search_fields = ["=public_id"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

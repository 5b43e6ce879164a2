from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import AccessLog, Agency, Province, User


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "valid_in_id_numbers"]
    search_fields = ["code", "name_zh", "name_en"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["division_code", "name", "level", "province", "parent"]
    list_filter = ["level", "province"]
    search_fields = ["name", "division_code"]
    list_select_related = ["province", "parent"]
    autocomplete_fields = ["parent"]


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    list_display = ["username", "first_name", "last_name", "agency", "is_staff", "is_active"]
    list_select_related = ["agency"]
    list_filter = [*UserAdmin.list_filter, "agency__level"]
    fieldsets = [*UserAdmin.fieldsets, ("Agency", {"fields": ["agency"]})]
    autocomplete_fields = ["agency"]


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "action", "person_id", "path"]
    list_filter = ["action"]
    search_fields = ["=person_id", "user__username"]
    list_select_related = ["user"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

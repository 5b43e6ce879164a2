from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin

from accounts.models import AccessLog, Agency, ApiClient, ApiKey, Province, User
from accounts.services import KeyLimitReached, api_key_issue, api_key_revoke
from portal.admin import ReadOnlyInline


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


class ApiKeyInline(ReadOnlyInline):
    model = ApiKey
    fields = ["prefix", "created_at", "last_used_at", "revoked_at"]


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """Provincial systems. A key is shown once, in a message, when it is issued."""

    list_display = ["name", "province", "is_active", "created_at"]
    list_filter = ["is_active", "province"]
    inlines = [ApiKeyInline]
    actions = ["issue_key", "revoke_keys"]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            self._show_key(request, obj, api_key_issue(client=obj))

    @admin.action(description="Issue a new key (shown once)")
    def issue_key(self, request, queryset) -> None:
        for client in queryset:
            try:
                self._show_key(request, client, api_key_issue(client=client))
            except KeyLimitReached as error:
                self.message_user(request, str(error), messages.ERROR)

    @admin.action(description="Revoke every key of the selected clients")
    def revoke_keys(self, request, queryset) -> None:
        for key in ApiKey.objects.filter(client__in=queryset, revoked_at__isnull=True):
            api_key_revoke(key=key)
        self.message_user(request, "Keys revoked.")

    def _show_key(self, request, client: ApiClient, key: str) -> None:
        self.message_user(
            request,
            f"New key for {client}: {key} — copy it now, it is not stored.",
            messages.WARNING,
        )

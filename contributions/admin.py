from django.contrib import admin

from contributions.models import CreditingRate, ProvincePolicy


@admin.register(ProvincePolicy)
class ProvincePolicyAdmin(admin.ModelAdmin):
    list_display = [
        "province",
        "year",
        "average_wage",
        "contribution_floor",
        "contribution_ceiling",
        "employer_rate",
        "is_approximate",
    ]
    list_filter = ["year", "is_approximate", "province"]
    list_select_related = ["province"]
    search_fields = ["province__name_zh", "province__name_en", "province__code"]


@admin.register(CreditingRate)
class CreditingRateAdmin(admin.ModelAdmin):
    list_display = ["year", "rate", "published_on", "is_provisional"]

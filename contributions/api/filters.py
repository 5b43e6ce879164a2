"""Declarative filters of the API lists (django-filter)."""

import django_filters
from django.core.exceptions import ValidationError

from contributions.models import ContributionRecord, Enrolment, InsuredPerson
from contributions.rules import Month


class MonthFilter(django_filters.CharFilter):
    """A "YYYY-MM" month compared with a date column holding the month's first day."""

    def filter(self, queryset, value):
        if not value:
            return queryset
        try:
            month = Month.parse(value)
        except ValueError as error:
            raise ValidationError(str(error)) from None
        return super().filter(queryset, month.first_day())


class ContributionFilter(django_filters.FilterSet):
    province = django_filters.CharFilter(field_name="province_id")
    id_number = django_filters.CharFilter(field_name="person__id_number")
    month_from = MonthFilter(field_name="month", lookup_expr="gte")
    month_to = MonthFilter(field_name="month", lookup_expr="lte")
    updated_since = django_filters.IsoDateTimeFilter(field_name="posted_at", lookup_expr="gte")

    class Meta:
        model = ContributionRecord
        fields = ["province", "id_number", "kind", "scheme", "month_from", "month_to"]


class EnrolmentFilter(django_filters.FilterSet):
    province = django_filters.CharFilter(field_name="province_id")
    id_number = django_filters.CharFilter(field_name="person__id_number")
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Enrolment
        fields = ["province", "id_number", "status", "scheme"]


class PersonFilter(django_filters.FilterSet):
    hukou_province = django_filters.CharFilter(field_name="hukou_province_id")
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = InsuredPerson
        fields = ["hukou_province", "status"]

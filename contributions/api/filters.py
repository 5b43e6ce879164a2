"""Declarative filters of the API lists (django-filter).

Filter values are validated by form fields, so a bad value is a 400 naming the parameter.
"""

from contributions.models import ContributionRecord, Enrolment, InsuredPerson
from portal.filters import (
    IdNumberFilter,
    MonthFilter,
    ProvinceFilter,
    StrictFilterSet,
    TimestampFilter,
)


class ContributionFilter(StrictFilterSet):
    province = ProvinceFilter(field_name="province_id")
    id_number = IdNumberFilter(field_name="person__id_number")
    month_from = MonthFilter(field_name="month", lookup_expr="gte")
    month_to = MonthFilter(field_name="month", lookup_expr="lte")
    updated_since = TimestampFilter(field_name="posted_at", lookup_expr="gte")

    class Meta:
        model = ContributionRecord
        fields = ["province", "id_number", "kind", "scheme", "month_from", "month_to"]


class EnrolmentFilter(StrictFilterSet):
    province = ProvinceFilter(field_name="province_id")
    id_number = IdNumberFilter(field_name="person__id_number")
    updated_since = TimestampFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Enrolment
        fields = ["province", "id_number", "status", "scheme"]


class PersonFilter(StrictFilterSet):
    hukou_province = ProvinceFilter(field_name="hukou_province_id")
    updated_since = TimestampFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = InsuredPerson
        fields = ["hukou_province", "status"]

"""Filters of the transfer list (django-filter); a bad value is a 400 naming the parameter."""

import django_filters

from accounts import scope
from portal.filters import IdNumberFilter, StrictFilterSet, TimestampFilter
from transfers.models import Transfer


class TransferFilter(StrictFilterSet):
    state = django_filters.ChoiceFilter(field_name="status", choices=Transfer.Status.choices)
    role = django_filters.ChoiceFilter(
        choices=[("receiving", "receiving (转入地)"), ("sending", "sending (转出地)")],
        method="by_role",
        help_text="receiving: cases addressed to the caller's province; sending: cases it sends.",
    )
    id_number = IdNumberFilter(field_name="person__id_number")
    updated_since = TimestampFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Transfer
        fields = ["state", "role", "id_number", "updated_since"]

    def by_role(self, queryset, name: str, value: str):
        caller = scope.scope_of(self.request.user)
        if caller.is_nation:  # the national agency stands on both sides
            return queryset
        field = "to_province" if value == "receiving" else "from_province"
        return queryset.filter(**{f"{field}__in": caller.provinces})

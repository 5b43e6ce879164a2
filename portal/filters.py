"""Filters every API list shares: provinces, ID numbers, months, timestamps.

Values are validated by form fields, so a value the schema does not allow (an empty one
included) is a 400 naming the parameter, never a silently ignored filter.
"""

import datetime
import re

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field

from contributions.rules import Month
from portal.fields import ID_NUMBER_PATTERN, MONTH_PATTERN, PROVINCE_PATTERN

EARLIEST_TIMESTAMP = datetime.datetime(1990, 1, 1, tzinfo=datetime.UTC)
LATEST_TIMESTAMP = datetime.datetime(9000, 1, 1, tzinfo=datetime.UTC)


class MonthFormField(forms.CharField):
    """A "YYYY-MM" month of 1900 to 2099, cleaned to the first day of the month."""

    def to_python(self, value):
        if value is None:
            return None
        if re.fullmatch(MONTH_PATTERN, value) is None:
            raise forms.ValidationError(
                "Expected a month of 1900-01 to 2099-12 written as YYYY-MM.", code="invalid"
            )
        return Month.parse(value).first_day()


class TimestampFormField(forms.DateTimeField):
    """An ISO 8601 timestamp (China time when no offset is given), in UTC; one before the
    ledger began or far in the future is taken as that bound."""

    def strptime(self, value, format):
        return datetime.datetime.fromisoformat(value.upper())

    def to_python(self, value):
        stamp = super().to_python(value)
        if stamp is None:
            return None
        # Compared before converting: years 1 and 9999 overflow when moved to UTC.
        return min(max(stamp, EARLIEST_TIMESTAMP), LATEST_TIMESTAMP).astimezone(datetime.UTC)


@extend_schema_field({"type": "string", "pattern": MONTH_PATTERN})
class MonthFilter(django_filters.Filter):
    field_class = MonthFormField


@extend_schema_field({"type": "string", "format": "date-time"})
class TimestampFilter(django_filters.Filter):
    field_class = TimestampFormField


class StrictFilterSet(django_filters.FilterSet):
    """A parameter sent empty is an error, not "no filter": the schema allows no empty value."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name in self.filters:
            if self.data.get(name) == "":
                self.form.add_error(name, "Give a value, or leave the parameter out.")
                valid = False
        return valid


class PatternFilter(django_filters.CharFilter):
    """Exact match on a value that matches `pattern`."""

    field_class = forms.RegexField
    pattern: str

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, regex=self.pattern, **kwargs)


@extend_schema_field({"type": "string", "pattern": PROVINCE_PATTERN})
class ProvinceFilter(PatternFilter):
    pattern = PROVINCE_PATTERN


@extend_schema_field({"type": "string", "pattern": ID_NUMBER_PATTERN})
class IdNumberFilter(PatternFilter):
    pattern = ID_NUMBER_PATTERN

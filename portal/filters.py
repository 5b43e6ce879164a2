"""Filter fields every API list shares: months and timestamps.

Values are validated by form fields, so a bad value is a 400 naming the parameter.
"""

import datetime

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field

from contributions.rules import Month

EARLIEST_TIMESTAMP = datetime.datetime(1990, 1, 1, tzinfo=datetime.UTC)


# The months a filter may name, as the schema states them (years 1900 to 2099).
MONTH_PATTERN = "^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$"


class MonthFormField(forms.CharField):
    """A "YYYY-MM" month of 1900 to 2099, cleaned to the first day of the month."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            month = Month.parse(value)
            if not 1900 <= month.year <= 2099:
                raise ValueError(f"{value!r} is not a month of 1900 to 2099")
            return month.first_day()
        except ValueError as error:
            # Through params: django-filter formats every message with %, and the
            # message quotes the caller's text.
            raise forms.ValidationError(
                "%(reason)s", code="invalid", params={"reason": str(error)}
            ) from None


class TimestampFormField(forms.DateTimeField):
    """An ISO 8601 timestamp (China time when no offset is given), in UTC; implausible
    values are refused."""

    def strptime(self, value, format):
        return datetime.datetime.fromisoformat(value)

    def to_python(self, value):
        stamp = super().to_python(value)
        if stamp is None:
            return None
        if abs(stamp.utcoffset()) > datetime.timedelta(hours=14):
            raise forms.ValidationError("The time zone offset is out of range.")
        stamp = stamp.astimezone(datetime.UTC)
        if stamp < EARLIEST_TIMESTAMP:
            raise forms.ValidationError("The ledger has nothing that old.")
        return stamp


@extend_schema_field({"type": "string", "pattern": MONTH_PATTERN})
class MonthFilter(django_filters.Filter):
    field_class = MonthFormField


@extend_schema_field({"type": "string", "format": "date-time"})
class TimestampFilter(django_filters.Filter):
    field_class = TimestampFormField

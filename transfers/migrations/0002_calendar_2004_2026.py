"""The published holiday arrangements (国务院办公厅关于部分节假日安排的通知) of 2004–2026.

Only the days that break the Monday-to-Friday rule are stored. Later years are entered in
the admin when the State Council publishes them.
"""

import chinese_calendar
from django.db import migrations


def exceptions():
    names = {holiday.value: holiday.chinese for holiday in chinese_calendar.Holiday}
    for day, name in chinese_calendar.holidays.items():
        if day.weekday() < 5:
            yield day, False, names.get(name, name or "")
    for day, name in chinese_calendar.workdays.items():
        if day.weekday() >= 5:
            yield day, True, f"{names.get(name, name or '')}调休"


def load(apps, schema_editor):
    CalendarDay = apps.get_model("transfers", "CalendarDay")
    CalendarDay.objects.bulk_create(
        CalendarDay(day=day, is_working_day=working, name=name)
        for day, working, name in exceptions()
    )


class Migration(migrations.Migration):
    dependencies = [("transfers", "0001_transfer_and_calendar")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

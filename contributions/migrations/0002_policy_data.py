"""Seed policy parameters: the approximate provincial figures of spec §9 and the national
crediting rates of spec §2.2.

Every provincial row is marked approximate: the figures are derived from published
contribution ceilings or third-party calculators and serve the demo until official figures
are entered in the admin. Where only A is known, the band is 60 % / 300 % of A rounded to
the yuan, and the source says so. The pension base P defaults to A, also approximate.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.db import migrations

PUBLISHED = "Published band (spec §9, from third-party calculator data); A = ceiling / 3."
DERIVED = "A from a third-party calculator config (spec §9); band derived as 60 %/300 % of A."

# (province, year, A, floor or None, ceiling or None, source)
POLICIES = [
    ("31", 2023, "12183", "7310", "36549", PUBLISHED),
    ("11", 2024, "11761", "6821", "35283", PUBLISHED),
    ("31", 2024, "12307", "7384", "36921", PUBLISHED),
    ("44", 2024, "9167", "4492", "27501", PUBLISHED + " Floor tied to the minimum wage."),
    ("32", 2024, "8132", "4879", "24396", PUBLISHED),
    ("33", 2024, "8310", None, "24930", PUBLISHED + " Floor derived as 60 % of A."),
    ("37", 2024, "7359", "4416", "22078", PUBLISHED),
    ("51", 2024, "7518", "4511", "22555", PUBLISHED),
    ("41", 2024, "6260", "3756", "18780", PUBLISHED),
    ("11", 2025, "11937", "7162", "35811", PUBLISHED),
    ("31", 2025, "12434", None, None, DERIVED),
    ("44", 2025, "9183", None, None, DERIVED),
    ("32", 2025, "8254", None, None, DERIVED),
    ("33", 2025, "8433", None, None, DERIVED),
    ("37", 2025, "7506", None, None, DERIVED),
    ("51", 2025, "7646", None, None, DERIVED),
    ("41", 2025, "6385", None, None, DERIVED),
]

CREDITING_RATES = [
    (2016, "0.0831", False),
    (2017, "0.0712", False),
    (2018, "0.0829", False),
    (2019, "0.0761", False),
    (2020, "0.0604", False),
    (2021, "0.0669", False),
    (2022, "0.0612", False),
    (2023, "0.0397", False),
    (2024, "0.0262", False),
    # Seen only in third-party code; no official notice yet (spec §11.1).
    (2025, "0.0150", True),
]


def _yuan(value: Decimal) -> Decimal:
    return value.quantize(Decimal("1"), rounding=ROUND_HALF_UP)


def load(apps, schema_editor):
    ProvincePolicy = apps.get_model("contributions", "ProvincePolicy")
    CreditingRate = apps.get_model("contributions", "CreditingRate")
    for province, year, wage, floor, ceiling, source in POLICIES:
        average = Decimal(wage)
        ProvincePolicy.objects.create(
            province_id=province,
            year=year,
            average_wage=average,
            contribution_floor=Decimal(floor) if floor else _yuan(average * Decimal("0.6")),
            contribution_ceiling=Decimal(ceiling) if ceiling else _yuan(average * 3),
            pension_base=average,
            transitional_coefficient=Decimal("0.012"),
            is_approximate=True,
            source=source,
        )
    for year, rate, provisional in CREDITING_RATES:
        CreditingRate.objects.create(
            year=year,
            rate=Decimal(rate),
            is_provisional=provisional,
            source="Spec §2.2 (national rate, published the following year).",
        )


def unload(apps, schema_editor):
    apps.get_model("contributions", "ProvincePolicy").objects.all().delete()
    apps.get_model("contributions", "CreditingRate").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contributions", "0001_initial"),
        ("accounts", "0002_reference_data"),
    ]
    operations = [migrations.RunPython(load, unload)]

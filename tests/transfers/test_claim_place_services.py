"""The benefit-claim place decision table (spec §4.4, V1–V12) through the ledger: each
career written as contribution records (temporary-account months as such) and deemed
service, and the place read by `claim_place_at` as the estimate, the retirement case and
the caseworker's page read it."""

import pytest
from django.utils import timezone

from contributions import services
from contributions.rules import Month
from tests.factories import paid_months
from transfers.selectors import claim_place_at

pytestmark = pytest.mark.django_db

# (segments as province:months[:temp|:deemed], expected place, rule); hukou Henan (41).
VECTORS = {
    "V1": ("44:96 41:84", "41", "R1"),
    "V2": ("44:60 33:144", "33", "R2"),
    "V3": ("44:144 33:72", "44", "R3"),
    "V4": ("44:72 33:72 32:48", "41", "R4"),
    "V5": ("44:48 33:36 44:84 32:60", "44", "R3"),
    "V6": ("31:132 44:120 32:108", "44", "R3"),
    "V7": ("44:180 31:96:temp", "44", "R2"),
    "V8": ("44:108 31:96:temp", "41", "R4"),
    "V9": ("22:96:deemed 22:36 44:108", "22", "R3"),
    "V10": ("44:119 33:119", "41", "R4"),
    "V11": ("41:24 44:156 41:12", "41", "R1"),
    "V12": ("44:130 41:12 33:60", "44", "R3"),
}


@pytest.mark.parametrize("vector", sorted(VECTORS))
def test_the_decision_table_through_the_ledger(vector):
    segments, expected, rule = VECTORS[vector]
    person, _ = services.person_upsert(
        id_number="410102198506120036", name="张伟", hukou_province="41"
    )
    month = Month(1998, 1)
    for segment in segments.split():
        province, months, *kind = segment.split(":")
        if kind == ["deemed"]:
            services.deemed_service_record(
                person=person, province=province, months=int(months), until_month=month - 1
            )
            continue
        paid_months(person, province, month, int(months), temporary=kind == ["temp"])
        month += int(months)
    place = claim_place_at(person=person, as_of=timezone.localdate())
    assert (place.province, place.rule) == (expected, rule), place.explanation

"""Every planted anomaly is found by its rule: the ground truth, rule by rule."""

import json
from datetime import date

import pytest
from django.core.management import call_command

from contributions.models import InsuredPerson
from risk.registry import BatchContext, batch_rules

pytestmark = pytest.mark.django_db


def test_every_batch_rule_finds_all_its_planted_cases(tmp_path):
    truth_file = tmp_path / "truth.jsonl"
    call_command(
        "generate_nation",
        "--persons=200",
        "--seed=5",
        "--as-of=2025-10",
        f"--anomalies={truth_file}",
    )
    truth = [json.loads(line) for line in truth_file.read_text(encoding="utf-8").splitlines()]
    id_numbers = dict(InsuredPerson.objects.values_list("pk", "id_number"))
    found = set()
    for spec in batch_rules():
        context = BatchContext(0, 10**12, None, spec.defaults, date(2025, 10, 31))
        for hit in spec.batch(context):
            found.add((spec.code, id_numbers.get(hit.person_id) or hit.subject))

    planted = {
        (case["rule"], case["id_number"] or f"province:{case['province']}") for case in truth
    }
    assert {rule for rule, _ in planted} == {spec.code for spec in batch_rules()}
    assert planted - found == set()

"""A province's client written from the published contract alone: the schema at
/api/schema/ and the province's policy endpoint, nothing else."""

import json
from decimal import Decimal

import jsonschema
import pytest

from contributions.models import SuspenseItem

pytestmark = pytest.mark.django_db

BATCHES = "/api/v1/contributions/batches/"


def _check_character(body: str) -> str:
    """GB 11643, as the schema states it: ISO 7064 MOD 11-2 over 17 digits, X for 10."""
    total = sum(int(digit) * pow(2, 17 - position, 11) for position, digit in enumerate(body))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def test_a_batch_built_from_the_schema_and_the_policy_is_accepted(shanghai_system):
    schema = json.loads(shanghai_system.get("/api/schema/?format=json").content)
    operation = schema["paths"][BATCHES]["post"]
    body_schema = operation["requestBody"]["content"]["application/json"]["schema"]
    row_schema = body_schema["properties"]["rows"]["items"]
    headers = {p["name"]: p for p in operation["parameters"] if p["in"] == "header"}
    assert headers["Idempotency-Key"]["required"]

    policy = shanghai_system.get("/api/v1/policies/31/2025/").json()
    base = Decimal(policy["contribution_floor"]) + 100
    id_body = "31011519850101001"
    row = {
        "id_number": id_body + _check_character(id_body),
        "month": "2025-06",
        "scheme": "flexible" if "flexible" in row_schema["properties"]["scheme"]["enum"] else "",
        "wage_or_base": f"{base:.2f}",
    }
    body = {"mode": body_schema["properties"]["mode"]["default"], "rows": [row]}
    assert set(row_schema["required"]) <= set(row)
    jsonschema.validate(body, body_schema)

    response = shanghai_system.post(
        BATCHES, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY="c-1"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["held_in_suspense"] == 1  # a number the ledger does not know yet
    assert SuspenseItem.objects.get().base == base


def test_the_schemas_own_example_batch_is_accepted_for_shanghai(shanghai_system):
    schema = json.loads(shanghai_system.get("/api/schema/?format=json").content)
    examples = schema["paths"][BATCHES]["post"]["requestBody"]["content"]["application/json"][
        "examples"
    ]
    [example] = examples.values()
    response = shanghai_system.post(
        BATCHES,
        json.dumps(example["value"]),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="example",
    )
    assert response.status_code == 201, response.json()


def test_lists_refuse_a_page_size_outside_1_to_1000_and_take_an_empty_cursor(shanghai_system):
    for size in ("0", "1001", "x", "null"):
        response = shanghai_system.get("/api/v1/persons/", {"page_size": size})
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "page_size"
    assert (
        shanghai_system.get("/api/v1/persons/", {"cursor": "", "page_size": "5"}).status_code == 200
    )


def test_every_operation_documents_its_problems(client):
    schema = json.loads(client.get("/api/schema/?format=json").content)
    assert "Problem" in schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert {"400", "404", "429"} <= set(operation["responses"]), (method, path)
            if method in ("post", "put"):
                assert {"413", "415"} <= set(operation["responses"]), (method, path)

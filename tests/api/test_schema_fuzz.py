"""schemathesis against /api/schema/ with every check it has: no 5xx, every status answered
is documented, responses match the schema, requests that match the schema are accepted (or
refused by a rule, 422), requests that do not are refused. Bounded, so it fits in CI."""

from pathlib import Path

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from accounts.services import api_client_create
from portal.wsgi import application

EXAMPLES_PER_OPERATION = 25
CONFIG = Path(__file__).resolve().parents[2] / "schemathesis.toml"


# The schema endpoint reads no database, so the schema can be loaded at collection.
schema = schemathesis.openapi.from_wsgi(
    "/api/schema/?format=json", application, config=SchemathesisConfig.from_path(CONFIG)
)


@pytest.fixture
def keep_test_connection(db):
    """As Django's test client does: keep the test's connection (and its transaction) open
    across the in-process WSGI calls."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def shanghai_key(keep_test_connection, li) -> str:
    return api_client_create(province="31", name="fuzz")[1]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_the_api_answers_generated_requests_within_its_schema(case, shanghai_key):
    # No `checks`: every check schemathesis has, as configured in schemathesis.toml.
    case.call_and_validate(headers={"Authorization": f"Bearer {shanghai_key}"})

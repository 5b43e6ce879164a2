"""schemathesis against /api/schema/: generated requests never cause a 5xx, every status
answered is documented, and every response matches the schema. Bounded, so it fits in CI."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.services import api_client_create
from portal.wsgi import application

EXAMPLES_PER_OPERATION = 12


# The schema endpoint reads no database, so the schema can be loaded at collection.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


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
    case.call_and_validate(
        headers={"Authorization": f"Bearer {shanghai_key}"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            response_schema_conformance,
            response_headers_conformance,
            content_type_conformance,
        ],
    )

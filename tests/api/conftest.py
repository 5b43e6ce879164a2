"""Personas of the API: two provincial systems, caseworkers, an insured person."""

import pytest
from django.core.cache import cache
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import api_client_create
from contributions import services

LI = "110101199003071233"  # hukou Henan, works in Shanghai
SH_UNIT = "91110108MA01X9K31G"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


def _client_with_key(province: str) -> APIClient:
    _, key = api_client_create(province=province, name=f"system-{province}")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def shanghai_system(db) -> APIClient:
    return _client_with_key("31")


@pytest.fixture
def guangdong_system(db) -> APIClient:
    return _client_with_key("44")


@pytest.fixture
def caseworkers(db):
    call_command("seed_demo")


def _session(username: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(User.objects.get(username=username))
    return client


@pytest.fixture
def shanghai_caseworker(caseworkers) -> APIClient:
    return _session("shanghai")


@pytest.fixture
def national_caseworker(caseworkers) -> APIClient:
    return _session("national")


@pytest.fixture
def li(db):
    """An insured person enrolled in Shanghai with a Shanghai employer."""
    person, _ = services.person_upsert(id_number=LI, name="李强", hukou_province="41")
    employer = services.employer_register(uscc=SH_UNIT, name="上海示例有限公司", province="31")
    services.enrolment_open(
        person=person,
        province="31",
        scheme="employee",
        employer=employer,
        start_month=services.rules.Month(2024, 1),
    )
    return person


@pytest.fixture
def li_signed_in(li) -> APIClient:
    user = User.objects.create_user(username="li", password="x")  # noqa: S106
    li.user = user
    li.save(update_fields=["user"])
    client = APIClient()
    client.force_authenticate(user)
    return client

"""Who may see and do what, for every channel: built from the admin registry and the URL
configuration, so a model admin or an endpoint without a scope rule fails here.

Two sides of the nation hold the same kinds of rows: Shanghai (31; its person handled by
the Pudong agency) and Guangdong (44). Every caseworker persona and both provincial keys
look at every admin list, every admin action and every API route; no persona ever sees or
touches a row of the other side, and the national caseworker sees both.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import ForeignKey, Model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from accounts.approvals import change_request
from accounts.models import Agency, ApiClient, ApiKey, ChangeRequest, Province, User
from accounts.roles import ROLES
from accounts.services import access_record, api_client_create, audit_record
from contributions import batches, services
from contributions.batches import ContributionRow
from contributions.models import (
    ContributionRecord,
    Employer,
    Enrolment,
    InsuredPerson,
    JournalEntry,
    ProvincePolicy,
    Statement,
    SuspenseItem,
)
from contributions.rules import Month
from portal.admin import ScopedAdmin
from risk import services as risk_services
from risk.models import RiskFlag, RiskRule, ScreeningRun
from risk.registry import Hit
from transfers.models import Transfer

pytestmark = pytest.mark.django_db

SHANGHAI_PERSON = "110101199003071233"
GUANGDONG_PERSON = "440106199001011235"
STRANGERS = {"31": "32010619850815441X", "44": "11010519491231002X"}
UNITS = {"31": "91110108MA01X9K31G", "44": "91310115MA1H7XXX08"}
AGENCIES = {"31": "310115", "44": "440106"}

# Admins of other packages: permission-gated, and no role grants their permissions.
OUTSIDE_ADMINS = {"axes", "django_celery_beat", "auth", "otp_totp"}
# Personas: username → the side it belongs to (None: the nation).
PERSONAS = {
    "national": None,
    "shanghai": "31",
    "shanghai-admin": "31",
    "shanghai-city": "31",
    "pudong": "31",
    "weifang": "31",
    "guangdong": "44",
}


@pytest.fixture
def nation(caseworkers):
    """The same rows on both sides, each side's person handled by a county agency."""
    sides = {}
    for province, id_number in (("31", SHANGHAI_PERSON), ("44", GUANGDONG_PERSON)):
        person, _ = services.person_upsert(id_number=id_number, name="甲", hukou_province=province)
        employer, _ = services.employer_register(
            uscc=UNITS[province], name=f"单位{province}", province=province
        )
        services.enrolment_open(
            person=person,
            province=province,
            scheme="employee",
            employer=employer,
            agency=Agency.objects.get(division_code=AGENCIES[province]),
            start_month=Month(2024, 1),
        )
        batches.contribution_batch_post(
            province=province,
            rows=[
                ContributionRow(id_number, "2025-01", "employee", Decimal("9000"), employer.uscc),
                ContributionRow(STRANGERS[province], "2025-01", "flexible", Decimal("9000")),
            ],
            source="test",
        )
        risk_services.flags_file(
            rule=RiskRule.objects.get(code="RK-02"),
            hits=[Hit.of_person(person.pk, province=province, period="2025", evidence={})],
        )
        ScreeningRun.objects.create(province_id=province)
        api_client_create(province=province, name=f"system-{province}")
        change_request(
            kind=ChangeRequest.Kind.REVERSAL,
            subject=ContributionRecord.objects.get(person=person),
            payload={"reason": "matrix"},
            summary="matrix",
            by=User.objects.get(username="national"),
        )
        access_record(
            principal=User.objects.get(username="national"),
            person_ids=[person.pk],
            action="admin_view",
            path="/admin/",
        )
        sides[province] = person
    Transfer.objects.create(
        person=sides["31"],
        from_province_id="31",
        to_province_id="41",
        applied_on=date(2025, 6, 2),
        status="applied",
    )
    audit_record(actor=None, action="matrix", subject="thing:1")
    return sides


def _province_of(obj: Model) -> set[str]:
    """The provinces a row belongs to, read from its own references (the test's oracle)."""
    found = set()
    if isinstance(obj, Province):
        return {obj.code}
    if isinstance(obj, JournalEntry):
        return set(obj.lines.values_list("province_id", flat=True))
    if isinstance(obj, SuspenseItem):
        return {obj.province_id}
    for field in obj._meta.concrete_fields:
        if not isinstance(field, ForeignKey):
            continue
        value = getattr(obj, field.name)
        if value is None:
            continue
        if isinstance(value, Province):
            found.add(value.code)
        elif isinstance(value, InsuredPerson):
            found.add(value.hukou_province_id)
        elif isinstance(value, Agency | ApiClient) and value.province_id:
            found.add(value.province_id)
        elif isinstance(value, User) and value.agency and value.agency.province_id:
            found.add(value.agency.province_id)
    if hasattr(obj, "person_id") and isinstance(obj.person_id, int):
        person = InsuredPerson.objects.filter(pk=obj.person_id).first()
        if person is not None:
            found.add(person.hukou_province_id)
    return found & {"31", "44"}


def _scoped_admins() -> list[tuple[type[Model], ScopedAdmin]]:
    """Admins of rows that belong to someone (reference data is everyone's)."""
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label not in OUTSIDE_ADMINS
        and model_admin.scope_rule.kind != "reference"
    ]


def test_every_admin_declares_a_scope_rule():
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label in OUTSIDE_ADMINS:
            continue
        assert isinstance(model_admin, ScopedAdmin), f"{model.__name__} admin has no scope rule"
        assert hasattr(model_admin, "scope_rule"), f"{model.__name__} admin has no scope rule"


def test_no_role_grants_the_outside_admins():
    granted = {name.split(".")[0] for names in ROLES.values() for name in names}
    assert granted & OUTSIDE_ADMINS <= {"auth"}  # auth: viewing the roles themselves
    assert all(
        name == "auth.view_group"
        for names in ROLES.values()
        for name in names
        if name.startswith("auth.")
    )


@pytest.mark.parametrize("username", PERSONAS)
def test_every_admin_list_shows_only_the_personas_side(nation, username):
    side = PERSONAS[username]
    client = Client()
    client.force_login(User.objects.get(username=username))
    seen_somewhere = False
    for model, _ in _scoped_admins():
        opts = model._meta
        response = client.get(f"/admin/{opts.app_label}/{opts.model_name}/")
        assert response.status_code in (200, 403), (username, opts.label, response.status_code)
        if response.status_code == 403:
            continue
        rows = list(response.context["cl"].queryset)
        sides = set().union(*(_province_of(row) for row in rows)) if rows else set()
        if side is not None:
            assert sides <= {side}, (username, opts.label, sides)
        seen_somewhere |= bool(rows)
    assert seen_somewhere, username


@pytest.mark.parametrize(
    "model",
    [
        ContributionRecord,
        InsuredPerson,
        SuspenseItem,
        RiskFlag,
        ScreeningRun,
        ApiClient,
        ChangeRequest,
        ProvincePolicy,
    ],
)
def test_province_caseworkers_see_their_own_rows_and_the_nation_sees_both(nation, model):
    opts = model._meta
    expectations = [("shanghai", {"31"}), ("guangdong", {"44"}), ("national", {"31", "44"})]
    if model is ApiClient:  # the administrator role's
        expectations = [("shanghai-admin", {"31"}), ("admin", {"31", "44"})]
    for username, expected in expectations:
        client = Client()
        client.force_login(User.objects.get(username=username))
        response = client.get(f"/admin/{opts.app_label}/{opts.model_name}/")
        assert response.status_code == 200, (username, opts.label)
        rows = list(response.context["cl"].queryset)
        assert set().union(*(_province_of(row) for row in rows)) == expected, (
            username,
            opts.label,
        )


def test_a_county_caseworker_sees_the_persons_its_agency_handles(nation):
    client = Client()
    client.force_login(User.objects.get(username="pudong"))
    persons = client.get("/admin/contributions/insuredperson/").context["cl"].queryset
    assert list(persons) == [nation["31"]]
    client.force_login(User.objects.get(username="weifang"))  # the township below: nobody
    assert not client.get("/admin/contributions/insuredperson/").context["cl"].queryset.exists()


@pytest.mark.parametrize("username", [u for u, side in PERSONAS.items() if side])
def test_no_admin_action_touches_the_other_side(nation, username):
    other = "44" if PERSONAS[username] == "31" else "31"
    client = Client()
    client.force_login(User.objects.get(username=username))
    before = _state()
    for model, model_admin in _scoped_admins():
        rows = [row for row in model._default_manager.all() if _province_of(row) == {other}]
        if not rows:
            continue
        opts = model._meta
        url = f"/admin/{opts.app_label}/{opts.model_name}/"
        change = client.get(f"{url}{rows[0].pk}/change/")
        assert change.status_code in (302, 403), (username, opts.label)
        for action in model_admin.get_actions(client.request().wsgi_request) or ["-"]:
            if action == "-":
                continue
            client.post(
                url,
                {
                    "action": action,
                    ACTION_CHECKBOX_NAME: [row.pk for row in rows],
                    "apply": "1",
                    "reason": "x",
                    "note": "x",
                    "month": "2027-01",
                    # Valid input for every form, so that only the scope can refuse.
                    "decision": "x",
                    "on": "2025-06-03",
                    "died_on": "2025-06-02",
                    "pooling_received": "1.00",
                    "to_agency": AGENCIES[PERSONAS[username]],
                },
            )
    assert _state() == before, username


def _state() -> tuple:
    return (
        ChangeRequest.objects.filter(status="pending").count(),
        ChangeRequest.objects.exclude(status="pending").count(),
        ApiKey.objects.filter(revoked_at__isnull=True).count(),
        ApiKey.objects.count(),
        sorted(RiskFlag.objects.values_list("pk", "status", "assigned_to_id")),
        ContributionRecord.objects.count(),
        ScreeningRun.objects.count(),
        InsuredPerson.objects.filter(status="deceased").count(),
        sorted(Employer.objects.values_list("pk", "province_id", "agency_id")),
        sorted(Enrolment.objects.values_list("pk", "status", "is_organisational_transfer")),
    )


# --- the API -------------------------------------------------------------------------------

# Every route under /api/, with how it is scoped. A new route must be added here.
API_ROUTES = {
    "api-persons": "list",
    "api-person": "person",
    "api-person-record": "person",
    "api-my-record": "self",
    "api-person-death": "person-fact",
    "api-person-deemed-service": "person-fact",
    "api-person-retirement": "person",
    "api-enrolment-organisational-transfer": "enrolment-write",
    "api-benefit-payments": "fact",
    "api-certifications": "fact",
    "api-back-payment-evidence": "fact",
    "api-employers": "list",
    "api-employer-move": "employer-write",
    "api-enrolments": "list",
    "api-enrolment-suspend": "enrolment-write",
    "api-enrolment-close": "enrolment-write",
    "api-contributions": "list",
    "api-contribution-batches": "province-write",
    "api-contribution-batch": "batch",
    "api-journal-balances": "list",
    "api-risk-flags": "list",
    "api-risk-screenings": "province-write",
    "api-risk-screening": "run",
    "api-transfers": "list",
    "api-transfer": "transfer",
    "api-transfer-accept": "transfer-step",
    "api-transfer-reject": "transfer-step",
    "api-transfer-send": "transfer-step",
    "api-transfer-funds-received": "transfer-step",
    "api-transfer-complete": "transfer-step",
    "api-transfer-cancel": "transfer-step",
    "api-policy": "public",
    "api-schema": "public",
    "api-docs": "public",
    "api-redoc": "public",
}
CALCULATIONS = "calc-"
# A valid body of each fact endpoint, less the person.
FACTS = {
    "api-benefit-payments": {"month": "2025-01", "amount": "100.00"},
    "api-certifications": {
        "certified_on": "2025-01-01", "valid_until": "2026-01-01", "method": "face"
    },
    "api-back-payment-evidence": {
        "batch": "6f1c8e9a-2b7d-4c3e-9f10-0a1b2c3d4e5f", "kind": "legal_document",
        "document_date": "2020-01-01", "reference": "x",
    },
}  # fmt: skip


def _api_route_names() -> set[str]:
    names = set()

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and (prefix + str(pattern.pattern)).startswith(
                "api/"
            ):
                names.add(pattern.name)

    walk(get_resolver().url_patterns, "")
    return names


def test_every_api_route_has_a_scope_rule():
    unknown = {
        name
        for name in _api_route_names()
        if name not in API_ROUTES and not (name or "").startswith(CALCULATIONS)
    }
    assert not unknown, f"API routes without a scope rule: {sorted(unknown)}"


def _key(province: str) -> APIClient:
    _, key = api_client_create(province=province, name=f"matrix-{province}")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.mark.parametrize("province", ["31", "44"])
def test_every_api_list_and_detail_holds_only_the_callers_province(nation, province):
    from django.urls import reverse

    other = "44" if province == "31" else "31"
    client = _key(province)
    other_person = nation[other].id_number
    for name, rule in API_ROUTES.items():
        if rule == "list":
            body = client.get(reverse(name)).content.decode()
            assert other_person not in body, name
            assert f'"province":"{other}"' not in body.replace(" ", ""), name
    for name in ("api-person", "api-person-record"):
        assert client.get(reverse(name, args=[other_person])).status_code == 404
    batch = ContributionRecord.objects.filter(province_id=other).first().batch
    assert client.get(reverse("api-contribution-batch", args=[batch.public_id])).status_code == 404
    run = ScreeningRun.objects.get(province_id=other)
    assert client.get(reverse("api-risk-screening", args=[run.public_id])).status_code == 404
    enrolment = nation[other].enrolments.get()
    for name in ("api-enrolment-suspend", "api-enrolment-close"):
        response = client.post(reverse(name, args=[enrolment.pk]), {"end_month": "2025-06"})
        assert response.status_code == 404, name
    for name, rule in API_ROUTES.items():
        if rule == "enrolment-write":
            assert client.post(reverse(name, args=[enrolment.pk])).status_code == 404, name
        if rule == "person-fact":
            body = {"died_on": "2025-01-02", "months": 12, "until_month": "1997-12"}
            answer = client.post(reverse(name, args=[other_person]), body, format="json")
            assert answer.status_code == 404, name
        if rule == "fact":  # a person of the other side is not known here
            body = FACTS[name] | {"id_number": other_person}
            answer = client.post(reverse(name), body, format="json")
            assert (answer.status_code, answer.json()["code"]) == (422, "unknown_person"), name
    assert InsuredPerson.objects.get(id_number=other_person).status == "active"
    move = reverse("api-employer-move", args=[UNITS[other]])
    body = {"to_agency": AGENCIES[province], "month": "2025-01"}
    assert client.post(move, body, format="json").status_code == 404
    assert Employer.objects.get(uscc=UNITS[other]).province_id == other
    transfer = Transfer.objects.get()  # Shanghai's person, from 31 to 41
    if province not in (transfer.from_province_id, transfer.to_province_id):
        for name, rule in API_ROUTES.items():
            if rule.startswith("transfer"):
                args = [transfer.public_id]
                answer = client.get(reverse(name, args=args)) if rule == "transfer" else (
                    client.post(reverse(name, args=args), {"reason": "x"}, format="json")
                )  # fmt: skip
                assert answer.status_code == 404, name
    refused = client.post(
        reverse("api-risk-screenings"), {"province": other}, format="json"
    ).status_code
    assert refused == 403
    assert (
        client.post(
            reverse("api-contribution-batches") + f"?province={other}",
            {"rows": []},
            format="json",
            HTTP_IDEMPOTENCY_KEY="x",
        ).status_code
        == 403
    )


def test_an_insured_person_reads_only_their_own_record(nation):
    user = User.objects.create_user(username="person-31", insured_person=nation["31"])
    client = APIClient()
    client.force_authenticate(user)
    assert client.get("/api/v1/me/record/").json()["person"]["id_number"] == SHANGHAI_PERSON
    for name, rule in API_ROUTES.items():
        if rule in ("list", "person"):
            from django.urls import reverse

            args = [GUANGDONG_PERSON] if rule == "person" else []
            assert client.get(reverse(name, args=args)).status_code == 403, name


# --- the person's pages -------------------------------------------------------------------

# Every page under /me/, each answering for the signed-in person only. A new page must be
# added here.
PERSON_PAGES = [
    "me-home", "me-record", "me-record-csv", "me-gaps", "me-estimate", "me-transfers",
    "me-statement", "me-access-log", "me-large-text", "me-keep-alive", "me-corrections",
]  # fmt: skip


def test_every_person_page_is_in_the_matrix():
    from django.urls import get_resolver

    names = {
        pattern.name
        for pattern in get_resolver().url_patterns
        if isinstance(pattern, URLPattern) and str(pattern.pattern).startswith("me/")
    }
    assert names == set(PERSON_PAGES)


def test_a_person_page_shows_only_the_signed_in_person(nation, caseworkers):
    from django.test import Client
    from django.urls import reverse

    user = User.objects.create_user(username="person-31", insured_person=nation["31"])
    person = Client()
    person.force_login(user)
    for name in PERSON_PAGES:
        if name in ("me-large-text", "me-keep-alive"):
            continue
        if name == "me-statement":
            person.get(reverse(name))
            assert Statement.objects.get().person_id == nation["31"].pk
            continue
        body = person.get(reverse(name)).content.decode("utf-8-sig")
        assert GUANGDONG_PERSON not in body and GUANGDONG_PERSON[:6] + "*" not in body, name
    for username in ("admin", "national", "shanghai"):
        staff = Client()
        staff.force_login(User.objects.get(username=username))
        assert staff.get(reverse("me-home")).status_code == 403, username
    assert Client().get(reverse("me-record")).status_code == 302


# --- the desk -----------------------------------------------------------------------------


@pytest.mark.parametrize("username", [name for name in PERSONAS if name != "shanghai-admin"])
def test_the_desk_counts_what_the_admin_lists_show(nation, username):
    from django.utils import timezone

    from portal.desk import desk_summary

    user = User.objects.get(username=username)
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    page = client.get("/admin/")
    assert page.status_code == 200 and "Waiting on my office" in page.content.decode()
    desk = desk_summary(user, today=timezone.localdate())
    for bars, path in [
        (desk.flags, "/admin/risk/riskflag/?status__exact=open"),
        (desk.transfers, "/admin/transfers/transfer/?waiting=us"),
        (desk.requests, "/admin/accounts/changerequest/?status__exact=pending"),
        (desk.corrections, "/admin/contributions/correctioncase/?status__exact=open"),
    ]:
        listed = client.get(path).context["cl"].result_count
        assert sum(bar.count for bar in bars) == listed, (username, path)

"""Flags: scope in the API and the admin, review with reasons, CSV, rule versions."""

import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AccessLog, AuditEvent, ChangeRequest, User
from risk import services
from risk.models import RiskFlag, RiskRule, ScreeningRun
from risk.registry import Hit
from tests.conftest import LI
from transfers.models import Transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def flags(li):
    rule = RiskRule.objects.get(code="RK-02")
    services.flags_file(
        rule=rule,
        hits=[
            Hit("31", f"person:{li.pk}", "2020", {"months": ["2020-10"]}, li.pk),
            Hit("44", "person:999999", "2021", {"months": ["2021-01"]}),
        ],
    )
    return RiskFlag.objects.order_by("province_id")


def test_a_province_reads_only_its_flags(flags, shanghai_system, guangdong_system):
    shanghai = shanghai_system.get("/api/v1/risk/flags/").json()["results"]
    assert [(f["province"], f["id_number"], f["rule"]) for f in shanghai] == [("31", LI, "RK-02")]
    guangdong = guangdong_system.get("/api/v1/risk/flags/").json()["results"]
    assert [f["province"] for f in guangdong] == ["44"]


def test_a_rerun_of_the_same_hits_files_nothing(flags):
    rule = RiskRule.objects.get(code="RK-02")
    again = services.flags_file(rule=rule, hits=[Hit("44", "person:999999", "2021", {})])
    assert again == 0
    assert RiskFlag.objects.count() == 2


def test_a_province_starts_a_screening_of_its_own_province_only(
    shanghai_system, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = shanghai_system.post(
            "/api/v1/risk/screenings/", {"rules": ["RK-02"]}, format="json"
        )
    assert response.status_code == 202
    assert response.json()["province"] == "31"
    assert len(callbacks) == 1  # the pieces are queued only once the run is committed
    refused = shanghai_system.post("/api/v1/risk/screenings/", {"province": "44"}, format="json")
    assert refused.status_code == 403
    assert ScreeningRun.objects.count() == 1


def test_an_unknown_rule_is_a_field_error(shanghai_system):
    response = shanghai_system.post("/api/v1/risk/screenings/", {"rules": ["RK-99"]}, format="json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "rules"


@pytest.fixture
def shanghai_admin(client, caseworkers):
    client.force_login(User.objects.get(username="shanghai"))
    return client


def test_the_admin_lists_flags_in_scope_only(flags, shanghai_admin):
    response = shanghai_admin.get("/admin/risk/riskflag/")
    assert [f.province_id for f in response.context["cl"].result_list] == ["31"]


def test_dismissing_needs_a_reason_and_a_dismissed_flag_does_not_come_back(
    flags, client, caseworkers
):
    client.force_login(User.objects.get(username="admin"))
    flag = flags.first()
    selection = {"action": "dismiss", ACTION_CHECKBOX_NAME: [flag.pk]}
    asked = client.post("/admin/risk/riskflag/", selection)
    assert asked.status_code == 200  # the reason form
    client.post("/admin/risk/riskflag/", {**selection, "apply": "1", "reason": "same employer"})
    flag.refresh_from_db()
    assert (flag.status, flag.reason) == ("dismissed", "same employer")
    refiled = services.flags_file(
        rule=flag.rule, hits=[Hit("31", flag.subject, flag.period, {}, flag.person_id)]
    )
    assert refiled == 0


def test_a_flag_moves_open_confirmed_resolved_and_no_other_way(flags):
    flag, by = flags.first(), User.objects.create_user("reviewer")
    with pytest.raises(services.ScreeningError, match="needs a reason"):
        services.flag_review(flag=flag, status="confirmed", reason=" ", by=by)
    with pytest.raises(services.ScreeningError, match="cannot become resolved"):
        services.flag_review(flag=flag, status="resolved", reason="", by=by)
    services.flag_review(flag=flag, status="confirmed", reason="two employers", by=by)
    resolved = services.flag_review(flag=flag, status="resolved", reason="", by=by)
    assert (resolved.status, resolved.assigned_to) == ("resolved", by)


def test_flags_export_as_csv(flags, client, caseworkers):
    client.force_login(User.objects.get(username="admin"))
    response = client.post(
        "/admin/risk/riskflag/",
        {"action": "export_csv", ACTION_CHECKBOX_NAME: [f.pk for f in flags]},
    )
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("flag,rule,province")
    assert len(lines) == 3
    [log] = AccessLog.objects.all()
    assert (log.action, log.person_ids, log.user.username) == (
        "export_risk_flags",
        [flags[0].person_id],
        "admin",
    )


def test_a_viewer_can_neither_review_nor_export(flags, client, caseworkers):
    client.force_login(User.objects.get(username="national"))
    User.objects.get(username="national").groups.set(Group.objects.filter(name="viewer (查询)"))
    response = client.post(
        "/admin/risk/riskflag/",
        {"action": "export_csv", ACTION_CHECKBOX_NAME: [f.pk for f in flags]},
    )
    assert response["Content-Type"].startswith("text/html")
    assert not AccessLog.objects.exists()


def test_changing_a_rules_parameters_in_the_admin_waits_for_a_checker_then_bumps_its_version(
    client, caseworkers
):
    client.force_login(User.objects.get(username="admin"))
    rule = RiskRule.objects.get(code="RK-02")
    client.post(
        "/admin/risk/riskrule/RK-02/change/",
        {"severity": "warn", "is_active": "on", "parameters": '{"min_overlap_months": 2}'},
    )
    rule.refresh_from_db()
    assert (rule.parameters, rule.version) == ({"min_overlap_months": 1}, 1)

    change = ChangeRequest.objects.get(kind="rule_change")
    client.force_login(User.objects.get(username="national"))
    client.post(
        "/admin/accounts/changerequest/",
        {"action": "approve", "apply": "1", ACTION_CHECKBOX_NAME: [change.pk]},
    )
    rule.refresh_from_db()
    assert (rule.parameters, rule.severity, rule.version) == ({"min_overlap_months": 2}, "warn", 2)
    assert AuditEvent.objects.filter(action="risk_rule_change", subject="risk_rule:RK-02").exists()


@pytest.mark.parametrize(
    "parameters,message",
    [
        ('{"min_overlap_months": -1}', "whole number"),
        ('{"min_overlap_months": 1.5}', "whole number"),
        ('{"min_overlap_months": "2"}', "whole number"),
        ('{"nope": 1}', "no parameter nope"),
        ("[1]", "object"),
    ],
)
def test_rule_parameters_are_validated_in_the_admin(client, caseworkers, parameters, message):
    client.force_login(User.objects.get(username="admin"))
    response = client.post(
        "/admin/risk/riskrule/RK-02/change/",
        {"severity": "warn", "is_active": "on", "parameters": parameters},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ChangeRequest.objects.exists()


def test_a_provincial_caseworker_cannot_change_a_national_rule(client, caseworkers):
    client.force_login(User.objects.get(username="shanghai"))
    response = client.post(
        "/admin/risk/riskrule/RK-02/change/",
        {"severity": "info", "is_active": "on", "parameters": '{"min_overlap_months": 2}'},
    )
    assert response.status_code == 403
    assert not ChangeRequest.objects.exists()


def test_a_flag_names_its_person_by_masked_id_and_name_never_by_internal_id(client):
    from django.core.management import call_command

    from accounts.models import User
    from contributions import services as ledger
    from risk import services as risk_services
    from risk.models import RiskRule
    from risk.registry import Hit

    call_command("seed_demo")
    person, _ = ledger.person_upsert(
        id_number="110101199003071233", name="李强", hukou_province="31"
    )
    risk_services.flags_file(
        rule=RiskRule.objects.get(code="RK-02"),
        hits=[Hit.of_person(person.pk, province="31", period="2025", evidence={})],
    )
    client.force_login(User.objects.get(username="shanghai"))
    page = client.get("/admin/risk/riskflag/").content.decode()
    assert "110101********1233 李强" in page
    assert f"person:{person.pk}" not in page


def test_the_flag_list_reads_the_transfers_it_names_in_one_query(li, client, caseworkers):
    """Flags about transfers link to them; a page of them costs no query per flag."""
    rule = RiskRule.objects.get(code="RK-23")
    client.force_login(User.objects.get(username="admin"))
    client.get("/admin/risk/riskflag/")  # the signed-in principal is read once, then kept

    def listed_after_filing(count: int) -> tuple[int, str]:
        for _ in range(count):
            transfer = Transfer.objects.create(
                person=li, from_province_id="31", to_province_id="41", status="completed",
                applied_on="2025-01-06",
            )  # fmt: skip
            services.flags_file(
                rule=rule, hits=[Hit("31", f"transfer:{transfer.public_id}", "2025", {}, li.pk)]
            )
        with CaptureQueriesContext(connection) as queries:
            page = client.get("/admin/risk/riskflag/").content.decode()
        return len(queries), page

    one, _ = listed_after_filing(1)
    four, page = listed_after_filing(3)
    assert four == one
    assert len(re.findall(r"/admin/transfers/transfer/\d+/change/", page)) == 4

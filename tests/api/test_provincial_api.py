"""The provincial API: who may read and write what, idempotent batches, error shapes."""

import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import ApiKey
from accounts.services import KeyLimitReached, api_key_issue
from contributions import rules, selectors
from contributions.models import ContributionRecord, Employer, Enrolment, InsuredPerson
from tests.conftest import LI, SH_UNIT

pytestmark = pytest.mark.django_db

NEW_PERSON = "11010519491231002X"


def _row(month: str = "2025-03", **fields) -> dict:
    return {
        "id_number": LI,
        "month": month,
        "scheme": "employee",
        "employer_uscc": SH_UNIT,
        "wage_or_base": "9000.00",
        **fields,
    }


def _post_batch(client, rows, key="batch-1", mode="all_or_nothing", **params):
    return client.post(
        "/api/v1/contributions/batches/" + (f"?province={params['province']}" if params else ""),
        data=json.dumps({"mode": mode, "rows": rows}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


# --- persons -----------------------------------------------------------------------------


def test_a_province_registers_a_person_and_reads_it_back(shanghai_system):
    response = shanghai_system.put(
        f"/api/v1/persons/{NEW_PERSON}/", {"name": "王芳", "hukou_province": "31"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["birth_date"] == "1949-12-31"
    assert shanghai_system.get(f"/api/v1/persons/{NEW_PERSON}/").status_code == 200


def test_another_province_cannot_read_or_update_the_person(li, guangdong_system):
    assert guangdong_system.get(f"/api/v1/persons/{LI}/").status_code == 404
    assert guangdong_system.get(f"/api/v1/persons/{LI}/record/").status_code == 404
    response = guangdong_system.put(
        f"/api/v1/persons/{LI}/", {"name": "改名", "hukou_province": "44"}, format="json"
    )
    assert response.status_code == 409  # registered nationally: enrol, do not re-register
    assert InsuredPerson.objects.get(id_number=LI).name == "李强"
    assert LI not in json.dumps(guangdong_system.get("/api/v1/persons/").json())


def test_a_bad_id_number_is_a_field_error(shanghai_system):
    response = shanghai_system.put(
        "/api/v1/persons/110101199003071234/", {"name": "x", "hukou_province": "31"}, format="json"
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0] == {
        "field": "id_number",
        "code": "id_number_checksum",
        "message": "check digit is 4, expected 3",
    }


def test_the_national_record_lists_months_and_balance(li, shanghai_system):
    _post_batch(shanghai_system, [_row("2025-01"), _row("2025-02")])
    body = shanghai_system.get(f"/api/v1/persons/{LI}/record/").json()
    assert body["contribution_months"] == 2
    assert body["months_by_province"] == {"31": 2}
    # 1440.00 posted in 2025, plus this year's interest on it so far, not posted yet.
    today = timezone.localdate()
    so_far = rules.interest_to_month(
        opening_balance=Decimal("1440.00"),
        monthly_credits=[Decimal(0)] * 12,
        rate=selectors.crediting_rate_for(today.year)[0],
        month=today.month,
    ).interest
    assert body["account_balance"] == str(Decimal("1440.00") + so_far)


# --- employers and enrolments ------------------------------------------------------------


def test_an_employer_is_registered_in_the_keys_province_only(shanghai_system, guangdong_system):
    created = shanghai_system.post(
        "/api/v1/employers/", {"uscc": "91310115MA1H7XXX08", "name": "浦东示例"}, format="json"
    )
    assert created.status_code == 201
    assert created.json()["province"] == "31"
    refused = shanghai_system.post(
        "/api/v1/employers/", {"uscc": SH_UNIT, "name": "x", "province": "44"}, format="json"
    )
    assert refused.status_code == 403
    assert not Employer.objects.filter(province_id="44").exists()
    assert guangdong_system.get("/api/v1/employers/").json()["results"] == []


def test_enrolments_of_another_province_cannot_be_suspended(li, shanghai_system, guangdong_system):
    enrolment = Enrolment.objects.get(person=li)
    url = f"/api/v1/enrolments/{enrolment.pk}/suspend/"
    assert guangdong_system.post(url, {"end_month": "2025-06"}, format="json").status_code == 404
    assert shanghai_system.post(url, {"end_month": "2025-06"}, format="json").status_code == 200
    again = shanghai_system.post(url, {"end_month": "2025-07"}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "not_active"


def test_a_second_active_enrolment_is_blocked_by_rk_01(li, guangdong_system):
    response = guangdong_system.post(
        "/api/v1/enrolments/",
        {"id_number": LI, "scheme": "flexible", "start_month": "2025-07"},
        format="json",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "RK-01"
    assert "先转后清" in response.json()["title"]
    assert Enrolment.objects.filter(province_id="44").count() == 0


def test_a_province_opens_an_enrolment_for_a_person_from_elsewhere(
    li, shanghai_system, guangdong_system
):
    enrolment = Enrolment.objects.get(person=li)
    shanghai_system.post(
        f"/api/v1/enrolments/{enrolment.pk}/close/", {"end_month": "2025-06"}, format="json"
    )
    response = guangdong_system.post(
        "/api/v1/enrolments/",
        {"id_number": LI, "scheme": "flexible", "start_month": "2025-07"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["province"] == "44"
    # Now insured in Guangdong too, the person is in Guangdong's scope.
    assert guangdong_system.get(f"/api/v1/persons/{LI}/").status_code == 200


# --- contribution batches ----------------------------------------------------------------


def test_a_batch_needs_an_idempotency_key(li, shanghai_system):
    response = shanghai_system.post(
        "/api/v1/contributions/batches/",
        data=json.dumps({"rows": [_row()]}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"


def test_a_batch_replayed_100_times_is_written_once(li, shanghai_system):
    first = _post_batch(shanghai_system, [_row("2025-01"), _row("2025-02")])
    assert first.status_code == 201
    for _ in range(100):
        replay = _post_batch(shanghai_system, [_row("2025-01"), _row("2025-02")])
        assert replay.status_code == 201
        assert replay.json() == first.json()
        assert replay["Idempotent-Replayed"] == "true"
    assert ContributionRecord.objects.count() == 2


def test_the_same_key_with_another_body_is_a_conflict(li, shanghai_system):
    _post_batch(shanghai_system, [_row("2025-01")])
    conflict = _post_batch(shanghai_system, [_row("2025-02")])
    assert conflict.status_code == 409
    assert conflict.json()["code"] == "idempotency_conflict"
    assert ContributionRecord.objects.count() == 1


def test_a_refused_batch_leaves_its_key_for_the_corrected_retry(li, shanghai_system):
    refused = _post_batch(shanghai_system, [_row("2025-13")], key="retry-1")
    assert refused.status_code == 422
    corrected = _post_batch(shanghai_system, [_row("2025-01")], key="retry-1")
    assert corrected.status_code == 201
    replay = _post_batch(shanghai_system, [_row("2025-01")], key="retry-1")
    assert (replay.status_code, replay["Idempotent-Replayed"]) == (201, "true")
    assert ContributionRecord.objects.count() == 1


def test_a_rejected_batch_names_each_bad_row_and_writes_nothing(li, shanghai_system):
    response = _post_batch(
        shanghai_system,
        [
            _row("2025-01"),
            _row("2025-02", wage_or_base="abc"),
            _row("2025-13"),
            _row("2025-04", province="44"),
            _row("2025-05", scheme="flexible", employer_uscc="", wage_or_base="100"),
        ],
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    errors = {(e["index"], e["field"], e["code"]) for e in response.json()["errors"]}
    assert errors == {
        (1, "wage_or_base", "invalid"),
        (2, "month", "invalid"),
        (3, "province", "province_mismatch"),
        (4, "wage_or_base", "base_out_of_band"),
    }
    assert not ContributionRecord.objects.exists()


def test_accept_valid_posts_the_good_rows(li, shanghai_system):
    response = _post_batch(shanghai_system, [_row("2025-01"), _row("2025-13")], mode="accept_valid")
    assert response.status_code == 201
    body = response.json()
    assert (body["posted"], [e["index"] for e in body["rejected"]]) == (1, [1])


def test_a_key_cannot_write_another_provinces_batch(li, shanghai_system):
    response = _post_batch(shanghai_system, [_row()], province="44")
    assert response.status_code == 403
    assert not ContributionRecord.objects.exists()


def test_money_as_a_json_number_is_refused_it_may_have_been_a_float(li, shanghai_system):
    # Written by hand: json.dumps could not produce a bare decimal number from a Decimal.
    body = (
        f'{{"rows": [{{"id_number": "{LI}", "month": "2025-01", "scheme": "employee", '
        f'"employer_uscc": "{SH_UNIT}", "wage_or_base": 8000.10}}]}}'
    )
    response = shanghai_system.post(
        "/api/v1/contributions/batches/",
        data=body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == ("wage_or_base", "invalid")
    assert not ContributionRecord.objects.exists()


def test_malformed_json_is_a_400_not_a_500(li, shanghai_system):
    response = shanghai_system.post(
        "/api/v1/contributions/batches/",
        data="{not json",
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "body"


def test_a_single_contribution_is_posted_in_real_time(li, shanghai_system):
    response = shanghai_system.post(
        "/api/v1/contributions/", data=json.dumps(_row()), content_type="application/json"
    )
    assert response.status_code == 201
    assert response.json()["posted"] == 1


def test_other_provinces_see_neither_the_rows_nor_the_batch(li, shanghai_system, guangdong_system):
    batch_id = _post_batch(shanghai_system, [_row()]).json()["batch_id"]
    assert guangdong_system.get("/api/v1/contributions/").json()["results"] == []
    assert guangdong_system.get(f"/api/v1/contributions/batches/{batch_id}/").status_code == 404
    assert shanghai_system.get(f"/api/v1/contributions/batches/{batch_id}/").status_code == 200
    listed = shanghai_system.get("/api/v1/contributions/", {"month_from": "2025-01"}).json()
    assert [row["month"] for row in listed["results"]] == ["2025-03"]


def test_journal_balances_are_limited_to_the_keys_province(li, shanghai_system, guangdong_system):
    _post_batch(shanghai_system, [_row()])
    assert {row["province"] for row in shanghai_system.get("/api/v1/journal/balances/").json()} == {
        "31"
    }
    assert guangdong_system.get("/api/v1/journal/balances/").json() == []


# --- sessions ----------------------------------------------------------------------------


def test_a_caseworker_session_has_the_caseworkers_scope(li, shanghai_caseworker):
    assert shanghai_caseworker.get(f"/api/v1/persons/{LI}/").status_code == 200
    refused = _post_batch(shanghai_caseworker, [_row()], province="44")
    assert refused.status_code == 403
    accepted = _post_batch(shanghai_caseworker, [_row()], key="cw-1", province="31")
    assert accepted.status_code == 201


def test_a_viewer_session_reads_but_does_not_write(li, caseworkers):
    from rest_framework.test import APIClient

    from accounts.models import User

    viewer = APIClient()
    viewer.force_authenticate(User.objects.get(username="weifang"))
    assert viewer.get("/api/v1/contributions/").status_code == 200
    assert _post_batch(viewer, [_row()], key="v-1", province="31").status_code == 403
    response = viewer.post("/api/v1/risk/screenings/", {"province": "31"}, format="json")
    assert response.status_code == 403
    assert not ContributionRecord.objects.exists()


def test_an_insured_person_reads_only_their_own_record(li_signed_in):
    assert li_signed_in.get("/api/v1/me/record/").status_code == 200
    assert li_signed_in.get(f"/api/v1/persons/{LI}/").status_code == 403
    assert li_signed_in.get("/api/v1/contributions/").status_code == 403


def test_anonymous_calls_are_refused_with_problem_details(client):
    response = client.get("/api/v1/contributions/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_an_unknown_api_url_is_a_problem_document(client):
    response = client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- keys --------------------------------------------------------------------------------


def test_create_api_client_prints_a_working_key_once(capsys):
    call_command("create_api_client", province="31", name="沪社保")
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert key.startswith("pp_")
    assert not ApiKey.objects.filter(key_hash=key).exists()  # only the hash is kept


def test_a_revoked_key_is_refused(shanghai_system):
    ApiKey.objects.update(revoked_at="2026-01-01T00:00:00Z")
    assert shanghai_system.get("/api/v1/contributions/").status_code == 401


def test_two_keys_may_be_active_during_rotation_but_not_three(shanghai_system):
    key = ApiKey.objects.get()
    assert api_key_issue(client=key.client).startswith("pp_")
    with pytest.raises(KeyLimitReached):
        api_key_issue(client=key.client)


@pytest.mark.parametrize(
    "params",
    [
        {"month_from": "2025-13"},
        {"updated_since": "2025-13-01T00:00:00+08:00"},
        {"updated_since": "yesterday"},
        {"province": ""},
    ],
)
def test_a_bad_filter_value_is_a_400_naming_the_parameter(shanghai_system, params):
    response = shanghai_system.get("/api/v1/contributions/", params)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == next(iter(params))


# --- every endpoint, from the outsider's side ---------------------------------------------


@pytest.fixture
def shanghai_ledger(li, shanghai_system):
    """Shanghai's person, employer, enrolment, contributions, batch and journal lines."""
    assert _post_batch(shanghai_system, [_row("2025-01")]).status_code == 201


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/persons/",
        "/api/v1/employers/",
        "/api/v1/enrolments/",
        "/api/v1/contributions/",
    ],
)
def test_lists_show_an_outsider_nothing_of_another_province(shanghai_ledger, guangdong_system, url):
    response = guangdong_system.get(url)
    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("post", "/api/v1/contributions/?province=31", _row("2025-02")),
        ("post", "/api/v1/enrolments/", {"id_number": LI, "scheme": "flexible",
                                         "start_month": "2025-01", "province": "31"}),
        ("post", "/api/v1/employers/", {"uscc": SH_UNIT, "name": "x", "province": "31"}),
        ("post", "/api/v1/enrolments/{enrolment}/close/", {"end_month": "2025-06"}),
        ("put", f"/api/v1/persons/{LI}/", {"name": "x", "hukou_province": "31"}),
    ],
)  # fmt: skip
def test_an_outsider_writes_nothing_into_another_province(
    shanghai_ledger, guangdong_system, method, url, body
):
    before = (
        ContributionRecord.objects.count(),
        Enrolment.objects.count(),
        Employer.objects.count(),
        InsuredPerson.objects.get(id_number=LI).name,
    )
    url = url.format(enrolment=Enrolment.objects.get().pk)
    response = getattr(guangdong_system, method)(url, body, format="json")
    assert response.status_code in (403, 404, 409)
    after = (
        ContributionRecord.objects.count(),
        Enrolment.objects.count(),
        Employer.objects.count(),
        InsuredPerson.objects.get(id_number=LI).name,
    )
    assert after == before
    assert Enrolment.objects.get().status == "active"


def test_the_last_use_of_a_key_is_recorded(shanghai_system):
    assert ApiKey.objects.get().last_used_at is None
    shanghai_system.get("/api/v1/contributions/")
    assert ApiKey.objects.get().last_used_at is not None


def test_a_provinces_policy_of_a_year_is_public(client):
    body = client.get("/api/v1/policies/31/2025/").json()
    assert body["province"] == "31" and body["year"] == 2025
    assert Decimal(body["contribution_floor"]) < Decimal(body["contribution_ceiling"])
    assert client.get("/api/v1/policies/31/1900/").status_code == 404

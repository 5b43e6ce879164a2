"""Public calculation endpoints: spec worked examples end to end, policy look-ups, problem
details for bad input, anonymous access, throttling and the OpenAPI description.

Throttle counters are cleared before each test by the autouse fixture of tests/api/conftest.py.
"""

import re
from typing import Any

import pytest
from django.urls import include, path, reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from contributions.api import calculations as contribution_calculations
from portal.api import CalculationRateThrottle
from transfers.api import calculations as transfer_calculations

CALCULATORS = [*contribution_calculations.urlpatterns, *transfer_calculations.urlpatterns]

MONEY = re.compile(r"^\d+\.\d{2}$")
PROBLEM = "application/problem+json"


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def calc(api: APIClient, endpoint: str, body: Any) -> Any:
    return api.post(reverse(f"calc-{endpoint}"), body, format="json")


def ok(api: APIClient, endpoint: str, body: Any) -> dict[str, Any]:
    response = calc(api, endpoint, body)
    assert response.status_code == 200, response.content
    return response.json()


def problem_fields(response: Any, status: int = 400) -> dict[str, str]:
    """The problem document's field errors as {field: code}; checks its status: 400 for input
    outside the schema, 422 for input a rule refuses."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    return {error["field"]: error["code"] for error in body["errors"]}


def months(year: int, count: int, base: str, kind: str = "normal", **extra: str) -> list[dict]:
    return [
        {"month": f"{year}-{m:02d}", "base": base, "kind": kind, **extra}
        for m in range(1, count + 1)
    ]


# --- Retirement date and minimum months (§6) ------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "expected"),
    [
        # RA-06 with FW-01
        ("1965-12", ["2026-03", 723, 3, "2025-12", "2029-03"]),
        # RA-14 with FW-02: the earliest month is capped by the original age 60
        ("1970-06", ["2031-11", 737, 17, "2030-06", "2034-11"]),
    ],
)
def test_retirement_date_gives_statutory_month_and_flexible_window(api, birth, expected):
    body = ok(api, "retirement-date", {"birth_month": birth, "category": "M60"})

    assert body == dict(
        zip(
            ["statutory_month", "age_months", "delay_months", "earliest_month", "latest_month"],
            expected,
            strict=True,
        )
    )


def test_retirement_date_for_women_workers_uses_the_f50_schedule(api):
    body = ok(api, "retirement-date", {"birth_month": "1980-07", "category": "F50"})  # RA-19

    assert (body["statutory_month"], body["delay_months"]) == ("2033-05", 34)


@pytest.mark.parametrize(("year", "minimum"), [(2029, 180), (2030, 186), (2031, 192), (2045, 240)])
def test_minimum_months_follow_the_retirement_year(api, year, minimum):
    # 2031 → 192 is PN-06: 186 months is not enough to retire that year.
    assert ok(api, "minimum-months", {"retirement_year": year}) == {"minimum_months": minimum}


# --- Pension estimate (§5) ------------------------------------------------------------------


def test_pension_estimate_pn01(api):
    body = ok(
        api,
        "pension-estimate",
        {
            "pension_base": "10000",
            "average_index": "1.0",
            "contribution_months": 360,
            "account_balance": "200000",
            "retirement_age_months": 720,
        },
    )

    assert body == {
        "basic_pension": "3000.00",
        "account_pension": "1438.85",
        "transitional_pension": "0.00",
        "divisor": "139",
        "total": "4438.85",
        "pension_base": "10000.00",
    }


@pytest.mark.parametrize(
    ("mode", "divisor", "account_pension"),
    [
        ("completed_age", "139", "1438.85"),
        ("linear_interpolation", "137.25", "1457.19"),  # 200000 / 137.25
    ],
)
def test_pension_estimate_md01_divisor_modes_for_60_years_3_months(
    api, mode, divisor, account_pension
):
    body = ok(
        api,
        "pension-estimate",
        {
            "pension_base": "10000.00",
            "average_index": "1.0000",
            "contribution_months": 360,
            "account_balance": "200000.00",
            "retirement_age_months": 60 * 12 + 3,
            "divisor_mode": mode,
        },
    )

    assert (body["divisor"], body["account_pension"]) == (divisor, account_pension)


def test_pension_estimate_without_a_mode_uses_the_completed_age(api):
    body = ok(
        api,
        "pension-estimate",
        {
            "pension_base": "10000.00",
            "average_index": "1.0000",
            "contribution_months": 360,
            "account_balance": "200000.00",
            "retirement_age_months": 723,
        },
    )

    assert body["divisor"] == "139"


def test_pension_estimate_with_a_transitional_part(api):
    # TP-01 inside a full estimate: P_t = 8000, I_t = 1.0, 10 deemed years, c = 1.2 %.
    body = ok(
        api,
        "pension-estimate",
        {
            "pension_base": "8000.00",
            "average_index": "1.0000",
            "contribution_months": 360,
            "account_balance": "100000.00",
            "retirement_age_months": 720,
            "transitional": {"deemed_months": 120, "coefficient": "0.012"},
        },
    )

    assert body["transitional_pension"] == "960.00"
    assert body["basic_pension"] == "2400.00"
    assert body["account_pension"] == "719.42"
    assert body["total"] == "4079.42"


@pytest.mark.django_db
def test_pension_estimate_reads_base_and_coefficient_from_the_policy(api):
    # Beijing 2025 is seeded with P = 11937 and c = 1.2 %.
    body = ok(
        api,
        "pension-estimate",
        {
            "average_index": "1.0000",
            "contribution_months": 360,
            "account_balance": "0.00",
            "retirement_age_months": 720,
            "transitional": {"deemed_months": 120},
            "province": "11",
            "year": 2025,
        },
    )

    assert body["pension_base"] == "11937.00"
    assert body["basic_pension"] == "3581.10"
    assert body["transitional_pension"] == "1432.44"


@pytest.mark.django_db
def test_pension_estimate_given_base_wins_over_the_policy(api):
    body = ok(
        api,
        "pension-estimate",
        {
            "pension_base": "10000.00",
            "average_index": "1.0000",
            "contribution_months": 360,
            "account_balance": "200000.00",
            "retirement_age_months": 720,
            "province": "11",
            "year": 2025,
        },
    )

    assert body["basic_pension"] == "3000.00"


# --- Account interest (§2.3) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "interest", "closing"),
    [("annual", "108.96", "7788.96"), ("monthly", "108.99", "7788.99")],  # IR-01, IR-04
)
def test_account_interest_ir01_and_ir04(api, method, interest, closing):
    body = ok(
        api,
        "account-interest",
        {
            "opening_balance": "0",
            "monthly_credits": ["640.00"] * 12,
            "rate": "0.0262",
            "method": method,
        },
    )

    assert body == {
        "interest": interest,
        "closing_balance": closing,
        "rate": "0.0262",
        "rate_is_provisional": False,
    }


@pytest.mark.django_db
def test_account_interest_reads_the_national_rate_of_the_year(api):
    body = ok(
        api,
        "account-interest",
        {"opening_balance": "0", "monthly_credits": ["640"] * 12, "method": "monthly"}
        | {"year": 2024},
    )

    assert (body["closing_balance"], body["rate"], body["rate_is_provisional"]) == (
        "7788.99",
        "0.0262",
        False,
    )


@pytest.mark.django_db
def test_account_interest_says_when_the_rate_is_provisional(api):
    body = ok(
        api,
        "account-interest",
        {"opening_balance": "50000", "monthly_credits": ["0"] * 12, "method": "annual"}
        | {"year": 2025},
    )

    assert (body["rate"], body["rate_is_provisional"], body["interest"]) == (
        "0.015",
        True,
        "750.00",
    )


@pytest.mark.django_db
def test_account_interest_for_a_year_without_any_rate_is_a_field_error(api):
    response = calc(
        api,
        "account-interest",
        {"opening_balance": "0", "monthly_credits": ["0"] * 12, "method": "annual", "year": 2010},
    )

    assert problem_fields(response, 422) == {"year": "no_crediting_rate"}


# --- Transfer amounts (§3.3) ----------------------------------------------------------------


def test_transfer_amounts_tr01_with_the_account_of_tr06(api):
    sheet = (
        months(1996, 12, "3000")
        + months(1997, 12, "3200")
        + months(1998, 12, "3500")
        + months(2015, 12, "5000")
        + months(2016, 6, "6000")
    )

    body = ok(api, "transfer-amounts", {"months": sheet, "account_balance": "35210.55"})

    assert body == {
        "pooling_amount": "16560.00",
        "account_amount": "35210.55",
        "total": "51770.55",
    }


@pytest.mark.parametrize(("rate", "pooling"), [("0.16", "23040.00"), ("0.10", "17280.00")])
def test_transfer_amounts_tr03_tr04_temporary_account(api, rate, pooling):
    sheet = months(2020, 12, "6000", "temporary", employer_rate=rate) + months(
        2021, 12, "6000", "temporary", employer_rate=rate
    )

    body = ok(api, "transfer-amounts", {"months": sheet, "account_balance": "0"})

    assert body["pooling_amount"] == pooling


# --- Claim place (§4) -----------------------------------------------------------------------


def test_claim_place_v3_returns_to_the_earlier_province(api):
    body = ok(
        api,
        "claim-place",
        {
            "hukou_province": "41",
            "segments": [{"province": "44", "months": 144}, {"province": "33", "months": 72}],
        },
    )

    assert (body["province"], body["rule"]) == ("44", "R3")
    assert "Guangdong (44)" in body["explanation"]


def test_claim_place_v8_temporary_months_never_count(api):
    body = ok(
        api,
        "claim-place",
        {
            "hukou_province": "41",
            "segments": [
                {"province": "44", "months": 108, "kind": "normal"},
                {"province": "31", "months": 96, "kind": "temporary"},
            ],
        },
    )

    assert (body["province"], body["rule"]) == ("41", "R4")


# --- ID number (§8) -------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["11010519491231002X", "1101 0519 4912 31002x"])
def test_id_number_id01_is_valid_and_normalised(api, number):
    body = ok(api, "id-number", {"id_number": number})

    assert body == {
        "valid": True,
        "id_number": "11010519491231002X",
        "errors": [],
        "warnings": [],
        "birth_date": "1949-12-31",
        "sex": "F",
        "province": "11",
    }


@pytest.mark.parametrize(
    ("number", "code"),
    [("110101199003071234", "checksum"), ("310115198702290508", "date")],  # ID-04, ID-08
)
def test_an_invalid_id_number_is_a_200_with_coded_errors(api, number, code):
    body = ok(api, "id-number", {"id_number": number})

    assert body["valid"] is False
    assert [error["code"] for error in body["errors"]] == [code]
    assert all(error["message"] for error in body["errors"])


def test_id_number_with_a_bad_shape_reports_format(api):
    body = ok(api, "id-number", {"id_number": "12345"})

    assert (body["valid"], body["errors"][0]["code"], body["birth_date"]) == (False, "format", None)


# --- Contribution (§1.3) --------------------------------------------------------------------

STANDARD_BAND = {"base_floor": "4800", "base_ceiling": "24000"}


@pytest.mark.parametrize(
    ("wage", "expected"),
    [
        ("8000", ["8000.00", "1280.00", "640.00", "1920.00"]),  # CT-06
        ("3000", ["4800.00", "768.00", "384.00", "1152.00"]),  # CT-07
        ("30000", ["24000.00", "3840.00", "1920.00", "5760.00"]),  # CT-08
    ],
)
def test_employee_contribution_clamps_the_wage_into_the_band(api, wage, expected):
    body = ok(
        api,
        "contribution",
        {"kind": "employee", "wage_or_base": wage, "employer_rate": "0.16", **STANDARD_BAND},
    )

    assert body == dict(
        zip(["base", "pooling_part", "account_part", "total"], expected, strict=True)
    )


def test_flexible_contribution_ct09(api):
    body = ok(api, "contribution", {"kind": "flexible", "wage_or_base": "4800", **STANDARD_BAND})

    assert body == {
        "base": "4800.00",
        "pooling_part": "576.00",
        "account_part": "384.00",
        "total": "960.00",
    }


def test_flexible_base_below_the_floor_ct13_is_refused(api):
    response = calc(
        api, "contribution", {"kind": "flexible", "wage_or_base": "4799", **STANDARD_BAND}
    )

    assert problem_fields(response, 422) == {"wage_or_base": "base_out_of_band"}
    assert response.json()["code"] == "base_out_of_band"


@pytest.mark.django_db
def test_contribution_reads_beijing_2025_band_and_rates(api):
    body = ok(
        api,
        "contribution",
        {"kind": "employee", "wage_or_base": "3000", "province": "11", "year": 2025},
    )

    assert body == {
        "base": "7162.00",
        "pooling_part": "1145.92",
        "account_part": "572.96",
        "total": "1718.88",
    }


@pytest.mark.django_db
def test_flexible_contribution_with_beijing_2025_policy_ct10(api):
    body = ok(
        api,
        "contribution",
        {"kind": "flexible", "wage_or_base": "7162", "province": "11", "year": 2025},
    )

    assert (body["pooling_part"], body["account_part"], body["total"]) == (
        "859.44",
        "572.96",
        "1432.40",
    )


@pytest.mark.django_db
def test_flexible_base_outside_a_policy_band_is_refused(api):
    response = calc(
        api,
        "contribution",
        {"kind": "flexible", "wage_or_base": "40000", "province": "11", "year": 2025},
    )

    assert problem_fields(response, 422) == {"wage_or_base": "base_out_of_band"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("extra", "errors"),
    [
        ({"province": "11", "year": 2030}, {"province": "no_policy"}),
        ({"province": "11"}, {"year": "required"}),
        ({"year": 2025}, {"province": "required"}),
    ],
)
def test_contribution_policy_look_up_errors(api, extra, errors):
    response = calc(api, "contribution", {"kind": "employee", "wage_or_base": "3000", **extra})

    assert problem_fields(response, 422) == errors


# --- Bad input is a 400 or 422 problem, never a 500 ----------------------------------------

PN01 = {
    "pension_base": "10000",
    "average_index": "1",
    "contribution_months": 360,
    "account_balance": "200000",
    "retirement_age_months": 720,
}
CT06 = {"kind": "employee", "wage_or_base": "8000", "employer_rate": "0.16", **STANDARD_BAND}
IR04 = {
    "opening_balance": "0",
    "monthly_credits": ["640"] * 12,
    "rate": "0.0262",
    "method": "monthly",
}


@pytest.mark.parametrize(
    ("endpoint", "body", "field"),
    [
        ("retirement-date", {"birth_month": "1965-13", "category": "M60"}, "birth_month"),
        ("retirement-date", {"birth_month": "Dec 1965", "category": "M60"}, "birth_month"),
        ("retirement-date", {"birth_month": 196512, "category": "M60"}, "birth_month"),
        ("retirement-date", {"birth_month": "9999-12", "category": "M60"}, "birth_month"),
        ("retirement-date", {"birth_month": "1965-12", "category": "M65"}, "category"),
        ("retirement-date", {"category": "M60"}, "birth_month"),
        ("minimum-months", {"retirement_year": "soon"}, "retirement_year"),
        ("minimum-months", {"retirement_year": 10**30}, "retirement_year"),
        ("pension-estimate", {**PN01, "contribution_months": -1}, "contribution_months"),
        ("pension-estimate", {**PN01, "contribution_months": 10**30}, "contribution_months"),
        ("pension-estimate", {**PN01, "account_balance": "1e30"}, "account_balance"),
        ("pension-estimate", {**PN01, "account_balance": "NaN"}, "account_balance"),
        ("pension-estimate", {**PN01, "retirement_age_months": 479}, "retirement_age_months"),
        ("pension-estimate", {**PN01, "divisor_mode": "rounded"}, "divisor_mode"),
        ("account-interest", {**IR04, "monthly_credits": ["640"] * 11}, "monthly_credits"),
        ("account-interest", {**IR04, "monthly_credits": []}, "monthly_credits"),
        ("account-interest", {**IR04, "rate": "1.5"}, "rate"),
        ("account-interest", {**IR04, "rate": "-0.01"}, "rate"),
        ("account-interest", {**IR04, "method": "daily"}, "method"),
        ("transfer-amounts", {"months": [], "account_balance": "0"}, "months"),
        (
            "transfer-amounts",
            {"months": months(2020, 1, "-1"), "account_balance": "0"},
            "months.0.base",
        ),
        (
            "transfer-amounts",
            {"months": months(2020, 1, "5000", "lump"), "account_balance": "0"},
            "months.0.kind",
        ),
        (
            "transfer-amounts",
            {"months": [{"month": "2020-1", "base": "1", "kind": "normal"}], "account_balance": 0},
            "months.0.month",
        ),
        ("claim-place", {"hukou_province": "41", "segments": []}, "segments"),
        ("account-interest", {**IR04, "monthly_credits": [640] * 12}, "monthly_credits.0"),
        ("contribution", {**CT06, "wage_or_base": 8000}, "wage_or_base"),
        (
            "claim-place",
            {"hukou_province": "99", "segments": [{"province": "44", "months": 1}]},
            "hukou_province",
        ),
        (
            "claim-place",
            {"hukou_province": "41", "segments": [{"province": "99", "months": 12}]},
            "segments.0.province",
        ),
        (
            "claim-place",
            {"hukou_province": "41", "segments": [{"province": "44", "months": -12}]},
            "segments.0.months",
        ),
        ("id-number", {"id_number": ""}, "id_number"),
        ("id-number", {}, "id_number"),
        ("contribution", {**CT06, "kind": "bonus"}, "kind"),
        ("contribution", {**CT06, "employer_rate": "16"}, "employer_rate"),
        ("contribution", {**CT06, "wage_or_base": "-1"}, "wage_or_base"),
        ("contribution", {**CT06, "wage_or_base": "8000.001"}, "wage_or_base"),
        ("contribution", {**CT06, "province": "99", "year": 2025}, "province"),
        ("contribution", [CT06], "non_field_errors"),
    ],
)
def test_input_outside_the_schema_is_a_400_naming_the_field(api, endpoint, body, field):
    assert field in problem_fields(calc(api, endpoint, body))


@pytest.mark.parametrize(
    ("endpoint", "body", "field"),
    [
        (
            "pension-estimate",
            {k: v for k, v in PN01.items() if k != "pension_base"},
            "pension_base",
        ),
        (
            "pension-estimate",
            {**PN01, "transitional": {"deemed_months": 400, "coefficient": "0.012"}},
            "transitional.deemed_months",
        ),
        (
            "pension-estimate",
            {**PN01, "transitional": {"deemed_months": 120}},
            "transitional.coefficient",
        ),
        ("account-interest", {k: v for k, v in IR04.items() if k != "rate"}, "rate"),
        ("contribution", {**CT06, "base_floor": "30000"}, "base_floor"),
        ("contribution", {k: v for k, v in CT06.items() if k != "employer_rate"}, "employer_rate"),
        ("contribution", {k: v for k, v in CT06.items() if k != "base_ceiling"}, "base_ceiling"),
        (
            "contribution",
            {**CT06, "kind": "flexible", "flexible_total_rate": "0.10", "account_rate": "0.20"},
            "account_rate",
        ),
    ],
)
def test_input_a_rule_refuses_is_a_422_naming_the_field(api, endpoint, body, field):
    assert field in problem_fields(calc(api, endpoint, body), 422)


def test_malformed_json_is_a_problem(api):
    response = api.post(
        reverse("calc-minimum-months"), "{not json", content_type="application/json"
    )

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "parse_error"


# --- Access, money format, throttling, schema -----------------------------------------------


def test_anonymous_clients_need_no_credentials_and_no_csrf_token():
    client = APIClient(enforce_csrf_checks=True)

    response = client.post(reverse("calc-minimum-months"), {"retirement_year": 2031}, format="json")

    assert response.status_code == 200


def test_calculations_answer_only_post(api):
    assert api.get(reverse("calc-minimum-months")).status_code == 405


def test_money_is_always_a_string_with_two_decimals(api):
    results = [
        ok(api, "pension-estimate", PN01),
        ok(api, "contribution", CT06),
        ok(api, "account-interest", IR04),
        ok(api, "transfer-amounts", {"months": months(2020, 3, "4800"), "account_balance": "1"}),
    ]
    money_fields = {
        "basic_pension", "account_pension", "transitional_pension", "total", "pension_base",
        "base", "pooling_part", "account_part", "interest", "closing_balance",
        "pooling_amount", "account_amount",
    }  # fmt: skip

    seen = {key: value for body in results for key, value in body.items() if key in money_fields}

    assert seen.keys() == money_fields
    assert all(isinstance(value, str) and MONEY.match(value) for value in seen.values()), seen


def test_calculations_are_throttled_per_client(api, monkeypatch):
    monkeypatch.setattr(CalculationRateThrottle, "rate", "2/min", raising=False)
    body = {"retirement_year": 2031}

    statuses = [calc(api, "minimum-months", body).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    refused = calc(api, "minimum-months", body)
    assert refused["Content-Type"] == PROBLEM
    assert refused.json()["code"] == "throttled"


def test_openapi_schema_documents_every_calculation():
    patterns = [path("api/v1/calculations/", include(CALCULATORS))]
    schema = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)

    paths = {route for route in schema["paths"] if route.startswith("/api/v1/calculations/")}
    assert len(paths) == len(CALCULATORS) == 8
    for route in paths:
        operation = schema["paths"][route]["post"]
        assert operation["description"]
        assert list(operation["requestBody"]["content"]) == ["application/json"]
        assert operation["requestBody"]["content"]["application/json"]["examples"]
        assert {"200", "400"} <= set(operation["responses"])
        assert PROBLEM in operation["responses"]["400"]["content"]
    components = schema["components"]["schemas"]
    transitional = components["PensionEstimateCalculationRequest"]["properties"]["transitional"]
    assert "deemed_months" in transitional["description"]
    assert components["ContributionResult"]["properties"]["total"]["type"] == "string"


def test_documented_examples_are_what_the_endpoints_answer(api):
    patterns = [path("api/v1/calculations/", include(CALCULATORS))]
    schema = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)

    for route, item in schema["paths"].items():
        operation = item["post"]
        requests = operation["requestBody"]["content"]["application/json"]["examples"]
        answers = operation["responses"]["200"]["content"]["application/json"]["examples"]
        for name, example in requests.items():
            response = api.post(route, example["value"], format="json")
            assert response.status_code == 200, (route, response.content)
            assert response.json() == answers[name]["value"], route

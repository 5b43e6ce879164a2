"""Hostile input is answered with an RFC 9457 problem (4xx), never a 5xx, and writes nothing.

The cases the outside review found first, then hypothesis over every endpoint of the URL
configuration with hostile strings, depths, sizes, encodings and content types.
"""

import json
from urllib.parse import quote_from_bytes

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import AccessLog
from contributions.models import ContributionRecord, Employer, Enrolment, InsuredPerson
from tests.conftest import LI, SH_UNIT

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    return body


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _ledger_counts() -> tuple:
    return (
        InsuredPerson.objects.count(),
        Employer.objects.count(),
        Enrolment.objects.count(),
        ContributionRecord.objects.count(),
    )


# --- what the review found ---------------------------------------------------------------


@pytest.mark.parametrize(
    "method,url",
    [
        ("put", f"/api/v1/persons/{LI}/"),
        ("post", "/api/v1/employers/"),
        ("post", "/api/v1/contributions/"),
        ("post", "/api/v1/calculations/retirement-date/"),
    ],
)
def test_deeply_nested_json_is_a_422(li, shanghai_system, method, url):
    body = '{"name": ' + _nested(100_000) + "}"
    response = getattr(shanghai_system, method)(url, body, content_type="application/json")
    assert _problem(response, 422)["errors"][0]["code"] == "too_deep"


def test_a_deeply_nested_batch_is_a_422(li, shanghai_system):
    response = shanghai_system.post(
        "/api/v1/contributions/batches/",
        '{"rows": ' + _nested(100_000) + "}",
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="deep",
    )
    assert _problem(response, 422)["errors"][0]["code"] == "too_deep"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/persons/",
        "/api/v1/employers/",
        "/api/v1/enrolments/",
        "/api/v1/contributions/",
        "/api/v1/risk/flags/",
    ],
)
@pytest.mark.parametrize(
    "cursor", ["cD1hYmM=", "!!!", "cj0xJnA9eA==", "cD0xMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMw=="]
)
def test_a_forged_cursor_is_a_422(li, shanghai_system, url, cursor):
    body = _problem(shanghai_system.get(url, {"cursor": cursor}), 422)
    assert body["errors"][0]["field"] == "cursor"


@pytest.mark.parametrize("value", ["20%-01", "%", "2025-0%", "２０２５-０１"])
def test_a_bad_month_filter_is_a_400(li, shanghai_system, value):
    body = _problem(shanghai_system.get("/api/v1/contributions/", {"month_from": value}), 400)
    assert body["errors"][0]["field"] == "month_from"


@pytest.mark.parametrize(
    "url", ["/api/v1/persons/%00/", "/api/v1/persons/%00/record/", "/api/v1/persons/?x=%00"]
)
def test_a_nul_byte_in_the_path_or_query_is_a_400(li, shanghai_system, url):
    assert _problem(shanghai_system.get(url), 400)["code"] == "invalid_characters"


def test_a_nul_byte_in_a_batch_row_is_a_row_error(li, shanghai_system):
    row = {
        "id_number": LI,
        "name": "李\u0000强",
        "month": "2025-01",
        "scheme": "employee",
        "employer_uscc": SH_UNIT,
        "wage_or_base": "9000.00",
    }
    response = shanghai_system.post(
        "/api/v1/contributions/batches/",
        json.dumps({"rows": [row]}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="nul",
    )
    assert _problem(response, 422)["errors"][0] == {
        "field": "rows[0].name",
        "code": "invalid_characters",
        "message": "Text may not contain NUL characters or unpaired surrogates.",
    }
    assert not ContributionRecord.objects.exists()


@pytest.mark.parametrize("name", ["\ud800", "李\udfff强", "a\u0000b"])
def test_a_lone_surrogate_or_nul_in_a_name_is_a_field_error(li, shanghai_system, name):
    body = json.dumps({"name": name, "hukou_province": "31"})  # ensure_ascii keeps \ud800
    response = shanghai_system.put(f"/api/v1/persons/{LI}/", body, content_type="application/json")
    error = _problem(response, 422)["errors"][0]
    assert (error["field"], error["code"]) == ("name", "invalid_characters")
    assert InsuredPerson.objects.get(id_number=LI).name == "李强"


def test_a_40_mb_body_is_a_413(li, shanghai_system):
    body = b'{"rows": ["' + b"x" * (40 * 1024 * 1024) + b'"]}'
    response = shanghai_system.post(
        "/api/v1/contributions/batches/",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="big",
    )
    _problem(response, 413)
    small_endpoint = shanghai_system.post(
        "/api/v1/employers/", b'{"name": "' + b"x" * (3 * 1024 * 1024) + b'"}',
        content_type="application/json",
    )  # fmt: skip
    _problem(small_endpoint, 413)


@pytest.mark.parametrize(
    "content_type,body",
    [
        ("text/plain", '{"uscc": "91310115MA1H7XXX08", "name": "x"}'),
        ("", '{"uscc": "91310115MA1H7XXX08", "name": "x"}'),
        ("application/x-www-form-urlencoded", "uscc=91310115MA1H7XXX08&name=x"),
        ("application/xml", "<employer><uscc>91310115MA1H7XXX08</uscc></employer>"),
        ("multipart/form-data; boundary=x", "--x--"),
    ],
)
def test_a_body_that_is_not_json_is_a_415(li, shanghai_system, content_type, body):
    for url in ("/api/v1/employers/", "/api/v1/contributions/batches/"):
        response = shanghai_system.generic(
            "POST", url, body, content_type=content_type, HTTP_IDEMPOTENCY_KEY="ct"
        )
        _problem(response, 415)
    assert not Employer.objects.filter(uscc="91310115MA1H7XXX08").exists()


def test_unmatched_api_paths_and_methods_answer_json(shanghai_system):
    assert _problem(shanghai_system.get("/api/v1/no-such-thing/"), 404)["code"] == "not_found"
    assert _problem(shanghai_system.get("/api/nothing"), 404)["code"] == "not_found"
    _problem(shanghai_system.delete("/api/v1/persons/"), 405)


# --- every endpoint, hypothesis ----------------------------------------------------------


def _api_routes() -> list[str]:
    """Every route under /api/ as a path with sample values in place of its parameters."""
    samples = {"id_number": LI, "pk": "1", "batch_id": "00000000-0000-0000-0000-000000000000",
               "run_id": "00000000-0000-0000-0000-000000000000", "province": "31",
               "transfer_id": "00000000-0000-0000-0000-000000000000",
               "uscc": "91310115MA1H7XXX08",
               "year": "2025"}  # fmt: skip
    routes = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith("api/"):
                for name, value in samples.items():
                    for converter in ("str", "int", "uuid"):
                        route = route.replace(f"<{converter}:{name}>", value)
                assert "<" not in route, f"no sample value for {route}"
                routes.append("/" + route)

    walk(get_resolver().url_patterns, "")
    return sorted(set(routes))


API_ROUTES = _api_routes()

hostile_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["\x00", "\ud800", "\udfff", "%", "%00", "../../", "' OR 1=1 --", "\u202e",
                     "２０２５-０１", "８０００", "NaN", "Infinity", "1e400", "-0", "0x10"]),
)  # fmt: skip
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | hostile_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(hostile_text, children, max_size=4)
    ),
    max_leaves=12,
)
bodies = st.one_of(
    json_values.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=200),
    st.integers(min_value=1, max_value=3000).map(lambda depth: _nested(depth).encode()),
    st.sampled_from([b"\xff\xfe", b'{"a": "\xed\xa0\x80"}', b"\xef\xbb\xbf{}", b""]),
)
content_types = st.sampled_from(
    ["application/json", "application/problem+json", "text/plain", "", "application/xml",
     "application/x-www-form-urlencoded", "application/json; charset=latin-1"]
)  # fmt: skip


@pytest.fixture
def hostile_client(li, caseworkers):
    from accounts.services import api_client_create

    _, key = api_client_create(province="31", name="hostile")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_IDEMPOTENCY_KEY="hostile")


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    route=st.sampled_from(API_ROUTES),
    method=st.sampled_from(["get", "post", "put", "patch", "delete"]),
    body=bodies,
    content_type=content_types,
    query=st.dictionaries(
        st.sampled_from(
            [
                "cursor",
                "month_from",
                "month_to",
                "updated_since",
                "province",
                "page_size",
                "id_number",
                "status",
            ]
        ),
        hostile_text,
        max_size=3,
    ),  # fmt: skip
)
def test_no_endpoint_answers_hostile_input_with_a_5xx(
    hostile_client, route, method, body, content_type, query
):
    before = _ledger_counts()
    query_text = "&".join(
        f"{name}={quote_from_bytes(value.encode('utf-8', 'surrogatepass'))}"
        for name, value in query.items()
    )
    url = route + ("?" + query_text if query else "")
    response = hostile_client.generic(method.upper(), url, body, content_type=content_type)
    assert response.status_code < 500, (method, url, body[:100], response.content[:300])
    if response.status_code >= 400:
        assert response["Content-Type"] == PROBLEM, (method, url, response.content[:200])
    if method != "get" and response.status_code >= 400:
        assert _ledger_counts() == before
    assert AccessLog.objects.filter(path__contains=LI).count() == 0

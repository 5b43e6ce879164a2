"""RFC 9457 problem documents: the shape of every error the API answers.

Free of DRF's views, so that middleware and parsers can use it while DRF loads.
"""

from typing import Any

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem(
    *, status: int, title: str, detail: str = "", code: str = "", errors: list | None = None
) -> dict[str, Any]:
    """An RFC 9457 problem document; `code` and `errors` are this API's extension members."""
    body: dict[str, Any] = {
        "type": f"urn:pension-portal:problem:{code}" if code else "about:blank",
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if code:
        body["code"] = code
    if errors is not None:
        body["errors"] = errors
    return body

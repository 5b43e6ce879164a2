"""The demo logins, shared by `seed_demo` and the `make run` banner (no Django imports)."""

DEMO_PASSWORD = "portal-demo-2026"  # noqa: S105  (demo only; seed_demo refuses production)

CASEWORK = ["caseworker (经办)", "risk officer (稽核)"]

# (username, description, agency division code, superuser, roles)
DEMO_USERS = [
    ("admin", "superuser, national agency", "000000", True, []),
    ("national", "caseworker, national agency", "000000", False, [*CASEWORK, "auditor (审计)"]),
    ("shanghai", "caseworker, Shanghai (31)", "310000", False, CASEWORK),
    ("shanghai2", "second caseworker, Shanghai: the checker", "310000", False, CASEWORK),
    ("shanghai-admin", "administrator, Shanghai: API keys, users", "310000", False,
     ["administrator (系统管理)"]),
    ("shanghai-city", "caseworker, Shanghai city districts", "310100", False, CASEWORK),
    ("pudong", "caseworker, Pudong New Area (county)", "310115", False, CASEWORK),
    ("weifang", "caseworker, Weifang Xincun (township)", "310115005", False, ["viewer (查询)"]),
    ("guangdong", "caseworker, Guangdong (44)", "440000", False, CASEWORK),
]  # fmt: skip


def demo_logins_text() -> str:
    lines = [f"  Demo logins (password {DEMO_PASSWORD}):"]
    lines += [f"    {username:<15} {description}" for username, description, *_ in DEMO_USERS]
    return "\n".join(lines)

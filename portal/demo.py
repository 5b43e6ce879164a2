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


# Insured persons of the demo, signed in with their ID number and DEMO_PASSWORD. Each stint:
# (province, employer credit code or None for flexible employment, first month, last month,
# months left unpaid then paid back later). The last stint is still open.
DEMO_EMPLOYERS = {
    "91440300MA5DEM0019": ("44", "深圳示范电子有限公司"),
    "91330100MA2DEM002L": ("33", "杭州示范软件有限公司"),
    "91310000MA1DEM0034": ("31", "上海示范物流有限公司"),
}
DEMO_PERSONS = [
    {
        "id_number": "410102198506120036",
        "name": "张伟",
        "hukou_province": "41",
        "mobile": "13800138000",
        "description": "three provinces, two gaps, a back-payment, a transfer in progress",
        "stints": [
            ("44", "91440300MA5DEM0019", "2012-01", "2016-06", []),
            ("33", "91330100MA2DEM002L", "2016-09", "2020-12", ["2019-03", "2019-04"]),
            ("31", "91310000MA1DEM0034", "2021-03", "2026-10", []),
        ],
        "transfer": ("33", "31", "2026-10-15"),
    },
    {
        "id_number": "110105198803150029",
        "name": "王芳",
        "hukou_province": "11",
        "mobile": "13900139000",
        "description": "flexible employment in Beijing, a gap in 2020",
        "stints": [("11", None, "2015-01", "2026-10", [])],
        "gap": ("2020-02", "2020-07"),
    },
]


def demo_persons_text() -> str:
    lines = [f"  Insured persons (at /signin/, password {DEMO_PASSWORD}):"]
    lines += [f"    {p['id_number']} {p['name']}: {p['description']}" for p in DEMO_PERSONS]
    return "\n".join(lines)

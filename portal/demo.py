"""The demo logins, shared by `seed_demo` and the `make run` banner (no Django imports)."""

DEMO_PASSWORD = "portal-demo-2026"  # noqa: S105  (demo only; seed_demo refuses production)

# (username, description, agency division code, superuser)
DEMO_USERS = [
    ("admin", "superuser, national agency", "000000", True),
    ("national", "caseworker, national agency", "000000", False),
    ("shanghai", "caseworker, Shanghai (31)", "310000", False),
    ("guangdong", "caseworker, Guangdong (44)", "440000", False),
]


def demo_logins_text() -> str:
    lines = [f"  Demo logins (password {DEMO_PASSWORD}):"]
    lines += [f"    {username:<11} {description}" for username, description, _, _ in DEMO_USERS]
    return "\n".join(lines)

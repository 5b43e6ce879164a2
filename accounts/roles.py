"""Roles (岗位): permissions per action, grouped. Each role is a Django group kept in step
with this table after every migration, so a role means the same on every installation.

A user may hold several roles; what a role allows is still limited by the user's agency
(accounts.scope). Maker-checker actions need the permission in both the maker and a second,
different checker.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

# Every view_ permission of these apps belongs to every role.
LEDGER_APPS = ("contributions", "transfers", "risk")
VIEW_ALSO = ["accounts.view_province", "accounts.view_agency", "accounts.view_changerequest"]

ROLES: dict[str, list[str]] = {
    "viewer (查询)": [],
    "caseworker (经办)": [
        "contributions.reverse_contributionrecord",
        "contributions.reinstate_suspenseitem",
        "contributions.approve_retirement",
        "transfers.take_transfer_step",
        "contributions.write_via_api",
        "contributions.decide_correctioncase",
    ],
    "risk officer (稽核)": [
        "risk.review_riskflag",
        "risk.change_riskrule",
    ],
    "auditor (审计)": [
        "accounts.view_accesslog",
        "accounts.view_auditevent",
    ],
    "administrator (系统管理)": [
        "accounts.view_apiclient",
        "accounts.add_apiclient",
        "accounts.change_apiclient",
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "auth.view_group",
    ],
}


def _permissions(names: list[str]) -> Q:
    wanted = Q(codename__startswith="view_", content_type__app_label__in=LEDGER_APPS)
    for name in [*VIEW_ALSO, *names]:
        app_label, codename = name.split(".")
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    return wanted


def roles_sync(**kwargs) -> None:
    """Make each role's group hold exactly its permissions (post_migrate)."""
    with transaction.atomic():
        for name, names in ROLES.items():
            group, _ = Group.objects.get_or_create(name=name)
            group.permissions.set(Permission.objects.filter(_permissions(names)))

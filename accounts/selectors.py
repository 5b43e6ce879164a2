"""Who may see what: every scoped read goes through these functions."""

from accounts.models import Agency, User


def provinces_in_scope(user: User) -> set[str] | None:
    """Province codes a caseworker may see; None means every province.

    Superusers and caseworkers of the national agency see the whole nation; a caseworker of
    a provincial or lower agency sees that province; anyone else sees nothing.
    """
    if user.is_superuser:
        return None
    agency = user.agency
    if agency is None:
        return set()
    if agency.level == Agency.Level.NATIONAL:
        return None
    return {agency.province_id}

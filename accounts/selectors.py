"""Who may see what: every scoped read goes through these functions."""

from accounts.authentication import ProvincialSystem
from accounts.models import Agency, User


def provinces_in_scope(user: User | ProvincialSystem) -> set[str] | None:
    """Province codes a caseworker or a provincial system may see; None means all.

    A provincial system sees its province. Superusers and caseworkers of the national agency
    see the whole nation; a caseworker of a provincial or lower agency sees that province;
    anyone else (an insured person, for one) sees no province.
    """
    if isinstance(user, ProvincialSystem):
        return {user.province_id}
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return None
    agency = user.agency
    if agency is None:
        return set()
    if agency.level == Agency.Level.NATIONAL:
        return None
    return {agency.province_id}

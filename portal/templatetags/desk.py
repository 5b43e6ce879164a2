"""{% desk_summary as desk %}: the caseworker's desk for the admin's front page."""

from django import template
from django.utils import timezone

from portal.desk import Desk, desk_summary

register = template.Library()


@register.simple_tag(takes_context=True)
def desk_for_request(context) -> Desk | None:
    """The desk of the signed-in caseworker; None for anyone else."""
    user = context["request"].user
    if not (user.is_authenticated and user.is_staff):
        return None
    return desk_summary(user, today=timezone.localdate())

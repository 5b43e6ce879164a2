"""How a signed-in user is loaded on each request."""

from django.contrib.auth.backends import ModelBackend

from accounts.models import User


class UserBackend(ModelBackend):
    """Django's model backend, loading the signed-in user together with their agency or,
    for an insured person, the person: one query on every request for who is asking."""

    def get_user(self, user_id: int) -> User | None:
        try:
            user = User.objects.select_related("agency", "insured_person").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

"""First sign-in of an insured person (账户激活): who they are is proven before they get a
password.

`SmsActivation` proves it with the ID number, the name and a one-time code sent to the
mobile number the province registered. The national real-name sign-in (国家社会保险公共服务
平台实名认证) would stand at the same seam: a class with the same two steps, named in
`PERSON_IDENTITY`.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts.models import ActivationCode, User
from accounts.services import audit_record
from accounts.sms import masked_mobile, sms_gateway
from contributions.models import InsuredPerson
from contributions.services import find_person

CODE_MINUTES = 10
CODE_ATTEMPTS = 5
CODE_INTERVAL = timedelta(seconds=60)
CODES_PER_DAY = 5
# One answer whatever failed, so the form tells no one which numbers are registered.
NO_MATCH = (
    "The ID number and name do not match a registered person with a mobile number. "
    "Ask your social insurance office to register your mobile number."
)


class ActivationError(Exception):
    """A step refused, naming the form field it concerns."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def _code_hash(person_id: int, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{person_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _person(id_number: str) -> InsuredPerson | None:
    person = find_person(id_number)
    return None if person is None or person.merged_into_id else person


class SmsActivation:
    """Activation with a one-time code by text message."""

    def start(self, *, id_number: str, name: str) -> str:
        """Send a code to the person's registered mobile; return the number, masked."""
        person = _person(id_number)
        if person is None or person.name != name.strip() or not person.mobile:
            raise ActivationError("id_number", NO_MATCH)
        now = timezone.now()
        recent = ActivationCode.objects.filter(
            person=person, created_at__gte=now - timedelta(days=1)
        ).order_by("-created_at")
        if recent.count() >= CODES_PER_DAY:
            raise ActivationError("id_number", "Too many codes today; try again tomorrow.")
        latest = recent.first()
        if latest is not None and now - latest.created_at < CODE_INTERVAL:
            raise ActivationError("id_number", "A code was just sent; wait a minute.")
        code = f"{secrets.randbelow(10**6):06d}"
        ActivationCode.objects.create(
            person=person,
            code_hash=_code_hash(person.pk, code),
            expires_at=now + timedelta(minutes=CODE_MINUTES),
        )
        sms_gateway().send(
            person.mobile,
            f"【全国统筹养老保险】激活验证码 {code}，{CODE_MINUTES}分钟内有效。"
            f" Activation code {code}, valid {CODE_MINUTES} minutes.",
        )
        return masked_mobile(person.mobile)

    def finish(self, *, id_number: str, code: str, password: str) -> User:
        """Check the code and set the password; returns the person's user."""
        person = _person(id_number)
        pending = (
            ActivationCode.objects.filter(
                person=person,
                used_at__isnull=True,
                expires_at__gt=timezone.now(),
                failed_attempts__lt=CODE_ATTEMPTS,
            )
            .order_by("-created_at")
            .first()
            if person is not None
            else None
        )
        if pending is None or person is None:
            raise ActivationError("code", "No valid code: ask for a new one.")
        if not hmac.compare_digest(pending.code_hash, _code_hash(person.pk, code.strip())):
            pending.failed_attempts += 1
            pending.save(update_fields=["failed_attempts"])
            raise ActivationError("code", "This code is not the one we sent.")
        user = getattr(person, "user", None) or User(username=person.id_number, is_staff=False)
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            raise ActivationError("password", " ".join(error.messages)) from None
        with transaction.atomic():
            pending.used_at = timezone.now()
            pending.save(update_fields=["used_at"])
            user.set_password(password)
            user.insured_person = person
            user.save()
            audit_record(actor=user, action="person_activated", subject=f"person:{person.pk}")
        return user


def person_identity() -> SmsActivation:
    """The configured way of proving an insured person's identity."""
    identity: SmsActivation = import_string(settings.PERSON_IDENTITY)()
    return identity

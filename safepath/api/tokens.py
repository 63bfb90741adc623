"""Creating, checking and revoking API tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safepath.accounts.models import User
from safepath.api.models import ApiToken, Scope

TOKEN_PREFIX = "sp_"  # noqa: S105  # a visible marker, not a secret
LAST_USED_GRANULARITY = timedelta(minutes=5)  # do not write on every request


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str, scopes: list[str]) -> tuple[ApiToken, str]:
    """Create a token; the full value is returned once and never stored."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationError(_("Give the token a short name (at most 100 characters)."))
    if not scopes or any(scope not in Scope.values for scope in scopes):
        raise ValidationError(_("Choose at least one permission from the list."))
    prefix = secrets.token_hex(4)
    token = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    record = ApiToken.objects.create(
        user=user, name=name, prefix=prefix, key_hash=_digest(token), scopes=sorted(set(scopes))
    )
    return record, token


def api_token_check(raw: str) -> ApiToken | None:
    """The live token this value stands for, or None. Constant-time comparison."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 120:
        return None
    prefix = raw[len(TOKEN_PREFIX) :].split("_", 1)[0]
    record = (
        ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True)
        .select_related("user")
        .first()
    )
    if record is None or not hmac.compare_digest(record.key_hash, _digest(raw)):
        return None
    if not record.user.is_active:
        return None
    now = timezone.now()
    if record.last_used_at is None or now - record.last_used_at > LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=record.pk).update(last_used_at=now)
    return record


def api_token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())

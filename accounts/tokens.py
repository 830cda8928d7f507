"""Personal API tokens: made, looked up and revoked here and nowhere else.

A key reads ``tdm_<40 url-safe characters>``; the database keeps its SHA-256 digest, so a
leaked database does not leak working keys. The key is long and random, so a plain
digest (not a slow password hash) is enough, and lets a request find its token in one
indexed query.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import ApiToken, User

KEY_PREFIX = "tdm_"
# A token's last use is written at most this often, so a busy script costs no write per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Make a token for ``user``. Returns the token and its full key, which is never
    stored and so can be shown only now."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Name the token after what will use it."})
    key = KEY_PREFIX + secrets.token_urlsafe(30)
    token = ApiToken(user=user, name=name, prefix=key[len(KEY_PREFIX):][: ApiToken.PREFIX_LENGTH], digest=_digest(key))
    token._history_user = user
    token.full_clean()
    token.save()
    return token, key


@transaction.atomic
def token_revoke(*, token: ApiToken, by: User) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token._history_user = by
        token.save(update_fields=["revoked_at"])
    return token


def token_user(key: str) -> tuple[User, ApiToken] | None:
    """The active user behind a key that is neither revoked nor unknown, or None."""
    if not key or not key.startswith(KEY_PREFIX):
        return None
    token = ApiToken.objects.usable().select_related("user").filter(digest=_digest(key)).first()
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)  # no history record per use
        token.last_used_at = now
    return token.user, token


def tokens_of(user: User):
    """The one way in to tokens: a person only ever sees their own."""
    return ApiToken.objects.filter(user=user)

"""Bearer tokens with roles: made on the CLI or by admins, kept only as a sha256."""

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from service.domain.db import db
from service.domain.models import ROLES, ApiToken, utcnow

# Letters, digits and . _ @ -: a name is shown in logs and revisions, and must not forge either.
TOKEN_NAME_PATTERN = r"^[A-Za-z0-9._@-]{1,120}$"
# What each role may do, by the least role a route needs: each may do all the ones before it may.
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}


class TokenError(Exception):
    """A token that cannot be made or revoked as asked."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    name: str, role: str, *, person: str | None = None, expires_in_days: int | None = None
) -> tuple[ApiToken, str]:
    """Make a token for a person (the token's name when not given); the secret is returned once
    and only its hash is kept."""
    if role not in ROLE_RANK:
        raise TokenError(f"The role must be one of {', '.join(ROLE_RANK)}.")
    if re.fullmatch(TOKEN_NAME_PATTERN, name) is None:
        raise TokenError("A token's name is 1 to 120 letters, digits and . _ @ -")
    if person is not None and re.fullmatch(TOKEN_NAME_PATTERN, person) is None:
        raise TokenError("A person's name is 1 to 120 letters, digits and . _ @ -")
    if db.session.scalar(sa.select(ApiToken.id).filter_by(name=name)) is not None:
        raise TokenError(f"A token named {name!r} already exists.")
    secret = secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    token = ApiToken(
        name=name, role=role, person=person or name, token_hash=hash_token(secret), expires_at=expires_at
    )
    db.session.add(token)
    db.session.commit()
    return token, secret


def revoke_token(name: str) -> ApiToken:
    token = db.session.scalar(sa.select(ApiToken).filter_by(name=name))
    if token is None:
        raise TokenError(f"No token is named {name!r}.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
    return token


def list_tokens() -> list[ApiToken]:
    return list(db.session.scalars(sa.select(ApiToken).order_by(ApiToken.name)))


def find_active_token(secret: str) -> ApiToken | None:
    """The token whose secret this is, if it is neither revoked nor expired."""
    digest = hash_token(secret)
    token = db.session.scalar(sa.select(ApiToken).filter_by(token_hash=digest))
    # The lookup is by hash, so timing says nothing about the secret; compare in constant time anyway.
    if token is None or not hmac.compare_digest(token.token_hash, digest) or not is_active(token):
        return None
    return token


def is_active(token: ApiToken, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return token.revoked_at is None and (token.expires_at is None or token.expires_at > now)

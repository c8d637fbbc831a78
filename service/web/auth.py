"""Bearer tokens with roles: made on the CLI or by admins, kept only as a sha256, checked per request."""

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta
from functools import wraps

import sqlalchemy as sa
from flask import Flask, g, request
from flask_smorest import abort

from service.domain.db import db
from service.domain.models import ApiToken, utcnow
from service.web.openapi import documented
from service.web.paths import HEALTH_PATHS
from service.web.request_log import TOKEN_NAME_ENVIRON_KEY

# Letters, digits and . _ @ -: a name is shown in logs and revisions, and must not forge either.
TOKEN_NAME_PATTERN = r"^[A-Za-z0-9._@-]{1,120}$"
# What each role may do, by the least role a route needs.
ROLE_RANK = {"editor": 1, "admin": 2}
WWW_AUTHENTICATE = {"WWW-Authenticate": 'Bearer realm="immunotherapy-content"'}


class TokenError(Exception):
    """A token that cannot be made or revoked as asked."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(name: str, role: str, *, expires_in_days: int | None = None) -> tuple[ApiToken, str]:
    """Make a token; the secret is returned once and only its hash is kept."""
    if role not in ROLE_RANK:
        raise TokenError(f"The role must be one of {', '.join(ROLE_RANK)}.")
    if re.fullmatch(TOKEN_NAME_PATTERN, name) is None:
        raise TokenError("A token's name is 1 to 120 letters, digits and . _ @ -")
    if db.session.scalar(sa.select(ApiToken.id).filter_by(name=name)) is not None:
        raise TokenError(f"A token named {name!r} already exists.")
    secret = secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    token = ApiToken(name=name, role=role, token_hash=hash_token(secret), expires_at=expires_at)
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


def is_active(token: ApiToken, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return token.revoked_at is None and (token.expires_at is None or token.expires_at > now)


def current_token() -> ApiToken | None:
    """The request's valid token, None without an Authorization header; 401 for a bad one."""
    if "token" not in g:
        g.token = _authenticate()
    return g.token


def bearer_secret(header: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` header; None when the header is not one."""
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def _authenticate() -> ApiToken | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    secret = bearer_secret(header)
    if secret is None:
        abort(401, message="Send a token as `Authorization: Bearer <token>`.", headers=WWW_AUTHENTICATE)
    digest = hash_token(secret)
    token = db.session.scalar(sa.select(ApiToken).filter_by(token_hash=digest))
    # The lookup is by hash, so timing says nothing about the secret; compare in constant time anyway.
    if token is None or not hmac.compare_digest(token.token_hash, digest) or not is_active(token):
        abort(401, message="The token is unknown, revoked or expired.", headers=WWW_AUTHENTICATE)
    request.environ[TOKEN_NAME_ENVIRON_KEY] = token.name
    return token


def check_tokens(app: Flask) -> None:
    """A token sent is checked whatever the path, routed or not: a bad one is a 401 everywhere (and
    counts as a refused token), never a way around the anonymous budget or into the logs."""

    @app.before_request
    def check_token():
        if "Authorization" in request.headers and request.path not in HEALTH_PATHS:
            current_token()


def require_role(role: str):
    """Route decorator: 401 without a valid token, 403 when the token's role is short."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            token = current_token()
            if token is None:
                abort(401, message="This needs a token.", headers=WWW_AUTHENTICATE)
            if ROLE_RANK[token.role] < ROLE_RANK[role]:
                abort(403, message=f"This needs the {role} role; the token is an {token.role}'s.")
            return view(*args, **kwargs)

        wrapper._required_role = role
        return documented(401, 403, secured=True)(wrapper)

    return decorator

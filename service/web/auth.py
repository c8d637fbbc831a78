"""Bearer tokens, checked on every request that sends one; roles required by routes."""

from functools import wraps

from flask import Flask, g, request
from flask_smorest import abort

from service.domain.models import ApiToken
from service.domain.tokens import ROLE_RANK, find_active_token
from service.web.openapi import documented
from service.web.paths import HEALTH_PATHS
from service.web.request_log import TOKEN_NAME_ENVIRON_KEY

WWW_AUTHENTICATE = {"WWW-Authenticate": 'Bearer realm="immunotherapy-content"'}


def sends_token(environ: dict) -> bool:
    """Whether a request carries a token (any Authorization header): then it is checked, counted
    per token, answered privately and never cached."""
    return "HTTP_AUTHORIZATION" in environ


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
    token = find_active_token(secret)
    if token is None:
        abort(401, message="The token is unknown, revoked or expired.", headers=WWW_AUTHENTICATE)
    request.environ[TOKEN_NAME_ENVIRON_KEY] = token.name
    return token


def check_tokens(app: Flask) -> None:
    """A token sent is checked whatever the path, routed or not: a bad one is a 401 everywhere (and
    counts as a refused token), never a way around the anonymous budget or into the logs."""

    @app.before_request
    def check_token():
        if sends_token(request.environ) and request.path not in HEALTH_PATHS:
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

        return documented(401, 403, secured=True)(wrapper)

    return decorator

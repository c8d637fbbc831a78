"""Tokens over the API: admins make, list and revoke them; anyone with a token may ask who it is."""

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import fields, validate

from service.domain.models import ROLES
from service.domain.tokens import (
    TOKEN_NAME_PATTERN,
    TokenError,
    create_token,
    is_active,
    list_tokens,
    revoke_token,
)
from service.web.auth import current_token, require_role
from service.web.blueprint import Blueprint
from service.web.openapi import documented, operation
from service.web.paths import API_PREFIX
from service.web.response_schema import OpenEnum, ResponseSchema
from service.web.schemas import EXAMPLE_TIME, FullMatch

ROLES_DESCRIPTION = (
    "viewer (reads previews), editor (drafts, submits, archives), reviewer (also approves) or admin "
    "(also manages tokens)."
)

blp = Blueprint("tokens", __name__, url_prefix=API_PREFIX, description="Bearer tokens and who holds them.")


def role_field(description: str = ROLES_DESCRIPTION) -> OpenEnum:
    return OpenEnum(
        "Role", ROLES, metadata={"description": f"{description} An open list.", "example": "editor"}
    )


class TokenSchema(ResponseSchema):
    name = fields.String(
        metadata={
            "description": "The token's name; revisions name it as their author.",
            "example": "editor-ann",
        }
    )
    person = fields.String(metadata={"description": "The person who holds it.", "example": "ann"})
    role = role_field()
    created_at = fields.DateTime(metadata={"description": "When it was made.", "example": EXAMPLE_TIME})
    expires_at = fields.DateTime(
        allow_none=True, metadata={"description": "When it stops working; null for never.", "example": None}
    )
    revoked_at = fields.DateTime(
        allow_none=True, metadata={"description": "When it was revoked; null if not.", "example": None}
    )
    active = fields.Function(
        is_active,
        metadata={"description": "Whether it is accepted now.", "type": "boolean", "example": True},
    )


class NewTokenSchema(TokenSchema):
    token = fields.String(
        metadata={
            "description": "The secret, shown this once: only its hash is kept.",
            "example": "r2LtbTg6kA4mXo0QkP8W2yJv3nU5cHfE1sZ9dGq7aBw",
        }
    )


class TokenCreateSchema(ma.Schema):
    name = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=120), FullMatch(TOKEN_NAME_PATTERN)],
        metadata={"description": "Letters, digits and . _ @ -", "example": "editor-ann"},
    )
    role = fields.String(
        required=True,
        validate=validate.OneOf(ROLES),
        metadata={"description": ROLES_DESCRIPTION, "example": "editor"},
    )
    person = fields.String(
        validate=[validate.Length(min=1, max=120), FullMatch(TOKEN_NAME_PATTERN)],
        metadata={"description": "The person who holds it; the token's name if left out.", "example": "ann"},
    )
    expires_in_days = fields.Integer(
        strict=True,
        validate=validate.Range(min=1, max=3650),
        metadata={"description": "Days until it expires; never if left out.", "example": 90},
    )


class WhoAmISchema(ResponseSchema):
    name = fields.String(metadata={"description": "The token's name.", "example": "editor-ann"})
    person = fields.String(metadata={"description": "The person who holds it.", "example": "ann"})
    role = role_field()
    expires_at = fields.DateTime(
        allow_none=True, metadata={"description": "When it stops working; null for never.", "example": None}
    )


@blp.route("/tokens")
class Tokens(MethodView):
    @operation("listTokens")
    @require_role("admin")
    @blp.response(200, TokenSchema(many=True))
    def get(self):
        """List tokens

        Every token with its role and state; never the secret.
        """
        return list_tokens()

    @operation("createToken")
    @require_role("admin")
    @documented(400, 409, 413, 415, 503)
    @blp.arguments(TokenCreateSchema)
    @blp.response(201, NewTokenSchema)
    def post(self, data):
        """Create a token

        The answer holds the secret, this once; only a sha256 of it is stored.
        """
        try:
            token, secret = create_token(
                data["name"],
                data["role"],
                person=data.get("person"),
                expires_in_days=data.get("expires_in_days"),
            )
        except TokenError as error:
            abort(409, message=str(error))
        token.token = secret  # shown once, in this answer; never stored
        return token


@blp.route("/tokens/<name>")
class TokenItem(MethodView):
    @operation("revokeToken")
    @require_role("admin")
    @documented(404, 503)
    @blp.response(200, TokenSchema)
    def delete(self, name):
        """Revoke a token

        It is refused from now on; the record stays, so revisions still name their author.
        """
        try:
            return revoke_token(name)
        except TokenError as error:
            abort(404, message=str(error))


@blp.route("/auth/whoami")
class WhoAmI(MethodView):
    @operation("whoAmI")
    @require_role("editor")
    @blp.response(200, WhoAmISchema)
    def get(self):
        """Who am I

        The name and role of the token sent.
        """
        return current_token()

"""API authentication by personal token: ``Authorization: Token tdm_…`` (or ``Bearer``)."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts.tokens import token_user

KEYWORDS = ("token", "bearer")


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """A request with a token acts as the token's user, with that user's rights now.
    Requests without an ``Authorization`` header fall through to the session (with CSRF)."""

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].decode(errors="replace").lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Send the header as “Authorization: Token <key>”.")
        found = token_user(parts[1].decode(errors="replace"))
        if found is None:
            raise exceptions.AuthenticationFailed("This token is unknown or has been revoked.")
        return found

    def authenticate_header(self, request) -> str:
        return 'Token realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey", "in": "header", "name": "Authorization",
            "description": "A personal API token made on your profile page, sent as `Token tdm_…`.",
        }

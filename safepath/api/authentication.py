"""DRF authentication and permissions: session (dashboard) or a scoped bearer token."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request

from safepath.accounts.mfa import needs_second_factor
from safepath.api.models import ApiToken
from safepath.api.tokens import api_token_check


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode(errors="replace")
        if not header:
            return None
        parts = header.split()
        if len(parts) != 2 or parts[0] != self.keyword:
            raise exceptions.AuthenticationFailed(
                _("Send the token as: Authorization: Bearer <token>.")
            )
        token = api_token_check(parts[1])
        if token is None:
            raise exceptions.AuthenticationFailed(_("This token is not valid or was revoked."))
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """The dashboard's session, only once its second factor is passed (CSRF as usual)."""

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        verified = getattr(request._request.user, "is_verified", lambda: False)()
        if needs_second_factor(user) and not verified:
            raise exceptions.NotAuthenticated(_("Pass the second sign-in step first."))
        return result


class HasScope(permissions.BasePermission):
    """A token must carry the view's scope for the method; a session may do what its roles allow."""

    message = _("This token does not have the permission this needs.")

    def has_permission(self, request: Request, view: Any) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        if not isinstance(request.auth, ApiToken):
            return True
        scopes: dict[str, str] = getattr(view, "required_scopes", {})
        method = "GET" if request.method in {"HEAD", "OPTIONS"} else (request.method or "GET")
        needed = scopes.get(method) or scopes.get("*")
        # A method the view names no scope for is closed to tokens, not open.
        return needed is not None and request.auth.has_scope(needed)


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "safepath.api.authentication.TokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "A SafePath API token (sp_…)."}


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "safepath.api.authentication.VerifiedSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}

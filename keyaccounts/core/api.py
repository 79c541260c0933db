"""TMF error bodies for every API answer that is not a success: {code, reason, message, status, @type}."""

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .exceptions import ApplicationError
from .models import ApiChannel, token_digest

_CODES = {400: "21", 401: "41", 403: "50", 404: "60", 405: "61", 409: "62", 422: "63", 429: "64", 503: "65"}


def tmf_error_body(http_status: int, reason: str, message: str = "") -> dict:
    return {
        "code": _CODES.get(http_status, str(http_status)),
        "reason": reason,
        "message": message,
        "status": str(http_status),
        "@type": "Error",
    }


def tmf_error(http_status: int, reason: str, message: str = "") -> Response:
    return Response(tmf_error_body(http_status, reason, message), status=http_status)


def _flatten(detail, prefix: str = "") -> list[str]:
    if isinstance(detail, dict):
        return [
            m
            for key, value in detail.items()
            for m in _flatten(value, f"{prefix}{key}." if key != "non_field_errors" else prefix)
        ]
    if isinstance(detail, list):
        return [m for item in detail for m in _flatten(item, prefix)]
    return [f"{prefix.rstrip('.')}: {detail}" if prefix else str(detail)]


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        field = f"{exc.field}: " if exc.field else ""
        return tmf_error(status.HTTP_422_UNPROCESSABLE_ENTITY, "Business rule", f"{field}{exc.message}")
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        return tmf_error(400, "Invalid body", "; ".join(_flatten(exc.detail)))
    reason = {401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed"}.get(
        response.status_code, "Error"
    )
    detail = exc.detail if isinstance(exc, exceptions.APIException) else ""
    tmf = tmf_error(response.status_code, reason, str(detail))
    for header in ("WWW-Authenticate", "Retry-After"):
        if header in response:
            tmf[header] = response[header]
    return tmf


class ChannelTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <token>`: the token an administrator issued to a channel of the view's `channel_model`.

    One class for every channel API, so the OpenAPI schema has one security scheme; each view names its channels.
    """

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="replace").split()
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("malformed Authorization header")
        channel_model: type[ApiChannel] = request.parser_context["view"].channel_model
        channel = channel_model.objects.filter(token_digest=token_digest(header[1]), is_active=True).first()
        if channel is None:
            raise exceptions.AuthenticationFailed("unknown or revoked channel token")
        return AnonymousUser(), channel

    def authenticate_header(self, request):
        return self.keyword


class ChannelTokenScheme(OpenApiAuthenticationExtension):
    """The channel token in the OpenAPI schema, so a channel's developers see how to authenticate."""

    target_class = ChannelTokenAuthentication
    name = "channelToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": _("The token an administrator issued to the channel."),
        }


class IsChannel(permissions.BasePermission):
    """Called by a channel that its view's authentication recognised."""

    def has_permission(self, request, view):
        return isinstance(request.auth, ApiChannel)

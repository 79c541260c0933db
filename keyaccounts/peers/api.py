"""Our TMF listener: EOMS and SI post their events here, signed with their shared secret.

A plain Django view rather than a DRF one: the peers post hundreds of events a second and DRF's request,
parsing, negotiation and rendering layers were about a sixth of each request's cost. Its OpenAPI description
is added to the schema by `listener_schema` (drf-spectacular only finds DRF views).
"""

import json

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from keyaccounts.core.api import tmf_error_body
from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.signing import SIGNATURE_HEADER, signature_valid

from . import registry
from .inbound import event_receive
from .models import PEERS, Peer


def _error(http_status: int, reason: str, message: str) -> JsonResponse:
    return JsonResponse(tmf_error_body(http_status, reason, message), status=http_status)


@csrf_exempt  # the peers authenticate by signature, not by session
def listener(request, peer: str):
    """`POST /api/v1/listener/{eoms|si}`: 201 stored, 200 already received, 401 unsigned or forged."""
    if peer not in PEERS:
        return _error(404, "Not found", f"no listener for {peer}")
    if request.method != "POST":
        response = _error(405, "Method not allowed", f"{request.method} is not allowed")
        response["Allow"] = "POST"
        return response
    raw = request.body
    if not signature_valid(settings.PEER_CALLBACK_SECRETS.get(peer, ""), raw, request.headers.get(SIGNATURE_HEADER)):
        return _error(401, "Unauthorized", f"missing or wrong {SIGNATURE_HEADER}")
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return _error(400, "Invalid body", "a JSON object is required")
    try:
        event, created = event_receive(peer=peer, body=body)
    except ApplicationError as error:
        return _error(400, "Invalid body", error.message)
    return JsonResponse(
        {"eventId": event.event_id, "received": True, "duplicate": not created}, status=201 if created else 200
    )


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


ERROR_SCHEMA = {
    "type": "object",
    "properties": {name: {"type": "string"} for name in ("code", "reason", "message", "status", "@type")},
}


def listener_schema(result, generator, request, public):
    """drf-spectacular postprocessing hook: the listener's OpenAPI description (a plain view is not found)."""
    event = {
        "type": "object",
        "required": ["eventId", "eventType", "eventTime", "event"],
        "properties": {
            "eventId": {"type": "string", "description": "the peer's id; the same id again is not stored twice"},
            "eventType": {"type": "string", "enum": registry.event_types()},
            "eventTime": {"type": "string", "format": "date-time"},
            "event": {
                "type": "object",
                "properties": {
                    resource: {
                        "type": "object",
                        "required": ["externalId"],
                        "properties": {"externalId": {"type": "string"}, "state": {"type": "string"}},
                        "additionalProperties": True,
                    }
                    for resource in registry.resources()
                },
            },
        },
    }
    answer = {
        "type": "object",
        "properties": {
            "eventId": {"type": "string"},
            "received": {"type": "boolean"},
            "duplicate": {"type": "boolean"},
        },
    }
    result.setdefault("paths", {})["/api/v1/listener/{peer}"] = {
        "post": {
            "operationId": "v1_listener_create",
            "description": listener.__doc__,
            "tags": ["v1"],
            "security": [{}],
            "parameters": [
                {
                    "in": "path",
                    "name": "peer",
                    "required": True,
                    "schema": {"type": "string", "enum": list(Peer.values)},
                },
                {
                    "in": "header",
                    "name": SIGNATURE_HEADER,
                    "required": True,
                    "description": "sha256=HMAC-SHA256(the peer's shared secret, raw body), hex",
                    "schema": {"type": "string"},
                },
            ],
            "requestBody": {"required": True, **_json(event)},
            "responses": {
                "201": {"description": "stored", **_json(answer)},
                "200": {"description": "already received (same eventId)", **_json(answer)},
                "400": {"description": "not an event of a known type", **_json(ERROR_SCHEMA)},
                "401": {"description": "unsigned or forged", **_json(ERROR_SCHEMA)},
                "404": {"description": "no such peer", **_json(ERROR_SCHEMA)},
            },
        }
    }
    return result

"""TMF Hub endpoints of the stub peers (`POST /hub` registers a listener, `DELETE /hub/{id}` removes it)."""

import json

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from .models import HubSubscription, Peer, Resource
from .scripts import ON_CREATE, VIEWS


def tmf_error(status: int, code: str, reason: str, message: str = "") -> JsonResponse:
    return JsonResponse(
        {"code": code, "reason": reason, "message": message, "status": str(status), "@type": "Error"},
        status=status,
    )


def _hub_json(sub: HubSubscription) -> dict:
    return {"id": str(sub.pk), "callback": sub.callback, "query": sub.query}


@require_GET
def healthz(request):
    return JsonResponse({"status": "ok", "peers": list(Peer.values)})


@csrf_exempt
@require_http_methods(["POST", "GET"])
def hub(request, peer: str):
    if peer not in Peer.values:
        return tmf_error(404, "60", "Not found", f"unknown peer {peer}")
    if request.method == "GET":
        return JsonResponse([_hub_json(s) for s in HubSubscription.objects.filter(peer=peer)], safe=False)
    try:
        body = json.loads(request.body or b"{}")
        callback = body["callback"]
        URLValidator(schemes=["http", "https"])(callback)
    except (ValueError, KeyError, TypeError, ValidationError):
        return tmf_error(400, "21", "Invalid body", "a JSON body with a valid http(s) `callback` is required")
    sub = HubSubscription.objects.create(peer=peer, callback=callback, query=str(body.get("query") or ""))
    return JsonResponse(_hub_json(sub), status=201)


@csrf_exempt
@require_http_methods(["DELETE"])
def hub_delete(request, peer: str, pk: int):
    deleted, _ = HubSubscription.objects.filter(peer=peer, pk=pk).delete()
    if not deleted:
        return tmf_error(404, "60", "Not found", f"no listener {pk}")
    return HttpResponse(status=204)


@csrf_exempt
@require_http_methods(["POST"])
def resource_create(request, peer: str, kind: str):
    """Create a resource; the same `externalId` again answers with the one already created (200)."""
    if peer not in Peer.values or kind not in VIEWS:
        return tmf_error(404, "60", "Not found", f"{peer} offers no {kind}")
    try:
        body = json.loads(request.body or b"{}")
        external_id = str(body["externalId"]).strip()
    except (ValueError, KeyError, TypeError):
        return tmf_error(400, "21", "Invalid body", "a JSON body with an `externalId` is required")
    if not external_id:
        return tmf_error(400, "21", "Invalid body", "`externalId` is empty")
    resource, created = Resource.objects.get_or_create(
        peer=peer, kind=kind, external_id=external_id, defaults={"body": body}
    )
    if created and kind in ON_CREATE:
        ON_CREATE[kind](resource)
    return JsonResponse(VIEWS[kind](resource), status=201 if created else 200)


@require_GET
def resource_detail(request, peer: str, kind: str, pk: int):
    resource = Resource.objects.filter(peer=peer, kind=kind, pk=pk).first()
    if resource is None or kind not in VIEWS:
        return tmf_error(404, "60", "Not found", f"no {kind} {pk}")
    return JsonResponse(VIEWS[kind](resource))

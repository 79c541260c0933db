"""The stub peers' HTTP: TMF `/hub` listeners, resources (`POST` idempotent by `externalId`, `GET` is the
truth) and run-time fault injection (`POST /{peer}/faults`)."""

import json
import random
import time

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Sum
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from . import dispatcher
from .models import Faults, HubSubscription, Peer, Resource
from .scripts import (
    CHANGES,
    INVALID,
    ON_CREATE,
    VIEWS,
    measurements_of,
    message_deliveries,
    message_view,
    offered,
    service_order_view,
)


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
    dispatcher.ensure_started()
    return JsonResponse(_hub_json(sub), status=201)


@csrf_exempt
@require_http_methods(["DELETE"])
def hub_delete(request, peer: str, pk: int):
    deleted, _ = HubSubscription.objects.filter(peer=peer, pk=pk).delete()
    if not deleted:
        return tmf_error(404, "60", "Not found", f"no listener {pk}")
    return HttpResponse(status=204)


# The faults as last read, per peer: every request asks, and a settings row read per request is most of a
# fast stub's time. Setting them here drops this process's copy; another process sees them within a second.
_faults_read: dict[str, tuple[float, Faults | None]] = {}
FAULTS_FRESH_SECONDS = 1.0


def _faults_of(peer: str) -> Faults | None:
    read_at, faults = _faults_read.get(peer, (0.0, None))
    if time.monotonic() - read_at > FAULTS_FRESH_SECONDS:
        faults = Faults.objects.filter(peer=peer).first()
        _faults_read[peer] = (time.monotonic(), faults)
    return faults


def _injected_fault(peer: str) -> JsonResponse | None:
    """Latency, and a 503 at the configured rate, as a struggling peer would answer."""
    faults = _faults_of(peer)
    if faults is None:
        return None
    if faults.latency_ms:
        time.sleep(faults.latency_ms / 1000)
    if random.random() < faults.error_rate:  # noqa: S311 — fault injection, not secrecy
        Faults.objects.filter(peer=peer).update(errors_injected=F("errors_injected") + 1)
        return tmf_error(503, "65", "Service unavailable", "injected fault")
    return None


@require_GET
def stats(request, peer: str):
    """What the peer holds: resources per kind (one per externalId), the creation requests repeated for one it
    had already, its events sent and waiting, and what the injected faults did (503s answered, events lost and
    sent twice; the gateway's deliveries per receiver). `?ids=serviceOrder`: also the externalIds of that kind, so a client can match them to its own."""
    from .models import Event

    resources = Resource.objects.filter(peer=peer)
    kinds = dict(resources.values_list("kind").annotate(n=Count("pk")))
    events = Event.objects.filter(resource__peer=peer)
    faults = Faults.objects.filter(peer=peer).first()
    answer = {
        "resources": kinds,
        "requests_repeated": (resources.aggregate(n=Sum("requests"))["n"] or 0) - sum(kinds.values()),
        "events_sent": events.exclude(sent_at=None).filter(lost=False).count(),
        "events_waiting": events.filter(sent_at=None).count(),
        "events_lost": events.filter(lost=True).count(),
        "events_duplicated": events.filter(duplicated=True).count(),
        "errors_injected": faults.errors_injected if faults else 0,
    }
    if peer == Peer.GATEWAY:  # messages delivered per receiver: a count above 1 is a message sent twice
        answer["deliveries"] = message_deliveries(resources.filter(kind="communicationMessage"))
    if kind := request.GET.get("ids"):
        answer["external_ids"] = list(resources.filter(kind=kind).order_by("pk").values_list("external_id", flat=True))
    return JsonResponse(answer)


FAULT_FIELDS = {"latency_ms": int, "error_rate": float, "duplicate_rate": float, "lose_rate": float, "reorder": bool}


@csrf_exempt
@require_http_methods(["POST", "GET"])
def faults(request, peer: str):
    """Set (POST, any subset of the fields; the others reset to none) or read the peer's faults."""
    if peer not in Peer.values:
        return tmf_error(404, "60", "Not found", f"unknown peer {peer}")
    current, _created = Faults.objects.get_or_create(peer=peer)
    if request.method == "POST":
        try:
            body = json.loads(request.body or b"{}")
            values = {name: cast(body.get(name, cast())) for name, cast in FAULT_FIELDS.items()}
        except (ValueError, TypeError):
            return tmf_error(400, "21", "Invalid body", f"fields: {', '.join(FAULT_FIELDS)}")
        for name, value in values.items():
            setattr(current, name, value)
        current.save(update_fields=list(FAULT_FIELDS))  # the 503s counted meanwhile stay counted
        _faults_read.pop(peer, None)
    return JsonResponse({name: getattr(current, name) for name in FAULT_FIELDS})


@csrf_exempt
@require_http_methods(["POST", "GET"])
def resource_create(request, peer: str, kind: str):
    """Create a resource; the same `externalId` again answers with the one already created (200). `GET ?id=1,2`
    lists those resources as they stand (a TMF filter: many records' truth in one call)."""
    if peer not in Peer.values or not offered(peer, kind):
        return tmf_error(404, "60", "Not found", f"{peer} offers no {kind}")
    fault = _injected_fault(peer)
    if fault is not None:
        return fault
    if request.method == "GET":
        wanted = [pk for pk in request.GET.get("id", "").split(",") if pk.strip().isdigit()]
        if not wanted:
            return tmf_error(400, "21", "Invalid query", "`id` (comma-separated ids) is required")
        found = Resource.objects.filter(peer=peer, kind=kind, pk__in=wanted).order_by("pk")
        return JsonResponse([VIEWS[kind](resource) for resource in found], safe=False)
    dispatcher.ensure_started()
    try:
        body = json.loads(request.body or b"{}")
        external_id = str(body["externalId"]).strip()
    except (ValueError, KeyError, TypeError):
        return tmf_error(400, "21", "Invalid body", "a JSON body with an `externalId` is required")
    if not external_id:
        return tmf_error(400, "21", "Invalid body", "`externalId` is empty")
    problem = INVALID[kind](body) if kind in INVALID else ""
    if problem:
        return tmf_error(400, "21", "Invalid body", problem)
    try:
        with transaction.atomic():
            resource = Resource.objects.create(peer=peer, kind=kind, external_id=external_id, body=body)
            planned = ON_CREATE[kind](resource) if kind in ON_CREATE else None
    except IntegrityError:  # the same externalId again: the resource it made the first time
        Resource.objects.filter(peer=peer, kind=kind, external_id=external_id).update(requests=F("requests") + 1)
        resource = Resource.objects.get(peer=peer, kind=kind, external_id=external_id)
        return JsonResponse(VIEWS[kind](resource), status=200)
    first_views = {"serviceOrder": service_order_view, "communicationMessage": message_view}
    view = first_views[kind](resource, planned) if kind in first_views else VIEWS[kind](resource)
    return JsonResponse(view, status=201)


@csrf_exempt
@require_http_methods(["GET", "PATCH"])
def resource_detail(request, peer: str, kind: str, pk: int):
    """`GET` the resource's truth; `PATCH` a change where the resource takes one (a trouble ticket's status)."""
    fault = _injected_fault(peer)
    if fault is not None:
        return fault
    resource = Resource.objects.filter(peer=peer, kind=kind, pk=pk).first()
    if resource is None or kind not in VIEWS:
        return tmf_error(404, "60", "Not found", f"no {kind} {pk}")
    if request.method == "PATCH":
        if kind not in CHANGES:
            return tmf_error(405, "61", "Method not allowed", f"a {kind} is not changed")
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return tmf_error(400, "21", "Invalid body", "a JSON body is required")
        # No transaction around the read and the write: SQLite refuses a read transaction's upgrade to a writer
        # when another thread wrote meanwhile (two tickets changed at once), where autocommit writes just queue.
        status, problem = CHANGES[kind](resource, body)
        if problem:
            return tmf_error(status, "21" if status == 400 else "62", "Invalid change", problem)
    return JsonResponse(VIEWS[kind](resource))


@require_GET
def performance_measurements(request, peer: str):
    """TMF628 `GET /performanceMeasurement?service=SV000001,SV000002`: the measured periods of those services."""
    if peer != Peer.EOMS:
        return tmf_error(404, "60", "Not found", f"{peer} measures no network quality")
    fault = _injected_fault(peer)
    if fault is not None:
        return fault
    wanted = [s for s in request.GET.get("service", "").split(",") if s]
    if not wanted:
        return tmf_error(400, "21", "Invalid query", "`service` (comma-separated ids) is required")
    jobs = Resource.objects.filter(peer=peer, kind="measurementCollectionJob", body__service__id__in=wanted)
    return JsonResponse([m for job in jobs.order_by("pk") for m in measurements_of(job)], safe=False)

"""How the stub peers' resources progress: scripted by time and chosen by the request's own data.

A resource moves one state per `STUBS_STEP_SECONDS` (0 in tests: it is finished when first read).
"""

from django.conf import settings
from django.utils import timezone

# Words in the surveyed address that choose the survey's answer (kept in the data, as a real survey's
# answer depends on the place): anything else is qualified.
SURVEY_ANSWERS = [
    ("unqualified", "unqualified"),
    ("无资源", "unqualified"),
    ("alternate", "alternate"),
    ("替代", "alternate"),
]


def survey_answer(body: dict) -> str:
    address = " ".join(str(place.get("name", "")) for place in body.get("relatedPlace", [])).lower()
    return next((answer for word, answer in SURVEY_ANSWERS if word in address), "qualified")


def _steps_taken(resource) -> int:
    if not settings.STUBS_STEP_SECONDS:
        return 1_000_000
    return int((timezone.now() - resource.created_at).total_seconds() // settings.STUBS_STEP_SECONDS)


def qualification_view(resource) -> dict:
    """TMF645 CheckServiceQualification: acknowledged → inProgress → done, with the qualification result."""
    body = dict(resource.body, id=str(resource.pk))
    steps = _steps_taken(resource)
    if steps <= 0:
        return {**body, "state": "acknowledged"}
    if steps == 1:
        return {**body, "state": "inProgress"}
    return {**body, "state": "done", "qualificationResult": survey_answer(resource.body)}


def _characteristics(body: dict) -> str:
    return " ".join(
        str(c.get("value", ""))
        for item in body.get("serviceOrderItem", [])
        for c in item.get("service", {}).get("serviceCharacteristic", [])
    ).lower()


def service_order_view(resource) -> dict:
    """TMF641 ServiceOrder: acknowledged → inProgress → completed; a characteristic saying "fail" fails it."""
    body = dict(resource.body, id=str(resource.pk))
    if resource.body.get("cancelled"):
        return {**body, "state": "cancelled"}
    steps = _steps_taken(resource)
    if steps <= 0:
        return {**body, "state": "acknowledged"}
    if steps == 1:
        return {**body, "state": "inProgress"}
    if "fail" in _characteristics(resource.body):
        return {**body, "state": "failed", "errorMessage": [{"reason": "configuration failed"}]}
    return {**body, "state": "completed", "milestone": [{"name": "configured"}, {"name": "tested"}]}


def cancel_view(resource) -> dict:
    return dict(resource.body, id=str(resource.pk), state="done")


def cancel_created(resource) -> None:
    """A cancellation withdraws the service order it names (ours, by externalId)."""
    from .models import Resource

    target = resource.body.get("serviceOrder", {}).get("id", "")
    for order in Resource.objects.filter(peer=resource.peer, kind="serviceOrder", external_id=target):
        order.body = {**order.body, "cancelled": True}
        order.save(update_fields=["body"])


VIEWS = {
    "checkServiceQualification": qualification_view,
    "serviceOrder": service_order_view,
    "cancelServiceOrder": cancel_view,
}
ON_CREATE = {"cancelServiceOrder": cancel_created}

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


# What a service order goes through, chosen by words in its characteristics (a demo or a test picks the
# path through the data it orders with). Each entry: (step, event type, state or None, detail).
SCENARIOS = {
    "happy": [
        (1, "ServiceOrderStateChangeEvent", "inProgress", {}),
        (1, "ServiceOrderMilestoneEvent", None, {"milestone": [{"name": "resources confirmed"}]}),
        (2, "ServiceOrderStateChangeEvent", "completed", {"milestone": [{"name": "configured"}, {"name": "tested"}]}),
    ],
    "construction": [
        (1, "ServiceOrderStateChangeEvent", "inProgress", {}),
        (1, "ServiceOrderMilestoneEvent", None, {"milestone": [{"name": "resources missing: construction started"}]}),
        (3, "ServiceOrderMilestoneEvent", None, {"milestone": [{"name": "construction finished"}]}),
        (4, "ServiceOrderStateChangeEvent", "completed", {"milestone": [{"name": "configured"}, {"name": "tested"}]}),
    ],
    "needinfo": [
        (1, "ServiceOrderStateChangeEvent", "inProgress", {}),
        (1, "ServiceOrderInformationRequiredEvent", None, {"note": "site contact does not answer"}),
        (3, "ServiceOrderStateChangeEvent", "completed", {}),
    ],
    "held": [
        (1, "ServiceOrderStateChangeEvent", "held", {}),
        (2, "ServiceOrderStateChangeEvent", "inProgress", {}),
        (3, "ServiceOrderStateChangeEvent", "completed", {}),
    ],
    "jeopardy": [
        (1, "ServiceOrderStateChangeEvent", "inProgress", {}),
        (1, "ServiceOrderJeopardyEvent", None, {"jeopardyAlert": [{"name": "behind schedule"}]}),
        (3, "ServiceOrderStateChangeEvent", "completed", {}),
    ],
    "fail": [
        (1, "ServiceOrderStateChangeEvent", "inProgress", {}),
        (2, "ServiceOrderStateChangeEvent", "failed", {"errorMessage": [{"reason": "configuration failed"}]}),
    ],
    "partial": [
        (1, "ServiceOrderStateChangeEvent", "inProgress", {}),
        (2, "ServiceOrderStateChangeEvent", "partial", {"errorMessage": [{"reason": "one site not reachable"}]}),
    ],
}


def scenario_of(body: dict) -> str:
    words = _characteristics(body)
    return next((name for name in SCENARIOS if name != "happy" and name in words), "happy")


def plan_service_order(resource) -> list:
    """Write the order's scripted events; they are sent when due and they make the `GET` truth."""
    from datetime import timedelta

    from .models import Event

    step = timedelta(seconds=settings.STUBS_STEP_SECONDS)
    return Event.objects.bulk_create(
        Event(
            resource=resource,
            event_type=event_type,
            state=state or "",
            detail=detail,
            occurred_at=resource.created_at + step * at + timedelta(microseconds=n),
            due_at=resource.created_at + step * at,
        )
        for n, (at, event_type, state, detail) in enumerate(SCENARIOS[scenario_of(resource.body)])
    )


def service_order_view(resource, events: list | None = None) -> dict:
    """TMF641 ServiceOrder as it stands now: the last scripted state that is due, or cancelled. `events`: the
    ones just planned (a new resource's answer need not read them back)."""
    body = dict(resource.body, id=str(resource.pk))
    if resource.body.get("cancelled"):
        return {**body, "state": "cancelled"}
    now = timezone.now()
    if events is None:
        due = resource.events.filter(occurred_at__lte=now).exclude(state="").order_by("occurred_at").last()
    else:
        due = max((e for e in events if e.state and e.occurred_at <= now), key=lambda e: e.occurred_at, default=None)
    if due is None:
        return {**body, "state": "acknowledged"}
    return {**body, "state": due.state, **due.detail}


def cancel_view(resource) -> dict:
    """A request the peer takes at once (a cancellation, an answer to its question)."""
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
    "serviceOrderInformation": cancel_view,  # an answer to a question: received and done
    "serviceOrder": service_order_view,
    "cancelServiceOrder": cancel_view,
}
ON_CREATE = {"cancelServiceOrder": cancel_created, "serviceOrder": plan_service_order}


# ---------------------------------------------------------------------------- network quality (TMF628, TMF621)
# Words in the measured service's characteristics that degrade what EOMS measures (a demo or a test picks a
# scenario by the data it orders with, e.g. a site address "新区 lossy"); several words combine.
QUALITY_NORMAL = {"availabilityRate": "99.999", "packetLossRate": "0.010", "transmissionDelay": "8.00"}
QUALITY_SCENARIOS = [
    (("outage", "中断"), {"availabilityRate": "98.500"}),
    (("lossy", "丢包"), {"packetLossRate": "2.500"}),
    (("slow", "时延"), {"transmissionDelay": "150.00"}),
    (("marginal", "临界"), {"availabilityRate": "99.970", "packetLossRate": "0.400", "transmissionDelay": "35.00"}),
]
QUALITY_UNITS = {"availabilityRate": "%", "packetLossRate": "%", "transmissionDelay": "ms"}
MEASUREMENTS_KEPT = 8  # periods a GET returns, newest last


def quality_values(job_body: dict) -> dict:
    words = " ".join(
        str(c.get("value", "")) for c in (job_body.get("service") or {}).get("serviceCharacteristic", [])
    ).lower()
    values = dict(QUALITY_NORMAL)
    for keys, overrides in QUALITY_SCENARIOS:
        if any(key in words for key in keys):
            values.update(overrides)
    return values


def job_invalid(body: dict) -> str:
    service = body.get("service")
    return "" if isinstance(service, dict) and service.get("id") else "`service.id` is required"


def ticket_invalid(body: dict) -> str:
    if body.get("ticketType") == "complaint":  # a complaint may name no service, never no customer
        parties = body.get("relatedParty")
        if not isinstance(parties, list) or not any(
            isinstance(p, dict) and p.get("role") == "customer" for p in parties
        ):
            return "`relatedParty` with the `customer` is required of a complaint"
        return (
            ""
            if body.get("severity") in ("critical", "major", "minor")
            else "`severity` is one of critical, major, minor"
        )
    entities = body.get("relatedEntity")
    if not isinstance(entities, list) or not any(isinstance(e, dict) and e.get("id") for e in entities):
        return "`relatedEntity` with the affected service's `id` is required"
    if body.get("severity") not in ("critical", "major", "minor"):
        return "`severity` is one of critical, major, minor"
    return ""


def measurements_of(resource, *, now=None) -> list[dict]:
    """A job's measurements (TMF628 PerformanceMeasurement): every period that ended since the one before the
    job started; ids are stable, so reading twice gives the same measurements."""
    from datetime import UTC, datetime

    period = settings.STUBS_MEASUREMENT_SECONDS
    now = (now or timezone.now()).timestamp()
    cancelled = resource.body.get("_cancelled")
    if cancelled:  # nothing is measured after the job was cancelled
        now = min(now, datetime.fromisoformat(cancelled).timestamp())
    first_end = int(resource.created_at.timestamp() // period) * period
    last_end = int(now // period) * period
    ends = list(range(first_end, last_end + 1, period))[-MEASUREMENTS_KEPT:]
    values = quality_values(resource.body)
    service = (resource.body.get("service") or {}).get("id")
    return [
        {
            "id": f"{resource.pk}-{end}",
            "service": {"id": service},
            "period": {
                "startDateTime": datetime.fromtimestamp(end - period, tz=UTC).isoformat(),
                "endDateTime": datetime.fromtimestamp(end, tz=UTC).isoformat(),
            },
            "performanceIndicator": [
                {"name": name, "value": value, "unit": QUALITY_UNITS[name]} for name, value in values.items()
            ],
            "@type": "PerformanceMeasurement",
        }
        for end in ends
    ]


def job_view(resource) -> dict:
    body = {k: v for k, v in resource.body.items() if not k.startswith("_")}
    return dict(body, id=str(resource.pk), state="cancelled" if resource.body.get("_cancelled") else "inProgress")


def job_change(resource, body: dict) -> tuple[int, str]:
    """A client stops the job (TMF628 PATCH `state: cancelled`); cancelling again changes nothing."""
    if not isinstance(body, dict) or body.get("state") != "cancelled":
        return 400, "`state` can only be changed to cancelled"
    if not resource.body.get("_cancelled"):
        resource.body = {**resource.body, "_cancelled": timezone.now().isoformat()}
        resource.save(update_fields=["body"])
    return 200, ""


# What EOMS does with a trouble ticket on its own, chosen by words in the affected service's characteristics
# (as its measurement job carries them): by default it works on it until we report the network restored.
TICKET_PATHS = [
    (("selfclose", "自行关闭"), ["inProgress", "resolved", "closed"], "fault cleared by EOMS"),
    (("reject", "驳回"), ["rejected"], "not a network fault"),
]
TICKET_FINAL = {"resolved", "closed", "rejected", "cancelled"}
TICKET_CHANGES = {"resolved", "closed", "cancelled", "inProgress"}  # what a client may ask for (PATCH)
TICKET_SEVERITIES = {"critical", "major", "minor"}
TICKET_LEVEL_FIELDS = ("severity", "priority", "requestedResolutionDate")  # a change of level (PATCH, no status)


def ticket_created(resource) -> list | None:
    """Choose the ticket's path once: a fault a customer reported is scripted by its own words and told by events
    (`plan_fault_ticket`); a quality ticket's path comes from the characteristics of the service it is about."""

    if resource.body.get("requestedResolutionDate"):
        return plan_fault_ticket(resource)

    words = _job_words(resource)
    path, reason = ["inProgress"], ""
    for keys, scripted, why in TICKET_PATHS:
        if any(key in words for key in keys):
            path, reason = scripted, why
            break
    resource.body = {**resource.body, "_path": path, "_reason": reason}
    resource.save(update_fields=["body"])
    return None  # nothing scripted: its path unrolls as it is read


def _job_words(resource) -> str:
    """The characteristics of the measurement jobs of the services a ticket is about, as one lower-case text."""
    from .models import Resource

    services = [e.get("id") for e in resource.body.get("relatedEntity", []) if isinstance(e, dict)]
    jobs = Resource.objects.filter(peer=resource.peer, kind="measurementCollectionJob", body__service__id__in=services)
    return " ".join(
        str(c.get("value", ""))
        for job in jobs
        for c in (job.body.get("service") or {}).get("serviceCharacteristic", [])
    ).lower()


def trouble_ticket_view(resource) -> dict:
    """TMF621 TroubleTicket: acknowledged, then one state of its path per step, unless a client changed it."""
    body = {k: v for k, v in resource.body.items() if not k.startswith("_")}
    changed = resource.body.get("_changed")
    if changed:
        return {**body, "id": str(resource.pk), **changed}
    if resource.body.get("_scripted"):
        due = resource.events.filter(occurred_at__lte=timezone.now()).exclude(state="").order_by("occurred_at").last()
        return {
            **body,
            "id": str(resource.pk),
            "status": due.state if due else "acknowledged",
            **(due.detail if due else {}),
        }
    path = ["acknowledged", *resource.body.get("_path", ["inProgress"])]
    status = path[min(max(_steps_taken(resource), 0), len(path) - 1)]
    reason = resource.body.get("_reason", "") if status in TICKET_FINAL else ""
    return {**body, "id": str(resource.pk), "status": status, **({"statusChangeReason": reason} if reason else {})}


def trouble_ticket_change(resource, body: dict) -> tuple[int, str]:
    """A client's status change (TMF621 PATCH): the same status again changes nothing; a ticket that is closed,
    rejected or cancelled already takes no other, a resolved one only closed (or reopened, when we reported it).
    Returns (HTTP status, problem)."""
    from django.utils import timezone

    if isinstance(body, dict) and "status" not in body and "severity" in body:
        return _ticket_level_change(resource, body)
    wanted = body.get("status") if isinstance(body, dict) else None
    if wanted not in TICKET_CHANGES:
        return 400, f"`status` is one of {', '.join(sorted(TICKET_CHANGES))}"
    current = trouble_ticket_view(resource)["status"]
    if current == wanted:
        return 200, ""
    if wanted == "inProgress":  # the customer rejected the resolution: EOMS works on it again
        if not resource.body.get("_scripted") or current != "resolved":
            return 409, f"only a resolved ticket is reopened; this one is {current}"
        _plan_ticket_events(resource, _scripts_of(resource)["reopened"], since=timezone.now())
        return 200, ""
    if current in TICKET_FINAL and (current, wanted) != ("resolved", "closed"):  # the customer accepts a resolution
        return 409, f"the ticket is {current} already"
    changed = {
        "status": wanted,
        "statusChangeReason": str(body.get("statusChangeReason") or ""),
        "statusChangeDate": timezone.now().isoformat(),
    }
    resource.body = {**resource.body, "_changed": changed}
    resource.save(update_fields=["body"])
    return 200, ""


def _ticket_level_change(resource, body: dict) -> tuple[int, str]:
    """The client changed the ticket's level (severity, priority, requested date): taken while the ticket is open,
    and shown by every later read."""
    if body.get("severity") not in TICKET_SEVERITIES:
        return 400, f"`severity` is one of {', '.join(sorted(TICKET_SEVERITIES))}"
    current = trouble_ticket_view(resource)["status"]
    if current in TICKET_FINAL - {"resolved"}:
        return 409, f"the ticket is {current} already"
    changes = {field: body[field] for field in TICKET_LEVEL_FIELDS if field in body}
    resource.body = {**resource.body, **changes, "_levels": [*resource.body.get("_levels", []), changes]}
    resource.save(update_fields=["body"])
    return 200, ""


# ---------------------------------------------------------------------------- faults a customer reported (TMF621)
# What EOMS does with a reported fault, chosen by words in its description (a demo or a test picks the path
# through the words it reports with). Each entry: (step, event type, status or None, detail). A path that asks
# for information goes on (`after_information`) once we answer.
STATUS_EVENT, RESOLVED_EVENT = "TroubleTicketStatusChangeEvent", "TroubleTicketResolvedEvent"
INFORMATION_EVENT = "TroubleTicketInformationRequiredEvent"
RESTORED = (2, RESOLVED_EVENT, "resolved", {"resolution": "fault cleared, service restored"})
FAULT_TICKET_SCENARIOS = {
    "restore": [(1, STATUS_EVENT, "inProgress", {}), RESTORED],
    "held": [
        (1, STATUS_EVENT, "inProgress", {}),
        (1, STATUS_EVENT, "held", {"statusChangeReason": "waiting for a maintenance window"}),
        (2, STATUS_EVENT, "inProgress", {}),
        (3, RESOLVED_EVENT, "resolved", {"resolution": "fault cleared, service restored"}),
    ],
    "needinfo": [
        (1, STATUS_EVENT, "inProgress", {}),
        (1, INFORMATION_EVENT, "pending", {"note": "site access contact and hours needed"}),
    ],
    "reject": [(1, STATUS_EVENT, "rejected", {"statusChangeReason": "not a network fault"})],
    # A network-quality fault: worked on until we report the network restored, or cleared by EOMS on its own.
    "quality": [(1, STATUS_EVENT, "inProgress", {})],
    "selfclose": [
        (1, STATUS_EVENT, "inProgress", {}),
        (2, RESOLVED_EVENT, "resolved", {"resolution": "fault cleared by EOMS"}),
    ],
    "after_information": [(1, STATUS_EVENT, "inProgress", {}), RESTORED],
    "reopened": [(0, STATUS_EVENT, "inProgress", {}), RESTORED],
}
FAULT_TICKET_WORDS = [
    (("needinfo", "需要信息"), "needinfo"),
    (("held", "挂起"), "held"),
    (("reject", "驳回"), "reject"),
    (("selfclose", "自行关闭"), "selfclose"),
]


# ---- complaints (TMF621 ticketType complaint): the same paths chosen by the same words, with a complaint's answers
SETTLED = (2, RESOLVED_EVENT, "resolved", {"resolution": "network checked and optimised; customer's issue settled"})
COMPLAINT_TICKET_SCENARIOS = {
    "restore": [(1, STATUS_EVENT, "inProgress", {}), SETTLED],
    "held": [
        (1, STATUS_EVENT, "inProgress", {}),
        (1, STATUS_EVENT, "held", {"statusChangeReason": "waiting for a site survey"}),
        (2, STATUS_EVENT, "inProgress", {}),
        (3, *SETTLED[1:]),
    ],
    "needinfo": [
        (1, STATUS_EVENT, "inProgress", {}),
        (1, INFORMATION_EVENT, "pending", {"note": "when and where does the customer see the problem?"}),
    ],
    "reject": [(1, STATUS_EVENT, "rejected", {"statusChangeReason": "not a network problem"})],
    "selfclose": [(1, STATUS_EVENT, "inProgress", {}), SETTLED],
    "after_information": [(1, STATUS_EVENT, "inProgress", {}), SETTLED],
    "reopened": [(0, STATUS_EVENT, "inProgress", {}), SETTLED],
}


def _scripts_of(resource) -> dict:
    return COMPLAINT_TICKET_SCENARIOS if resource.body.get("ticketType") == "complaint" else FAULT_TICKET_SCENARIOS


def plan_fault_ticket(resource) -> list:
    """A fault's path from the words of its description, or of its services' measurement jobs for a network-quality
    fault (one that carries the measured metric), which by default EOMS works on until we report it restored. A
    complaint's path is chosen by the words of its description the same way."""
    words = str(resource.body.get("description", "")).lower()
    quality = any(c.get("name") == "metric" for c in resource.body.get("characteristic", []) if isinstance(c, dict))
    if quality:
        words += " " + _job_words(resource)
    default = "quality" if quality else "restore"
    scenario = next((name for keys, name in FAULT_TICKET_WORDS if any(k in words for k in keys)), default)
    resource.body = {**resource.body, "_scripted": scenario}
    resource.save(update_fields=["body"])
    return _plan_ticket_events(resource, _scripts_of(resource)[scenario], since=resource.created_at)


def _plan_ticket_events(resource, script: list, *, since) -> list:
    """Write a ticket's scripted events from `since`; they are sent when due and they make the `GET` truth."""
    from datetime import timedelta

    from .models import Event

    step = timedelta(seconds=settings.STUBS_STEP_SECONDS)
    return Event.objects.bulk_create(
        Event(
            resource=resource,
            event_type=event_type,
            state=state or "",
            detail=detail,
            occurred_at=since + step * at + timedelta(microseconds=n + 1),
            due_at=since + step * at,
        )
        for n, (at, event_type, state, detail) in enumerate(script)
    )


def ticket_information_created(resource) -> None:
    """Our answer to EOMS's question: the fault's path goes on from now."""
    from .models import Resource

    target = (resource.body.get("troubleTicket") or {}).get("id", "")
    for ticket in Resource.objects.filter(peer=resource.peer, kind="troubleTicket", external_id=target):
        if ticket.body.get("_scripted") == "needinfo":
            _plan_ticket_events(ticket, _scripts_of(ticket)["after_information"], since=timezone.now())


VIEWS["troubleTicketInformation"] = cancel_view  # an answer to EOMS's question: received and done
ON_CREATE["troubleTicketInformation"] = ticket_information_created
VIEWS["measurementCollectionJob"] = job_view  # TMF628: measure a service every period
VIEWS["troubleTicket"] = trouble_ticket_view  # TMF621: a quality work order for a degraded service
INVALID = {"measurementCollectionJob": job_invalid, "troubleTicket": ticket_invalid}
ON_CREATE["troubleTicket"] = ticket_created
CHANGES = {"troubleTicket": trouble_ticket_change, "measurementCollectionJob": job_change}


# ---------------------------------------------------------------------------- message gateway (TMF681)
# The gateway takes a CommunicationMessage at once and reports its delivery later, as CommunicationMessage state
# change events: inProgress (handed to the network), then completed or failed. What happens is chosen by words
# in the receiver's name (a demo or a test picks the path by whom it writes to); anything else is delivered.
MESSAGE_EVENT = "CommunicationMessageStateChangeEvent"
MESSAGE_PATHS = [
    (("unreachable", "关机"), "unreachable"),  # the handset is off: the first attempt fails, a later one arrives
    (("invalid", "空号"), "invalid"),  # no such number or mailbox: every attempt fails
    (("twice", "重复"), "twice"),  # delivered, and the delivery reported twice (two events)
]
MESSAGE_FAILURES = {"unreachable": "handset unreachable", "invalid": "no such subscriber"}
MESSAGE_ADDRESS = {"SMS": "phoneNumber", "Email": "email"}


def message_invalid(body: dict) -> str:
    kind = body.get("messageType")
    if kind not in MESSAGE_ADDRESS:
        return "`messageType` is one of SMS, Email"
    if not str(body.get("content") or "").strip():
        return "`content` is required"
    receivers = body.get("receiver")
    if not isinstance(receivers, list) or not receivers:
        return "`receiver` (a list) is required"
    if not all(isinstance(r, dict) and r.get("id") and r.get(MESSAGE_ADDRESS[kind]) for r in receivers):
        return f"every receiver needs an `id` and a `{MESSAGE_ADDRESS[kind]}`"
    return ""


def message_path(body: dict) -> str:
    names = " ".join(str(r.get("name", "")) for r in body.get("receiver", [])).lower()
    return next((path for keys, path in MESSAGE_PATHS if any(key in names for key in keys)), "deliver")


def plan_message(resource) -> list:
    """Script the delivery reports of one attempt (`tryTimes`): they are sent when due and make the GET truth."""
    path = message_path(resource.body)
    attempt = int(resource.body.get("tryTimes") or 1)
    if path == "invalid" or (path == "unreachable" and attempt == 1):
        final = ("failed", {"statusChangeReason": MESSAGE_FAILURES[path]})
    else:
        final = ("completed", {})
    script = [(0, MESSAGE_EVENT, "inProgress", {}), (1, MESSAGE_EVENT, *final)]
    if path == "twice":
        script.append((1, MESSAGE_EVENT, *final))
    return _plan_ticket_events(resource, script, since=resource.created_at)


def message_view(resource, events: list | None = None) -> dict:
    """TMF681 CommunicationMessage as it stands: the last reported state that is due, or initial."""
    body = dict(resource.body, id=str(resource.pk))
    now = timezone.now()
    if events is None:
        due = resource.events.filter(occurred_at__lte=now).exclude(state="").order_by("occurred_at").last()
    else:
        due = max((e for e in events if e.state and e.occurred_at <= now), key=lambda e: e.occurred_at, default=None)
    if due is None:
        return {**body, "state": "initial"}
    return {**body, "state": due.state, **due.detail}


def message_deliveries(resources) -> dict[str, int]:
    """How often each receiver (by its `id`) was delivered a message: more than once is a message sent twice."""
    from .models import Event

    done = Event.objects.filter(resource__in=resources, state="completed", occurred_at__lte=timezone.now())
    delivered: dict[str, int] = {}
    for resource in resources.filter(pk__in=done.values("resource_id")):
        for receiver in resource.body.get("receiver", []):
            delivered[receiver["id"]] = delivered.get(receiver["id"], 0) + 1
    return delivered


VIEWS["communicationMessage"] = message_view
INVALID["communicationMessage"] = message_invalid
ON_CREATE["communicationMessage"] = plan_message
# What each peer offers (the gateway sends messages and nothing else; EOMS and SI do not send messages).
GATEWAY_KINDS = frozenset({"communicationMessage"})


def offered(peer: str, kind: str) -> bool:
    return kind in VIEWS and (peer == "gateway") == (kind in GATEWAY_KINDS)


# ---------------------------------------------------------------------------- network incidents (TMF656)
def problem_invalid(body: dict) -> str:
    if not body.get("affectedLocation") or not body.get("characteristic"):
        return "an affectedLocation and a product characteristic are required"
    return ""


def problem_raised(resource) -> list:
    """EOMS has found a network fault (the test or demo POSTs it here): it tells its listeners at once."""
    from .models import Event

    detail = {k: v for k, v in resource.body.items() if k != "externalId"}
    now = timezone.now()
    return Event.objects.bulk_create(
        [
            Event(
                resource=resource,
                event_type="ServiceProblemCreateEvent",
                state="acknowledged",
                detail=detail,
                occurred_at=now,
                due_at=now,
            )
        ]
    )


def problem_view(resource) -> dict:
    status = resource.body.get("_status", "acknowledged")
    shown = {k: v for k, v in resource.body.items() if k != "_status"}
    return {**shown, "id": str(resource.pk), "status": status, "@type": "ServiceProblem"}


PROBLEM_CHANGES = {"inProgress", "resolved"}  # what EOMS's operator does with it (the test or demo PATCHes it)


def problem_change(resource, body: dict) -> tuple[int, str]:
    """EOMS works on the incident, or has repaired it: it tells its listeners (ServiceProblemStateChangeEvent)
    with the reason. The same status again changes nothing. Returns (HTTP status, problem)."""
    from .models import Event

    wanted = body.get("status") if isinstance(body, dict) else None
    if wanted not in PROBLEM_CHANGES:
        return 400, f"`status` is one of {', '.join(sorted(PROBLEM_CHANGES))}"
    if problem_view(resource)["status"] == wanted:
        return 200, ""
    resource.body = {**resource.body, "_status": wanted}
    resource.save(update_fields=["body"])
    now = timezone.now()
    Event.objects.create(
        resource=resource,
        event_type="ServiceProblemStateChangeEvent",
        state=wanted,
        detail={"statusChangeReason": str(body.get("statusChangeReason") or "")},
        occurred_at=now,
        due_at=now,
    )
    return 200, ""


VIEWS["serviceProblem"] = problem_view
INVALID["serviceProblem"] = problem_invalid
ON_CREATE["serviceProblem"] = problem_raised
CHANGES["serviceProblem"] = problem_change

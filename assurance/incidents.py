"""Every write of network incidents (TMF656 ServiceProblem): raised by EOMS's event or grouped by a supervisor from
the fault tickets customers reported; each affected customer gets one child fault ticket (opened for the incident,
or the customer's own open one linked); resolving the incident resolves the children, and each child's customer
confirms on their own.

The children are written in bulk (tickets, services, clocks, messages, timeline lines): an incident of a cut fibre
opens hundreds at once. Their flows start in the worker afterwards (`problem_children_start`) and wait there for the
incident's resolution, after which each goes on to its own customer's confirmation (`problem_children_wake`).
"""

import logging

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from keyaccounts.catalogue.models import Product, Service
from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.models import City
from keyaccounts.core.timeline import timeline_event, timeline_record, timeline_save
from keyaccounts.peers.models import OutboxMessage
from sla.services import sla_clocks_start_many, sla_clocks_stop_many

from . import access, telling
from .clocks import resolution_step
from .lifecycle import (
    PROBLEM_ALLOWED,
    WORKING,
    problem_move,
    problems_close_finished,
    tickets_create,
    tickets_move,
)
from .models import (
    FaultLevelRule,
    ResolutionCode,
    ServiceProblem,
    ServiceProblemTicket,
    TroubleTicket,
)
from .services import (
    ANSWERED,
    UNTIMED_RESTORATION,
    fault_level,
    priority_of,
    ticket_sla_follow,
    ticket_tell_eoms,
    ticket_wake_if_answered,
)
from .timeline import ChildAction, ProblemAction, TicketAction

logger = logging.getLogger(__name__)
Status, Problem = TroubleTicket.Status, ServiceProblem.Status
PROBLEM_RESOURCE = "serviceProblem"
CREATE_EVENT = "ServiceProblemCreateEvent"
STATE_EVENT = "ServiceProblemStateChangeEvent"
PROBLEM_EVENTS = {CREATE_EVENT, STATE_EVENT}
# What EOMS's status changes do to an incident: it works on it, or it is resolved (as the supervisor's form does).
PEER_PROBLEM_STATUSES = {Problem.IN_PROGRESS, Problem.PENDING, Problem.HELD, Problem.RESOLVED}
# The service elements a location may name (TMF656 affectedLocation.role): where a line is installed or ends.
LOCATION_ELEMENTS = ("install_address", "a_end_address", "z_end_address", "access_point")
# How many children one worker transaction starts (or wakes) the flows of: a commit per batch, not per child.
START_BATCH = 50


# ---------------------------------------------------------------------------- the scope
def _locations(raw) -> list[dict]:
    """The affected locations as stored: each a known element and a non-empty text."""
    locations = []
    for place in raw if isinstance(raw, list) else []:
        role = str((place or {}).get("role") or "").strip() if isinstance(place, dict) else ""
        name = str((place or {}).get("name") or "").strip() if isinstance(place, dict) else ""
        if role in LOCATION_ELEMENTS and name:
            locations.append({"role": role, "name": name})
    return locations


def affected_services(problem: ServiceProblem):
    """The running services the incident takes down: of an affected product, with an access or address element
    that contains one of its locations."""
    where = Q(pk__in=[])
    for place in problem.affected_location:
        where |= Q(**{f"elements__{place['role']}__icontains": place["name"]})
    return (
        Service.objects.filter(where, status=Service.Status.ACTIVE, product__in=problem.products.all())
        .prefetch_related("product", "customer")  # a few products and customers shared by thousands of services
        .order_by("customer_id", "pk")
    )


# ---------------------------------------------------------------------------- raised by EOMS
def problems_apply_events(*, events: list) -> None:
    """EOMS's ServiceProblem events (stored and locked by the listener's apply run): a creation raises the
    incident, once per EOMS reference however often it is told, with its children opened; a status change moves
    it along (resolved: as the supervisor's resolution, every child with it)."""
    for event in events:
        body = event.body["event"][PROBLEM_RESOURCE]
        try:
            with transaction.atomic():  # one bad or repeated event leaves the batch's others applied
                if event.event_type == STATE_EVENT:
                    event.outcome = _change_from_eoms(body)
                else:
                    event.outcome = _raise_from_eoms(body)
        except ApplicationError as error:
            event.outcome = f"ignored: {error.message}"[:200]


def _change_from_eoms(body: dict) -> str:
    reference = str(body.get("externalId") or "").strip()
    problem = ServiceProblem.objects.select_for_update().filter(external_id=reference).first() if reference else None
    if problem is None:
        return "ignored: unknown incident"
    status = str(body.get("status") or "")
    note = str(body.get("statusChangeReason") or "").strip()[:500]
    if status not in PEER_PROBLEM_STATUSES:
        return f"ignored: status {status!r} is not EOMS's to set"
    if status == problem.status or (problem.status, status) not in PROBLEM_ALLOWED:
        return "ignored: not legal or no change"
    if status == Problem.RESOLVED:
        _children, resolved = _resolve(problem, resolution=None, notes=note, actor=None)
        return f"applied: {problem.number} resolved, {resolved} tickets"
    problem_move(problem=problem, to=status, action=ProblemAction.PROGRESSED, reason=note, data={"note": note})
    _tell_children_progress(problem, status, note)
    return f"applied: {problem.number} {status}"


def _tell_children_progress(problem: ServiceProblem, status: str, note: str) -> None:
    """Each customer whose child ticket is still worked hears of the incident's progress, in one batch."""
    children = list(
        TroubleTicket.objects.filter(problem_link__problem=problem, status__in=WORKING)
        .select_related("customer", "contact")
        .prefetch_related("services__product")
    )
    for child in children:
        child._services = list(child.services.all())  # what the messages name, read in the batch
    progress = telling.progress_of(status, note)
    telling.tell_progress_many(children, progress)


def _raise_from_eoms(body: dict) -> str:
    reference = str(body.get("externalId") or "").strip()
    if ServiceProblem.objects.filter(external_id=reference).exists():
        return "ignored: incident known already"
    codes = [str(c.get("value")) for c in body.get("characteristic") or [] if c.get("name") == "product"]
    products = list(Product.objects.filter(code__in=codes))
    locations = _locations(body.get("affectedLocation"))
    if not products or not locations:
        raise ApplicationError("a product characteristic and an affectedLocation with a known role are required")
    try:
        with transaction.atomic():
            problem = ServiceProblem.objects.create(
                name=str(body.get("name") or reference)[:200],
                description=str(body.get("description") or ""),
                category=str(body.get("category") or "")[:60],
                origin=ServiceProblem.Origin.EOMS,
                external_id=reference,
                affected_location=locations,
            )
    except IntegrityError:  # the same reference raced in on another worker: that one opens the children
        return "ignored: incident known already"
    problem.products.set(products)
    # The cities EOMS names (characteristic "city", by code) are concerned even where no customer is affected.
    named = [str(c.get("value")) for c in body.get("characteristic") or [] if c.get("name") == "city"]
    problem.cities.add(*City.objects.filter(code__in=named))
    timeline_record(
        subject=problem,
        action=ProblemAction.RAISED,
        to_state=problem.status,
        data={"problem": problem.number, "origin": problem.origin, "reference": reference},
    )
    opened, linked = problem_children_open(problem=problem)
    return f"applied: {problem.number}, {opened} opened, {linked} linked"


# ---------------------------------------------------------------------------- grouped by a supervisor
def groupable_tickets(user):
    """The open fault tickets a user may group: visible, worked still, in no incident yet."""
    return access.visible_tickets(user).filter(
        type=TroubleTicket.Type.FAULT, status__in=WORKING, problem_link__isnull=True
    )


def problem_group(*, user, ticket_pks: list[int], name: str, description: str = "") -> ServiceProblem:
    """A supervisor groups open fault tickets into an incident: they become its children, and its scope is what
    they are about (their products, at their services' access and address elements), so every other customer
    there gets a child too."""
    if not access.may_group(user):
        raise PermissionDenied
    if not name.strip():
        raise ApplicationError(_("Name the incident, e.g. the fibre that is cut."), field="name")
    with transaction.atomic():
        tickets = list(
            groupable_tickets(user)
            .filter(pk__in=ticket_pks)
            .select_for_update(of=("self",))
            .select_related("customer")
            .prefetch_related("services__product")
        )
        if len(ticket_pks) < 2 or len(tickets) != len(set(ticket_pks)):
            raise ApplicationError(
                _("Choose at least two open fault tickets that are in no incident yet."), field="tickets"
            )
        services = [service for ticket in tickets for service in ticket.services.all()]
        locations = {
            (role, str(service.elements[role]))
            for service in services
            for role in LOCATION_ELEMENTS
            if service.elements.get(role)
        }
        problem = ServiceProblem.objects.create(
            name=name.strip()[:200],
            description=description.strip(),
            origin=ServiceProblem.Origin.GROUPED,
            raised_by=user,
            affected_location=[{"role": role, "name": value} for role, value in sorted(locations)],
        )
        problem.products.set({service.product_id for service in services})
        timeline_record(
            subject=problem,
            action=ProblemAction.RAISED,
            actor=user,
            to_state=problem.status,
            data={"problem": problem.number, "origin": problem.origin, "tickets": [t.number for t in tickets]},
        )
        problem_children_open(problem=problem, chosen=tickets)
    return problem


# ---------------------------------------------------------------------------- the children
@transaction.atomic
def problem_children_open(*, problem: ServiceProblem, chosen: list[TroubleTicket] = ()) -> tuple[int, int]:
    """One child fault ticket per affected customer (in the caller's transaction): the customer's open fault
    ticket on an affected service (or one `chosen` by the supervisor) is linked, the others are opened here,
    levelled by the rules, timed, and the customer told. Never a second child for a customer. Returns (opened,
    linked)."""
    problem = ServiceProblem.objects.select_for_update().get(pk=problem.pk)  # one opener at a time
    services = list(affected_services(problem))
    by_customer: dict[int, list[Service]] = {}
    for service in services:
        by_customer.setdefault(service.customer_id, []).append(service)
    for ticket in chosen:
        by_customer.setdefault(ticket.customer_id, [])
    known = set(problem.children.values_list("customer_id", flat=True))
    wanted = [pk for pk in by_customer if pk not in known]
    # A customer who reported already: the chosen ticket, else the oldest open fault on an affected service.
    reported: dict[int, TroubleTicket] = {t.customer_id: t for t in chosen}
    candidates = (
        TroubleTicket.objects.filter(
            type=TroubleTicket.Type.FAULT,
            status__in=WORKING,
            customer_id__in=[pk for pk in wanted if pk not in reported],
            services__in=[s.pk for s in services],
            problem_link__isnull=True,
        )
        .distinct()
        .order_by("created_at", "pk")
    )
    for ticket in candidates:
        reported.setdefault(ticket.customer_id, ticket)
    customers = {s.customer_id: s.customer for s in services}
    customers.update({t.customer_id: t.customer for t in chosen})
    fresh = [pk for pk in wanted if pk not in reported]
    opened = _children_create(problem, [customers[pk] for pk in fresh], by_customer)
    links = [
        ServiceProblemTicket(problem=problem, ticket=ticket, customer_id=ticket.customer_id, linked=False)
        for ticket in opened
    ] + [
        ServiceProblemTicket(problem=problem, ticket=reported[pk], customer_id=pk, linked=True)
        for pk in wanted
        if pk in reported
    ]
    ServiceProblemTicket.objects.bulk_create(links, batch_size=1000)
    linked = [reported[pk] for pk in wanted if pk in reported]
    kind = ContentType.objects.get_for_model(TroubleTicket).pk
    timeline_save(
        [
            timeline_event(
                subject_type_id=kind,
                subject_id=ticket.pk,
                action=ChildAction.LINKED,
                data={"problem": problem.number},
            )
            for ticket in linked
        ]
    )
    problem.cities.add(*{c.city_id for c in customers.values()})
    timeline_record(
        subject=problem,
        action=ProblemAction.CHILDREN_OPENED,
        data={"problem": problem.number, "opened": len(opened), "linked": len(linked)},
    )
    if opened:
        transaction.on_commit(lambda: _start_later(problem.pk))
    return len(opened), len(linked)


def _children_create(problem: ServiceProblem, customers: list, by_customer: dict) -> list[TroubleTicket]:
    """The new children of these customers, with their services, restoration clocks, timeline lines and the
    "acknowledged" message to the customer's contact, written in bulk."""
    if not customers:
        return []
    rules = list(FaultLevelRule.objects.filter(is_active=True).order_by("order", "pk"))
    contacts: dict[int, object] = {}
    from customers.models import Contact

    for contact in Contact.objects.filter(customer__in=customers).order_by("customer_id", "pk"):
        contacts.setdefault(contact.customer_id, contact)
    rows = []
    for customer in customers:
        services = by_customer[customer.pk]
        severity, _rule = fault_level(customer=customer, services=services, interruption=True, rules=rules)
        rows.append(
            TroubleTicket(
                type=TroubleTicket.Type.FAULT,
                channel=TroubleTicket.Channel.EOMS,
                customer=customer,
                city_id=customer.city_id,
                account_manager_id=customer.account_manager_id,
                contact=contacts.get(customer.pk),
                # The incident's own words: the ticket page names the incident in its reader's language, and this
                # is written in the worker, whose language is nobody's.
                description=problem.description or problem.name,
                interruption=True,
                severity=severity,
                priority=priority_of(severity, customer.level),
            )
        )
    tickets = tickets_create(rows)
    through = TroubleTicket.services.through
    through.objects.bulk_create(
        [through(troubleticket_id=t.pk, service_id=s.pk) for t in tickets for s in by_customer[t.customer_id]],
        batch_size=2000,
    )
    now = timezone.now()
    clocks = sla_clocks_start_many(
        starts=[
            {
                "subject": t,
                "step": resolution_step(t),
                "level": t.customer.level,
                "product": by_customer[t.customer_id][0].product,
                "city": t.city_id,
                "customer": t.customer_id,
                "account_manager": t.account_manager_id,
            }
            for t in tickets
        ],
        now=now,
    )
    by_due: dict = {}
    for ticket, clock in zip(tickets, clocks, strict=True):
        ticket.requested_resolution_date = clock.due_at if clock is not None else now + UNTIMED_RESTORATION
        by_due.setdefault(ticket.requested_resolution_date, []).append(ticket.pk)
    # Clocks started together by the same policy are due together: an UPDATE per due moment, not a CASE per row.
    for due, pks in by_due.items():
        TroubleTicket.objects.filter(pk__in=pks).update(requested_resolution_date=due)
    kind = ContentType.objects.get_for_model(TroubleTicket).pk
    customer_kind = ContentType.objects.get_for_model(customers[0]).pk
    lines = []
    for t in tickets:
        line = {
            "ticket": t.number,
            "type": t.type,
            "severity": t.severity,
            "channel": t.channel,
            "services": [s.number for s in by_customer[t.customer_id]],
        }
        lines.append(timeline_event(subject_type_id=kind, subject_id=t.pk, action=TicketAction.REPORTED, data=line))
        lines.append(
            timeline_event(
                subject_type_id=customer_kind, subject_id=t.customer_id, action=TicketAction.REPORTED, data=line
            )
        )
        lines.append(
            timeline_event(
                subject_type_id=kind, subject_id=t.pk, action=ChildAction.OPENED, data={"problem": problem.number}
            )
        )
    timeline_save(lines)
    for ticket in tickets:
        ticket._services = by_customer[ticket.customer_id]
    telling.tell_acknowledged_many(tickets, restore_by=lambda ticket: ticket.requested_resolution_date)
    return tickets


def _start_later(problem_pk: int) -> None:
    from .tasks import problem_children_start_task

    problem_children_start_task.delay(problem_pk)


def problem_children_start(*, problem_pk: int) -> int:
    """The worker starts the flows of the incident's children that have none yet, `START_BATCH` children to a
    transaction under their tickets' row locks: a child waits for the incident's resolution, or goes on to its
    customer's confirmation at once if it came meanwhile. Returns how many."""
    from .flows import TicketFlow

    started = 0
    while True:
        with transaction.atomic():
            batch = list(
                TroubleTicket.objects.select_for_update(skip_locked=True)  # another worker's batch is theirs
                .filter(problem_link__problem_id=problem_pk, process__isnull=True)
                .select_related("customer")
                .order_by("pk")[:START_BATCH]
            )
            for ticket in batch:
                TicketFlow.start.run(ticket=ticket)
                # Waiting for the incident is no timed step (its restoration clock runs already): only a child
                # resolved meanwhile has a step to time, its confirmation.
                if ticket.status in ANSWERED:
                    ticket_wake_if_answered(ticket)
                    ticket_sla_follow(ticket)
        if not batch:
            return started
        started += len(batch)


# ---------------------------------------------------------------------------- resolution
def problem_resolve(*, user, problem_pk: int, resolution: ResolutionCode | None, notes: str) -> ServiceProblem:
    """A supervisor resolves the incident (`_resolve`)."""
    if resolution is None or not resolution.is_active:
        raise ApplicationError(_("Choose how the incident was resolved."), field="resolution")
    if not notes.strip():
        raise ApplicationError(_("Write what was done: the customers are told."), field="notes")
    with transaction.atomic():
        problem = access.visible_problems(user).select_for_update(of=("self",)).filter(pk=problem_pk).first()
        if problem is None or not access.may_manage_problem(user, problem):
            raise PermissionDenied
        _resolve(problem, resolution=resolution, notes=notes.strip(), actor=user)
    return problem


def _resolve(problem: ServiceProblem, *, resolution: ResolutionCode | None, notes: str, actor) -> tuple[int, int]:
    """The incident, locked by the caller, is resolved: every child still worked is resolved with it (EOMS is told
    of those it had), their restoration clocks stop, and each goes on to its own customer's confirmation in the
    worker. Returns (children, resolved now)."""
    problem.resolution_code, problem.resolution_notes = resolution, notes
    problem.resolution_date = timezone.now()
    problem_move(
        problem=problem,
        to=Problem.RESOLVED,
        action=ProblemAction.RESOLVED,
        actor=actor,
        reason=notes,
        data={"resolution": resolution.code} if resolution else {"note": notes},
        also=("resolution_code", "resolution_notes", "resolution_date"),
    )
    children = list(TroubleTicket.objects.select_for_update().filter(problem_link__problem=problem).order_by("pk"))
    moved = tickets_move(
        tickets=[t for t in children if t.status in WORKING],
        to=Status.RESOLVED,
        action=TicketAction.RESOLVED,
        reason=notes,
        data={"resolution": resolution.code, "problem": problem.number}
        if resolution
        else {"note": notes, "problem": problem.number},
        also={"resolution_code": resolution, "resolution_notes": notes},
    )
    sla_clocks_stop_many(
        model=TroubleTicket,
        subject_ids=[t.pk for t in moved],
        steps=sorted({resolution_step(t) for t in moved}),
        now=problem.resolution_date,
    )
    sent = set(
        OutboxMessage.objects.filter(external_id__in=[t.external_id for t in moved]).values_list(
            "external_id", flat=True
        )
    )
    for ticket in moved:
        if ticket.external_id in sent:  # a ticket the customer reported: EOMS has it, and is told
            ticket_tell_eoms(ticket, suffix="S", status=Status.RESOLVED, reason=notes[:200])
    transaction.on_commit(lambda: _wake_later(problem.pk))
    # Every child finished already (closed on their own), or no customer affected: nothing is left to confirm.
    if children:
        problems_close_finished(ticket_pks=[t.pk for t in children])
    else:
        problem_move(problem=problem, to=Problem.CLOSED, action=ProblemAction.CLOSED)
    return len(children), len(moved)


def _wake_later(problem_pk: int) -> None:
    from .tasks import problem_children_wake_task

    problem_children_wake_task.delay(problem_pk)


def problem_children_wake(*, problem_pk: int) -> int:
    """The worker moves each resolved child's flow on to its customer's confirmation (who is told and asked),
    `START_BATCH` children to a transaction, each under its flow's lock."""
    children = list(
        TroubleTicket.objects.filter(problem_link__problem_id=problem_pk, status=Status.RESOLVED, process__isnull=False)
        .select_related("customer")
        .order_by("pk")
    )
    for first in range(0, len(children), START_BATCH):
        with transaction.atomic():
            for ticket in children[first : first + START_BATCH]:
                ticket_wake_if_answered(ticket)
                ticket_sla_follow(ticket)
    return len(children)

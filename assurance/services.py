"""Every write of assurance: a ticket reported, classified, dispatched to EOMS or routed to a team, moved by
EOMS's events, resolved, and accepted or rejected by the customer."""

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

from customers.models import Customer
from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.files import clean_attachment_size
from keyaccounts.core.models import SiCompany
from keyaccounts.core.timeline import timeline_record, timeline_record_on
from keyaccounts.core.workflow import OPEN_STATUSES, handle_run_first, human_task, steps_follow
from keyaccounts.peers.models import OutboxMessage, Peer
from keyaccounts.peers.outbox import outbox_enqueue
from sla import quality
from sla.services import sla_clock_carry, sla_clock_start, sla_clock_stop, sla_clocks_stop_many, sla_pause_end

from . import access, clocks, surveys, telling
from .clocks import resolution_step
from .lifecycle import WORKING, ticket_create, ticket_may_move, ticket_move
from .models import (
    ComplaintRoute,
    FaultLevelRule,
    InformationRequest,
    Priority,
    ResolutionCode,
    Severity,
    TicketAttachment,
    TicketNote,
    TroubleTicket,
    UnansweredClosure,
)
from .selectors import (
    SI_PROGRESS_STATES,
    likely_duplicates,
    running_services_of,
    si_complaint_waiting,
    ticket_pk,
)
from .timeline import TicketAction

logger = logging.getLogger(__name__)
Status, Type = TroubleTicket.Status, TroubleTicket.Type
TICKET_RESOURCE = "troubleTicket"
INFORMATION_RESOURCE = "troubleTicketInformation"
# A fault no SLA policy times still asks EOMS for a date: the next day.
UNTIMED_RESTORATION = timedelta(days=1)
# How EOMS reads our levels (TMF621 severity); a complaint is minor unless escalated.
PEER_SEVERITY = {
    Severity.LEVEL_1: "critical",
    Severity.LEVEL_2: "major",
    Severity.NORMAL: "minor",
    Severity.ESCALATED: "major",
}
ACCEPT, DUPLICATE = "accept", "duplicate"


# ---------------------------------------------------------------------------- classification
def fault_level(*, customer, services: list, interruption: bool, rules=None) -> tuple[str, FaultLevelRule | None]:
    """The level of a fault by the first active rule that matches it (`FaultLevelRule`), else level 2. `rules`:
    the active rules read once by a caller that levels many faults."""
    products = {service.product_id for service in services}
    if rules is None:
        rules = FaultLevelRule.objects.filter(is_active=True).order_by("order", "pk")
    for rule in rules:
        if rule.interruption_only and not interruption:
            continue
        if rule.product_id and rule.product_id not in products:
            continue
        if rule.customer_level and rule.customer_level != customer.level:
            continue
        if rule.min_services and len(services) < rule.min_services:
            continue
        return rule.severity, rule
    return Severity.LEVEL_2, None


# Severity's rank, moved up one for a level-A customer and down one for levels C and D (and none yet).
_SEVERITY_RANK = {Severity.LEVEL_1: 0, Severity.ESCALATED: 1, Severity.LEVEL_2: 2, Severity.NORMAL: 2}
_PRIORITIES = [Priority.CRITICAL, Priority.HIGH, Priority.MEDIUM, Priority.LOW]


def priority_of(severity: str, customer_level: str) -> str:
    rank = _SEVERITY_RANK[severity] + {"A": -1, "B": 0}.get(customer_level or "", 1)
    return _PRIORITIES[min(max(rank, 0), len(_PRIORITIES) - 1)]


def complaint_route(ticket: TroubleTicket) -> tuple[str, SiCompany | None]:
    """Who handles a complaint: the first active route whose type (or any) and product route (or any) match,
    else the city's desk; a route to the SI company names the company of the first affected product that has
    one (a complaint about no such product does not match it)."""
    products = [s.product for s in ticket.services.select_related("product__si_company").order_by("pk")]
    for route in ComplaintRoute.objects.filter(is_active=True).order_by("order", "pk"):
        if route.ticket_type and route.ticket_type != ticket.type:
            continue
        matching = [p for p in products if not route.product_route or p.route == route.product_route]
        if route.product_route and not matching:
            continue
        if route.route == TroubleTicket.Route.SI:
            company = next((p.si_company for p in matching if p.si_company_id and p.si_company.is_active), None)
            if company is None:
                continue
            return route.route, company
        return route.route, None
    return TroubleTicket.Route.CITY_DESK, None


# ---------------------------------------------------------------------------- intake
@dataclass(frozen=True)
class Report:
    """What the account manager reports: checked by `ticket_report`, whatever form or API it came from."""

    type: str
    description: str
    services: tuple = ()  # Service rows or pks
    contact: object = None
    interruption: bool = False
    channel: str = TroubleTicket.Channel.ACCOUNT_MANAGER


def _checked_services(customer, wanted) -> list:
    pks = [getattr(s, "pk", s) for s in wanted]
    running = {s.pk: s for s in running_services_of(customer).filter(pk__in=pks)}
    wrong = [pk for pk in pks if pk not in running]
    if wrong:
        raise ApplicationError(
            _("Only running services of this customer can be affected; SV%(number)06d is not one.")
            % {"number": int(wrong[0])},
            field="services",
        )
    return [running[pk] for pk in dict.fromkeys(pks)]


def _checked(customer, report: Report) -> tuple[list, str, FaultLevelRule | None]:
    """The report checked as the page's form and the API both check it: its services, level and rule."""
    if report.type not in Type.values:
        raise ApplicationError(_("Choose what kind of ticket this is."), field="type")
    if report.channel not in TroubleTicket.Channel.values:
        raise ApplicationError(_("Choose the channel the ticket came by."), field="channel")
    if not report.description.strip():
        raise ApplicationError(_("Describe the fault or complaint."), field="description")
    services = _checked_services(customer, report.services)
    if report.type == Type.FAULT and not services:
        raise ApplicationError(_("A fault is about at least one running service: choose it."), field="services")
    if report.contact is not None and report.contact.customer_id != customer.pk:
        raise ApplicationError(_("Choose one of this customer's contacts."), field="contact")
    if report.type == Type.FAULT:
        severity, rule = fault_level(customer=customer, services=services, interruption=report.interruption)
        return services, severity, rule
    return services, Severity.NORMAL, None


def ticket_report(*, user, customer, report: Report) -> TroubleTicket:
    """Record a fault or complaint of the customer and start its flow; a fault goes to EOMS at once."""
    if not access.may_report(user, customer):
        raise PermissionDenied
    services, severity, rule = _checked(customer, report)
    with transaction.atomic():
        return _ticket_open(customer, report, services, severity, rule, user=user)


def _ticket_open(customer, report: Report, services: list, severity: str, rule, *, user=None, **fields):
    """The checked ticket, on the timelines of the ticket and the customer, its flow started (in the caller's
    transaction)."""
    ticket = ticket_create(
        type=report.type,
        channel=report.channel,
        customer=customer,
        city_id=customer.city_id,
        account_manager_id=customer.account_manager_id,
        reported_by=user,
        contact=report.contact,
        description=report.description.strip(),
        interruption=report.interruption,
        severity=severity,
        priority=priority_of(severity, customer.level),
        **fields,
    )
    if services:  # a new ticket: nothing to replace
        ticket.services.add(*services)
    line = {
        "ticket": ticket.number,
        "type": ticket.type,
        "severity": severity,
        "channel": ticket.channel,
        "services": [s.number for s in services],
        **({"rule": rule.name_en, "rule_zh": rule.name_zh} if rule else {}),  # as the rule was named then
        **(
            {"api_channel": ticket.api_channel.code, "reference": ticket.channel_reference}
            if ticket.api_channel
            else {}
        ),
    }
    timeline_record_on(subjects=[ticket, customer], action=TicketAction.REPORTED, actor=user, data=line)
    from .flows import TicketFlow

    ticket._services = services  # dispatch sends them
    TicketFlow.start.run(ticket=ticket)
    open_clocks = ticket_sla_follow(ticket, states={})  # a new ticket has no clock yet
    telling.tell_acknowledged(ticket, restore_by=_promised(ticket, open_clocks))
    return ticket


def _promised(ticket: TroubleTicket, open_clocks: dict | None = None):
    """The time the customer is promised: a fault's requested resolution date (EOMS has it), else the running
    resolution clock's due time, else the day after. `open_clocks`: the ticket's open clocks by step, as the
    caller has them (a running one's due time is as read)."""
    if ticket.requested_resolution_date:
        return ticket.requested_resolution_date
    clock = (open_clocks or {}).get(resolution_step(ticket))
    if clock is not None and clock.state == clocks.RUNNING:
        return clock.due_at
    clock = sla_clock_start(
        subject=ticket,
        step=resolution_step(ticket),
        level=ticket.customer.level,
        city=ticket.city_id,
        customer=ticket.customer_id,
        product=_first_product(ticket),
        account_manager=ticket.account_manager_id,
    )
    return clock.due_at if clock is not None else timezone.now() + UNTIMED_RESTORATION


class ReferenceReusedError(Exception):
    """A channel's reference already names another ticket: the one it names."""

    def __init__(self, ticket: TroubleTicket):
        super().__init__(ticket.number)
        self.ticket = ticket


def ticket_receive(
    *, api_channel, reference: str, digest: str, customer, report_of: Callable[[object], Report]
) -> tuple[TroubleTicket, bool]:
    """A ticket a channel submits over the API, checked as the page checks it; the same submission again is the
    ticket it made (False), the same reference with a different body is refused (`ReferenceReusedError`). The report
    is read (`report_of(customer)`) only for a new submission: a resubmission is answered whatever changed since."""
    existing = _resubmitted(api_channel, reference, digest)
    if existing is not None:
        return existing, False
    if customer is None or customer.status != Customer.Status.VALIDATED:
        raise ApplicationError(_("No archived customer has this credit code."), field="relatedParty.customer")
    report = replace(report_of(customer), channel=api_channel.channel)
    services, severity, rule = _checked(customer, report)
    try:
        with transaction.atomic():
            ticket = _ticket_open(
                customer,
                report,
                services,
                severity,
                rule,
                api_channel=api_channel,
                channel_reference=reference,
                request_digest=digest,
            )
    except IntegrityError:
        # The same reference raced in on another connection: answer as to a resubmission of the one that won.
        winner = _resubmitted(api_channel, reference, digest)
        if winner is None:  # another constraint: not a race to hide
            raise
        return winner, False
    return ticket, True


def _resubmitted(api_channel, reference: str, digest: str) -> TroubleTicket | None:
    ticket = TroubleTicket.objects.filter(api_channel=api_channel, channel_reference=reference).first()
    if ticket is not None and ticket.request_digest != digest:
        raise ReferenceReusedError(ticket)
    return ticket


# ---------------------------------------------------------------------------- SLA
def _first_product(ticket: TroubleTicket):
    if getattr(ticket, "_services", None) == []:  # a new ticket, linked to no service: nothing to read
        return None
    service = ticket.services.select_related("product").order_by("pk").first()
    return service.product if service else None


def ticket_sla_follow(ticket: TroubleTicket, *, states: dict[str, str] | None = None) -> dict:
    """After every step: the step clocks follow the open tasks; the resolution clock runs while it is worked.
    `states`: the open clocks' states by step, when the caller knows them. Returns the ticket's open clocks by
    step, as they followed (before any was paused or resumed)."""
    from .flows import SLA_STEPS

    open_clocks = steps_follow(
        subject=ticket,
        process_id=ticket.process_id,
        steps=SLA_STEPS,
        level=lambda: ticket.customer.level,
        city_id=ticket.city_id,
        customer_id=ticket.customer_id,
        product=lambda: _first_product(ticket),
        account_manager_id=ticket.account_manager_id,
        also_open=clocks.promise_steps_open(ticket) | clocks.party_steps_open(ticket, states),
    )
    clocks.ticket_clocks_hold(ticket, states={step: clock.state for step, clock in open_clocks.items()})
    return open_clocks


# ---------------------------------------------------------------------------- red channel
def trouble_ticket_payload(ticket: TroubleTicket, services: list, due) -> dict:
    """TMF621 TroubleTicket for EOMS: the affected services and the date they must run again by."""
    contact = ticket.contact
    return {
        "externalId": ticket.external_id,
        "name": f"{ticket.number} {ticket.customer.name}",
        "description": ticket.description,
        "ticketType": "incident" if ticket.is_fault else "complaint",
        "severity": PEER_SEVERITY[ticket.severity],
        "priority": ticket.priority,
        "requestedResolutionDate": due.isoformat(),
        "relatedEntity": [
            {"id": s.number, "role": "affectedService", "name": s.product.name_en, "@referredType": "Service"}
            for s in services
        ],
        "relatedParty": [
            {"role": "customer", "id": str(ticket.customer_id), "name": ticket.customer.name},
            *([{"role": "reporter", "name": contact.name, "phone": contact.phone}] if contact else []),
        ],
        "characteristic": [
            {"name": "interruption", "value": "yes" if ticket.interruption else "no"},
            {"name": "customerLevel", "value": ticket.customer.level},
            *ticket.characteristics,
        ],
        "@type": "TroubleTicket",
    }


def ticket_peer(ticket: TroubleTicket) -> str:
    """Who works a ticket we send out: EOMS, or the SI company's system for a complaint routed to an SI."""
    return Peer.SI if ticket.route == TroubleTicket.Route.SI else Peer.EOMS


def ticket_dispatch(*, ticket: TroubleTicket) -> None:
    """A fault goes to EOMS in the step that reports it (the outbox), asking for restoration by its due time; a
    complaint routed to EOMS (or to an SI company's system) goes there in its routing step, the same way."""
    services = getattr(ticket, "_services", None) or list(ticket.services.select_related("product"))
    clock = sla_clock_start(
        subject=ticket,
        step=resolution_step(ticket),
        level=ticket.customer.level,
        city=ticket.city_id,
        customer=ticket.customer_id,
        product=services[0].product if services else None,
        account_manager=ticket.account_manager_id,
    )
    due = clock.due_at if clock is not None else timezone.now() + UNTIMED_RESTORATION
    ticket.requested_resolution_date, ticket.dispatched_at = due, timezone.now()
    ticket.save(update_fields=["requested_resolution_date", "dispatched_at"])
    peer = ticket_peer(ticket)
    outbox_enqueue(
        peer=peer,
        resource=TICKET_RESOURCE,
        external_id=ticket.external_id,
        payload=trouble_ticket_payload(ticket, services, due),
    )
    timeline_record(
        subject=ticket,
        action=TicketAction.DISPATCHED if peer == Peer.EOMS else TicketAction.SENT_TO_SI,
        data={
            "reference": ticket.external_id,
            ("due" if ticket.is_fault else "settle_by"): due.isoformat(),
            **({"peer": peer} if peer != Peer.EOMS else {}),
        },
    )


def ticket_at_eoms(ticket: TroubleTicket) -> bool:
    """Whether the ticket was sent to EOMS (an incident's child opened for it never is, unless reopened)."""
    return OutboxMessage.objects.filter(external_id=ticket.external_id).exists()


def ticket_tell_eoms(ticket: TroubleTicket, *, suffix: str, status: str, reason: str) -> None:
    """A status change of ours sent to EOMS (TMF621 PATCH through the outbox, once the ticket is there)."""
    _tell_peer(ticket, suffix=suffix, changes={"status": status, "statusChangeReason": reason})


def _tell_peer(ticket: TroubleTicket, *, suffix: str, changes: dict) -> bool:
    """A change of ours sent to the peer that works the ticket (TMF621 PATCH through the outbox, once the ticket
    is there). False when it was never sent there (a complaint our teams handle): nothing to tell."""
    created = OutboxMessage.objects.filter(external_id=ticket.external_id).first()
    if created is None:
        return False
    outbox_enqueue(
        peer=created.peer,
        resource=TICKET_RESOURCE,
        external_id=f"{ticket.external_id}-{suffix}",
        payload={**changes, "@type": "TroubleTicket"},
        follows=created,
    )
    return True


# ---------------------------------------------------------------------------- complaints at EOMS or an SI's system
def ticket_complaint_send(*, ticket: TroubleTicket) -> None:
    """A complaint routed to EOMS (or to an SI company that works in its own system) goes there in its routing
    step; one the customer rejected goes back there (a PATCH) to be worked again."""
    if not OutboxMessage.objects.filter(external_id=ticket.external_id).exists():
        ticket_dispatch(ticket=ticket)
        return
    _tell_peer(
        ticket,
        suffix=f"R{ticket.reopen_count}",
        changes={"status": Status.IN_PROGRESS, "statusChangeReason": ticket.decision_note[:200]},
    )
    timeline_record(
        subject=ticket,
        action=TicketAction.SENT_BACK,
        data={"reference": ticket.external_id, "peer": ticket_peer(ticket)},
    )


STATUS_EVENT = "TroubleTicketStatusChangeEvent"
RESOLVED_EVENT = "TroubleTicketResolvedEvent"
INFORMATION_EVENT = "TroubleTicketInformationRequiredEvent"
TICKET_EVENTS = {STATUS_EVENT, RESOLVED_EVENT, INFORMATION_EVENT}
_REFERENCE = re.compile(r"TT(\d+)-(?:EOMS|SI)")
# EOMS's statuses a ticket takes from its events: it never closes or cancels one of ours (the customer does).
PEER_STATUSES = {Status.IN_PROGRESS, Status.HELD, Status.PENDING, Status.RESOLVED, Status.REJECTED}
# The statuses in which the flow's wait for EOMS is over (cancelled: the service it was about has ended).
ANSWERED = {Status.PENDING, Status.RESOLVED, Status.REJECTED, Status.CANCELLED}


def _reference_of(event) -> str:
    return str(event.body["event"]["troubleTicket"].get("externalId") or "")


def _ticket_pk(reference: str) -> int | None:
    match = _REFERENCE.fullmatch(str(reference or ""))
    return int(match.group(1)) if match else None


def tickets_apply_events(*, events: list) -> None:
    """Apply EOMS's stored ticket events (locked by the caller, in arrival order): each moves its ticket only when
    legal and newer than the last applied; an information request becomes the account manager's task, a
    resolution the confirmation task. Each ticket under its flow's lock (taken first, as its steps take it)."""
    from .flows import TicketFlow

    by_ticket: dict[int, list] = {}
    for event in events:
        pk = _ticket_pk(event.body["event"]["troubleTicket"].get("externalId"))
        if pk is None:
            event.outcome = "ignored: unknown ticket"
        else:
            by_ticket.setdefault(pk, []).append(event)
    processes = dict(
        TroubleTicket.objects.filter(pk__in=by_ticket, process__isnull=False).values_list("pk", "process_id")
    )
    for pk in sorted(by_ticket):
        if pk not in processes:
            for event in by_ticket[pk]:
                event.outcome = "ignored: unknown ticket"
            continue
        with TicketFlow.lock(processes[pk]):
            ticket = TroubleTicket.objects.select_related("customer").get(pk=pk)
            for event in by_ticket[pk]:
                # Only the peer the ticket went to moves it (an SI's event never moves a ticket at EOMS).
                mine = event.peer == ticket_peer(ticket) and _reference_of(event) == ticket.external_id
                event.outcome = _apply_event(ticket, event) if mine else "ignored: not this peer's ticket"
            ticket_wake_if_answered(ticket)
            ticket_sla_follow(ticket)


def _apply_event(ticket: TroubleTicket, event) -> str:
    body = event.body["event"]["troubleTicket"]
    at = event.event_time
    note = str(body.get("note") or body.get("statusChangeReason") or body.get("resolution") or "")[:500]
    status = Status.PENDING if event.event_type == INFORMATION_EVENT else body.get("status", "")
    if status not in PEER_STATUSES:
        return f"ignored: status {status!r} is not EOMS's to set"
    if not ticket_may_move(ticket, status, event_time=at):
        return "ignored: not newer, not legal or no change"
    data = {"note": note, "at": at.isoformat()} if note else {"at": at.isoformat()}
    also: tuple[str, ...] = ()
    action = {
        Status.RESOLVED: TicketAction.RESOLVED,
        Status.REJECTED: TicketAction.REJECTED,
        Status.PENDING: TicketAction.INFORMATION_REQUIRED,
    }.get(status, TicketAction.PROGRESSED)
    if status == Status.PENDING:
        ticket.pending_party, ticket.pending_reason = TroubleTicket.PendingParty.US, note[:200]
        also = ("pending_party", "pending_reason")
        InformationRequest.objects.create(
            ticket=ticket, question=note or _("EOMS needs more information."), asked_at=at
        )
    elif status == Status.RESOLVED:
        ticket.resolution_notes = note
        also = ("resolution_notes",)
    ticket_move(
        ticket=ticket,
        to=status,
        action=action,
        reason=note if status == Status.REJECTED else "",
        data=data,
        event_time=at,
        also=also,
    )
    if action == TicketAction.PROGRESSED:  # worked on or held: the customer hears of it
        ticket_progress_tell(ticket, telling.progress_of(status, note))
    return "applied"


def ticket_wake_if_answered(ticket: TroubleTicket) -> None:
    """EOMS has said what the flow waits for (a question, a resolution, a refusal): its wait ends."""
    from viewflow.workflow.models import Task

    from .flows import TicketFlow

    if ticket.status not in ANSWERED or clocks.waits_on_customer(ticket):  # the customer's wait is not EOMS's answer
        return
    waiting = Task.objects.filter(
        process_id=ticket.process_id, flow_task=TicketFlow.await_eoms, status__in=OPEN_STATUSES
    )
    handle_run_first(TicketFlow.await_eoms, ticket.process_id, waiting, lambda task: {})


# ---------------------------------------------------------------------------- network-quality violations
# Registered with sla (`sla.registry`): a violation opens a fault ticket here, its end is told here.
QUALITY_RESTORED = "network quality target met again"  # what EOMS reads (stable English)
QUALITY_ENDED = "service terminated"


def quality_ticket_open(violation) -> str:
    """A fault ticket for a missed network-quality target (in the collector's transaction): levelled by the rules,
    timed, sent to EOMS with the measured value; it is followed like a reported fault. Returns its number."""
    service = violation.service
    measured = quality.trouble_ticket_payload(violation)
    report = Report(
        type=Type.FAULT,
        description=measured["description"],
        services=(service,),
        channel=TroubleTicket.Channel.NETWORK_QUALITY,
    )
    severity, rule = fault_level(customer=service.customer, services=[service], interruption=False)
    ticket = _ticket_open(
        service.customer, report, [service], severity, rule, characteristics=measured["characteristic"]
    )
    return ticket.number


def _quality_ticket_finish(violation, *, to: str, suffix: str, reason: str, action: str) -> None:
    """The violation's ticket, while EOMS still works it, to `to` here and at EOMS. Our report counts as the
    newest (an older EOMS event arriving later never undoes it); a ticket a person holds is left to them."""
    from .flows import TicketFlow

    found = (
        TroubleTicket.objects.filter(
            pk=ticket_pk(violation.ticket_number), channel=TroubleTicket.Channel.NETWORK_QUALITY
        )
        .values_list("pk", "process_id")
        .first()
    )
    if found is None:
        return
    pk, process_id = found
    with TicketFlow.lock(process_id):
        ticket = TroubleTicket.objects.select_related("customer").get(pk=pk)
        if ticket.status not in (Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.HELD):
            return
        ticket_tell_eoms(ticket, suffix=suffix, status=to, reason=reason)
        also = ()
        if to == Status.RESOLVED:
            ticket.resolution_notes, also = reason, ("resolution_notes",)
        ticket_move(ticket=ticket, to=to, action=action, reason=reason, event_time=timezone.now(), also=also)
        ticket_wake_if_answered(ticket)
        ticket_sla_follow(ticket)


def quality_ticket_restored(violation) -> None:
    """The network meets the target again: the ticket is resolved (EOMS is told); the customer confirms it."""
    _quality_ticket_finish(
        violation, to=Status.RESOLVED, suffix="S", reason=QUALITY_RESTORED, action=TicketAction.RESTORED_MEASURED
    )


def quality_ticket_ended(violation) -> None:
    """The service was terminated: nothing is left to restore; the ticket is cancelled (EOMS is told)."""
    _quality_ticket_finish(
        violation, to=Status.CANCELLED, suffix="X", reason=QUALITY_ENDED, action=TicketAction.SERVICE_ENDED
    )


# Read with the task under the flow lock (`human_task`): the ticket and its customer, fresh.
TICKET_OF_TASK = ("process__ticket__customer",)


def _may_act(user):
    return lambda task: access.may_act_on_task(user, task, task.process.ticket)


def ticket_give_information(*, user, task_pk: int, answer: str) -> TroubleTicket:
    """The account manager answers EOMS's question (through the outbox); EOMS works on the fault again."""
    if not answer.strip():
        raise ApplicationError(_("Write the answer EOMS needs."), field="answer")
    with human_task(task_pk, user=user, may_act=_may_act(user), related=TICKET_OF_TASK) as act:
        ticket = act.task.process.ticket
        question = ticket.information_requests.filter(answered_at=None).order_by("asked_at").last()
        if question is not None:
            question.answer, question.answered_by, question.answered_at = answer, user, timezone.now()
            question.save(update_fields=["answer", "answered_by", "answered_at"])
        reference = f"{ticket.external_id}-I{question.pk if question else 0}"
        outbox_enqueue(
            peer=ticket_peer(ticket),
            resource=INFORMATION_RESOURCE,
            external_id=reference,
            payload={"externalId": reference, "troubleTicket": {"id": ticket.external_id}, "note": answer},
        )
        if ticket.status == Status.PENDING:
            ticket_move(
                ticket=ticket, to=Status.IN_PROGRESS, action=TicketAction.INFORMATION_GIVEN, actor=user, reason=answer
            )
        else:
            timeline_record(subject=ticket, action=TicketAction.INFORMATION_GIVEN, actor=user, reason=answer)
        act.execute()
        ticket_wake_if_answered(ticket)  # resolved meanwhile: the confirmation is next
        ticket_sla_follow(ticket)
    return ticket


# ---------------------------------------------------------------------------- yellow channel
def ticket_triage(
    *, user, task_pk: int, decision: str, duplicate_of: int | None = None, note: str = ""
) -> TroubleTicket:
    """The assurance desk takes the complaint on, or links it to an open ticket it duplicates (which ends it)."""
    if decision not in (ACCEPT, DUPLICATE):
        raise ApplicationError(_("Choose a decision."), field="decision")
    with human_task(task_pk, user=user, may_act=_may_act(user), related=TICKET_OF_TASK) as act:
        ticket = act.task.process.ticket
        if decision == DUPLICATE:
            original = likely_duplicates(ticket).filter(pk=duplicate_of).first() if duplicate_of else None
            if original is None:
                raise ApplicationError(
                    _("Choose one of the open tickets offered as a likely duplicate."), field="duplicate_of"
                )
            ticket.duplicate_of = original
            ticket_move(
                ticket=ticket,
                to=Status.CANCELLED,
                action=TicketAction.DUPLICATE_LINKED,
                actor=user,
                reason=note,
                data={"ticket": original.number},
                also=("duplicate_of",),
            )
            timeline_record(
                subject=original, action=TicketAction.DUPLICATE_RECEIVED, actor=user, data={"ticket": ticket.number}
            )
        else:
            timeline_record(subject=ticket, action=TicketAction.TRIAGED, actor=user, reason=note)
        act.execute()
        ticket_sla_follow(ticket)
    return ticket


def ticket_route(*, ticket: TroubleTicket) -> None:
    """The routing rule picks who handles the complaint; the ticket is in progress from here."""
    ticket.route, ticket.si_company = complaint_route(ticket)
    ticket_move(
        ticket=ticket,
        to=Status.IN_PROGRESS,
        action=TicketAction.ROUTED,
        data={"route": ticket.route, **({"si_company": ticket.si_company.code} if ticket.si_company else {})},
        also=("route", "si_company"),
    )


def ticket_resolve(*, user, task_pk: int, resolution: ResolutionCode | None, notes: str) -> TroubleTicket:
    """The handling team (or the supervisor it was escalated to) proposes a resolution; the callback is next."""
    if resolution is None or not resolution.is_active:
        raise ApplicationError(_("Choose how the ticket was resolved."), field="resolution")
    if not notes.strip():
        raise ApplicationError(_("Write what was done: the account manager tells the customer."), field="notes")
    with human_task(task_pk, user=user, may_act=_may_act(user), related=TICKET_OF_TASK) as act:
        ticket = act.task.process.ticket
        ticket.resolution_code, ticket.resolution_notes = resolution, notes
        ticket_move(
            ticket=ticket,
            to=Status.RESOLVED,
            action=TicketAction.RESOLVED,
            actor=user,
            reason=notes,
            data={"resolution": resolution.code},
            also=("resolution_code", "resolution_notes"),
        )
        act.execute()
        ticket_sla_follow(ticket)
    return ticket


# The reopening that escalates a complaint, and to whom.
ESCALATE_AT = {2: TroubleTicket.Escalation.CITY, 3: TroubleTicket.Escalation.PROVINCE}


def ticket_record_decision(*, user, task_pk: int, accepted: bool | None, note: str = "") -> TroubleTicket:
    """The customer's decision on the resolution, recorded by the account manager: accepted closes the ticket
    (EOMS is told of a fault's), rejected reopens it (a complaint's second reopening escalates to the city
    supervisor, its third to the province)."""
    if accepted is None:
        raise ApplicationError(_("Record whether the customer accepts the resolution."), field="accepted")
    if not accepted and not note.strip():
        raise ApplicationError(_("Write what the customer does not accept."), field="note")
    with human_task(task_pk, user=user, may_act=_may_act(user), related=TICKET_OF_TASK) as act:
        ticket = act.task.process.ticket
        ticket.customer_decision = TroubleTicket.Decision.ACCEPTED if accepted else TroubleTicket.Decision.REJECTED
        ticket.decision_note = note
        if accepted:
            ticket_move(
                ticket=ticket,
                to=Status.CLOSED,
                action=TicketAction.CUSTOMER_ACCEPTED,
                actor=user,
                reason=note,
                also=("customer_decision", "decision_note"),
            )
            # A fault, or a complaint EOMS (or an SI's system) worked: told it is closed.
            ticket_tell_eoms(ticket, suffix="C", status=Status.CLOSED, reason="resolution accepted by the customer")
            surveys.survey_send(ticket=ticket)
        else:
            _reopen(ticket, user=user, note=note)
        act.execute()
        ticket_sla_follow(ticket)
    return ticket


def _reopen(ticket: TroubleTicket, *, user, note: str) -> None:
    ticket.reopen_count += 1
    escalation = None if ticket.is_fault else ESCALATE_AT.get(min(ticket.reopen_count, max(ESCALATE_AT)))
    also = ["customer_decision", "decision_note", "reopen_count"]
    if escalation and escalation != ticket.escalation:
        ticket.escalation, ticket.severity = escalation, Severity.ESCALATED
        ticket.priority = priority_of(ticket.severity, ticket.customer.level)
        also += ["escalation", "severity", "priority"]
    ticket_move(
        ticket=ticket,
        to=Status.IN_PROGRESS,
        action=TicketAction.CUSTOMER_REJECTED,
        actor=user,
        reason=note,
        data={"reopen_count": ticket.reopen_count},
        also=tuple(also),
    )
    if "escalation" in also:
        timeline_record(subject=ticket, action=TicketAction.ESCALATED, actor=user, data={"to": escalation})
    if ticket.is_fault:
        ticket_tell_eoms(ticket, suffix=f"R{ticket.reopen_count}", status=Status.IN_PROGRESS, reason=note[:200])


# ---------------------------------------------------------------------------- telling the customer, who may not answer
def ticket_ask_customer(*, ticket: TroubleTicket) -> None:
    """The confirmation or callback opens (in its step's transaction): the customer is told and asked."""
    telling.tell_resolved(ticket)
    _responded(ticket, timezone.now())


# ---------------------------------------------------------------------------- progress told to the customer
def ticket_progress_tell(ticket: TroubleTicket, progress) -> None:
    """The customer hears of the ticket's progress (in the caller's transaction, under the flow's lock): the
    message; the first response, if it is one; a fault's progress-update step met (the caller's follow starts the
    next)."""
    now = timezone.now()
    telling.tell_progress(ticket, progress)
    _responded(ticket, now)
    if ticket.is_fault:
        sla_clock_stop(subject=ticket, step=clocks.progress_step(ticket), now=now)


def _responded(ticket: TroubleTicket, now) -> None:
    if ticket.first_response_at is None:
        ticket.first_response_at = now
        ticket.save(update_fields=["first_response_at"])


def tickets_delivered(*, external_ids: list[str], at) -> None:
    """The peer accepted tickets we sent it (registered with `keyaccounts.peers`): their dispatch is done."""
    pks = [pk for pk in map(_ticket_pk, external_ids) if pk is not None]
    TroubleTicket.objects.filter(pk__in=pks, delivered_at__isnull=True).update(delivered_at=at)
    sla_clocks_stop_many(model=TroubleTicket, subject_ids=pks, steps=[clocks.DISPATCH], now=at)


# How many tickets one sweep reminds or closes per rule; the next sweep takes the rest.
UNANSWERED_BATCH = 200


def tickets_unanswered(*, now=None) -> tuple[int, int]:
    """Beat's sweep: a resolved ticket whose customer has not answered the confirmation or callback is reminded
    once the rule's time has passed since the resolution, and closed once its time has passed since the reminder
    (EOMS is told a fault is closed). Never a customer of a level that answers explicitly. Each ticket under its
    flow's lock, checked again there. Returns (reminded, closed)."""
    now = now or timezone.now()
    reminded = closed = 0
    for rule in UnansweredClosure.objects.filter(is_active=True):
        waiting = _unanswered_of(rule)
        due = waiting.filter(reminded_at__isnull=True, resolved_at__lte=now - rule.remind_after)
        for pk, process_id in due.values_list("pk", "process_id")[:UNANSWERED_BATCH]:
            reminded += _unanswered_step(pk, process_id, rule, now, close=False)
        due = waiting.filter(reminded_at__lte=now - rule.close_after)
        for pk, process_id in due.values_list("pk", "process_id")[:UNANSWERED_BATCH]:
            closed += _unanswered_step(pk, process_id, rule, now, close=True)
    return reminded, closed


def _unanswered_of(rule: UnansweredClosure):
    waiting = TroubleTicket.objects.filter(status=Status.RESOLVED, process__isnull=False).order_by("resolved_at")
    if rule.kind == UnansweredClosure.Kind.FAULT:
        waiting = waiting.filter(type=Type.FAULT)
    else:
        waiting = waiting.exclude(type=Type.FAULT)
    if rule.explicit_levels:
        waiting = waiting.exclude(customer__level__in=list(rule.explicit_levels))
    return waiting


def _unanswered_step(pk: int, process_id: int, rule: UnansweredClosure, now, *, close: bool) -> bool:
    """Remind the customer, or close the ticket and the account manager's open question, if still due."""
    from viewflow.workflow.models import Task

    from .flows import TicketFlow

    with TicketFlow.lock(process_id):
        ticket = TroubleTicket.objects.select_related("customer").get(pk=pk)
        if ticket.status != Status.RESOLVED or ticket.customer.level in rule.explicit_levels:
            return False
        task = Task.objects.filter(
            process_id=process_id,
            flow_task__in=[TicketFlow.confirm, TicketFlow.callback],
            status__in=OPEN_STATUSES,
        ).first()
        if task is None:  # not asked yet (EOMS's question is open): nothing to remind of
            return False
        data = {"asked_at": ticket.resolved_at.isoformat()}
        if not close:
            if ticket.reminded_at is not None or ticket.resolved_at > now - rule.remind_after:
                return False
            ticket.reminded_at = now
            ticket.save(update_fields=["reminded_at", "updated_at"])
            timeline_record(subject=ticket, action=TicketAction.REMINDED, data=data)
            telling.tell_reminder(ticket)
            return True
        if ticket.reminded_at is None or ticket.reminded_at > now - rule.close_after:
            return False
        ticket.customer_decision = TroubleTicket.Decision.UNANSWERED
        ticket_move(
            ticket=ticket,
            to=Status.CLOSED,
            action=TicketAction.AUTO_CLOSED,
            data={**data, "reminded_at": ticket.reminded_at.isoformat()},
            also=("customer_decision",),
        )
        ticket_tell_eoms(ticket, suffix="C", status=Status.CLOSED, reason="closed: the customer did not answer")
        surveys.survey_send(ticket=ticket)
        activation = task.flow_task.activation_class(task)
        if task.status == STATUS.NEW:  # given back to the queue: closed in the account manager's name
            activation.assign(ticket.account_manager)
        activation.start(None)
        activation.execute()
        ticket_sla_follow(ticket)
        return True


# ---------------------------------------------------------------------------- a supervisor's change of level
FAULT_LEVELS = (Severity.LEVEL_1, Severity.LEVEL_2)


@contextmanager
def _ticket_locked(user, ticket_pk: int, may: Callable) -> Iterator[TroubleTicket]:
    """The ticket under its flow's lock (taken first, as its steps take it), for a user `may(user, ticket)` allows."""
    from .flows import TicketFlow

    process_id = TroubleTicket.objects.filter(pk=ticket_pk).values_list("process_id", flat=True).first()
    with TicketFlow.lock(process_id):
        ticket = TroubleTicket.objects.select_related("customer").get(pk=ticket_pk)
        if not may(user, ticket):
            raise PermissionDenied
        yield ticket


def ticket_change_level(*, user, ticket_pk: int, severity: str, reason: str) -> TroubleTicket:
    """A supervisor sets an open fault's level, with the reason (on the timeline): its priority follows, and its
    restoration is timed by the new level's limit from the moment it was reported (the time gone stays gone)."""
    if severity not in FAULT_LEVELS:
        raise ApplicationError(_("Choose level 1 or level 2."), field="severity")
    if not reason.strip():
        raise ApplicationError(_("Write why the level changes."), field="reason")
    with _ticket_locked(user, ticket_pk, access.may_change_level) as ticket:
        if ticket.severity == severity:
            raise ApplicationError(_("The fault is at this level already."), field="severity")
        source, source_step = ticket.severity, resolution_step(ticket)
        ticket.severity, ticket.priority = severity, priority_of(severity, ticket.customer.level)
        ticket.save(update_fields=["severity", "priority", "updated_at"])
        timeline_record(
            subject=ticket,
            action=TicketAction.LEVEL_CHANGED,
            actor=user,
            reason=reason.strip(),
            data={"from": source, "to": severity},
        )
        # Restoring: the new level's clock replaces the old, keeping the time used and paused.
        if ticket.status in WORKING:
            clock = sla_clock_carry(
                subject=ticket,
                from_step=source_step,
                to_step=resolution_step(ticket),
                level=ticket.customer.level,
                city=ticket.city_id,
                customer=ticket.customer_id,
                product=_first_product(ticket),
                account_manager=ticket.account_manager_id,
                now=timezone.now(),
            )
            if clock is not None:
                ticket.requested_resolution_date = clock.due_at
                ticket.save(update_fields=["requested_resolution_date"])
            ticket_sla_follow(ticket)
        _tell_level(ticket)
    return ticket


def _tell_level(ticket: TroubleTicket) -> None:
    """EOMS is told the fault's new level, priority and restoration date (a PATCH after the ticket's creation);
    each change its own message, so none is lost or merged with another."""
    changes = {"severity": PEER_SEVERITY[ticket.severity], "priority": ticket.priority}
    if ticket.requested_resolution_date:
        changes["requestedResolutionDate"] = ticket.requested_resolution_date.isoformat()
    sent = OutboxMessage.objects.filter(external_id__startswith=f"{ticket.external_id}-L").count()
    _tell_peer(ticket, suffix=f"L{sent + 1}", changes=changes)


# ---------------------------------------------------------------------------- notes
def ticket_add_note(*, user, ticket: TroubleTicket, text: str, internal: bool) -> TicketNote:
    if not text.strip():
        raise ApplicationError(_("Write the note."), field="text")
    if not access.may_note(user, ticket):
        raise ApplicationError(_("This ticket is finished; no note can be added any more."))
    from .flows import TicketFlow

    with TicketFlow.lock(ticket.process_id):
        note = TicketNote.objects.create(ticket=ticket, author=user, text=text.strip(), internal=internal)
        timeline_record(
            subject=ticket, action=TicketAction.NOTE, actor=user, reason=note.text, data={"internal": internal}
        )
        if not internal:  # a public note is what the customer is told of the ticket's progress
            ticket_progress_tell(ticket, note.text)
            ticket_sla_follow(ticket)
    return note


def ticket_attach(*, user, ticket: TroubleTicket, upload, internal: bool) -> TicketAttachment:
    """A document on the ticket while it is open, by whoever may note it; a public one may be shown to the
    channel that reported the ticket, an internal one stays with the staff."""
    if not access.may_note(user, ticket):
        raise ApplicationError(_("This ticket is finished; no document can be attached any more."))
    if not upload or not upload.size:
        raise ApplicationError(_("The submitted file is empty."), field="file")
    attachment = TicketAttachment(ticket=ticket, file=upload, uploaded_by=user, internal=internal)
    try:
        clean_attachment_size(upload)
        attachment.full_clean()
    except ValidationError as error:  # the file's type or size, as the shared validators word it
        raise ApplicationError(" ".join(error.messages), field="file") from None
    from .flows import TicketFlow

    with TicketFlow.lock(ticket.process_id):
        attachment.save()
        timeline_record(
            subject=ticket,
            action=TicketAction.ATTACHED,
            actor=user,
            data={"file": attachment.name, "internal": internal},
        )
    return attachment


# ---------------------------------------------------------------------------- complaints in the SI portal
def _si_process_id(user, ticket_pk: int) -> int:
    process_id = access.si_complaints(user).filter(pk=ticket_pk).values_list("process_id", flat=True).first()
    if process_id is None:  # not their company's: they never learn whether it exists
        raise PermissionDenied
    return process_id


def _si_complaint_locked(user, ticket_pk: int) -> TroubleTicket:
    """The partner's complaint, read again under its flow's lock; refused when it is not their company's, or not
    theirs to work now (resolved, escalated, closed meanwhile)."""
    ticket = access.si_complaints(user).select_related("customer", "si_company").filter(pk=ticket_pk).first()
    if ticket is None:
        raise PermissionDenied
    if not si_complaint_waiting(ticket):
        raise ApplicationError(_("This complaint is not waiting for your company any more; nothing was changed."))
    return ticket


def si_complaint_report_progress(*, user, ticket_pk: int, state: str, note: str) -> TroubleTicket:
    """The SI partner records progress on its complaint in the SI portal: a note, and held or worked on again."""
    from .flows import TicketFlow

    if state not in SI_PROGRESS_STATES:
        raise ApplicationError(_("Choose whether you work on it or hold it."), field="state")
    if not note.strip():
        raise ApplicationError(_("Write what was done or why it is held."), field="note")
    with TicketFlow.lock(_si_process_id(user, ticket_pk)):
        ticket = _si_complaint_locked(user, ticket_pk)
        if ticket.status != state:
            ticket_move(ticket=ticket, to=state, action=TicketAction.SI_PROGRESS, actor=user, reason=note.strip())
        else:
            timeline_record(subject=ticket, action=TicketAction.SI_PROGRESS, actor=user, reason=note.strip())
        ticket_progress_tell(ticket, telling.progress_of(state, note.strip()))
        ticket_sla_follow(ticket)
    return ticket


def si_complaint_resolve(*, user, ticket_pk: int, resolution: ResolutionCode | None, notes: str) -> TroubleTicket:
    """The SI partner proposes the resolution of its complaint in the SI portal; the account manager's callback is
    next, as for any complaint."""
    from viewflow.workflow.models import Task

    from .flows import TicketFlow

    if resolution is None or not resolution.is_active:
        raise ApplicationError(_("Choose how the complaint was resolved."), field="resolution")
    if not notes.strip():
        raise ApplicationError(_("Write what was done: the account manager tells the customer."), field="notes")
    with TicketFlow.lock(_si_process_id(user, ticket_pk)):
        ticket = _si_complaint_locked(user, ticket_pk)
        ticket.resolution_code, ticket.resolution_notes = resolution, notes.strip()
        ticket_move(
            ticket=ticket,
            to=Status.RESOLVED,
            action=TicketAction.RESOLVED,
            actor=user,
            reason=ticket.resolution_notes,
            data={"resolution": resolution.code, "si_company": ticket.si_company.code},
            also=("resolution_code", "resolution_notes"),
        )
        waiting = Task.objects.filter(
            process_id=ticket.process_id, flow_task=TicketFlow.await_si, status__in=OPEN_STATUSES
        )
        handle_run_first(TicketFlow.await_si, ticket.process_id, waiting, lambda task: {})
        ticket_sla_follow(ticket)
    return ticket


# ---------------------------------------------------------------------------- pending, and whose time it is
def ticket_set_pending(*, user, ticket_pk: int, party: str, reason: str) -> TroubleTicket:
    """The ticket waits for information, on the customer's side, ours or the peer's, with the reason (on the
    timeline). Only the customer's side pauses its clocks (`clocks`), up to each policy's cap."""
    if party not in TroubleTicket.PendingParty.values:
        raise ApplicationError(_("Choose whose side the ticket waits on."), field="party")
    if not reason.strip():
        raise ApplicationError(_("Write what the ticket waits for."), field="reason")
    with _ticket_locked(user, ticket_pk, access.may_set_pending) as ticket:
        if ticket.status == Status.PENDING:
            raise ApplicationError(_("The ticket is pending already; record first that what it waited for came."))
        ticket.pending_party, ticket.pending_reason = party, reason.strip()[:200]
        ticket.customer_pause_ended_at = None
        ticket_move(
            ticket=ticket,
            to=Status.PENDING,
            action=TicketAction.PENDING_SET,
            actor=user,
            reason=ticket.pending_reason,
            data={"party": party},
            also=("pending_party", "pending_reason", "customer_pause_ended_at"),
        )
        ticket_sla_follow(ticket)
    return ticket


def ticket_pending_end(*, user, ticket_pk: int, note: str = "") -> TroubleTicket:
    """What the ticket waited for came: it is worked again, and its clocks run."""
    with _ticket_locked(user, ticket_pk, access.may_set_pending) as ticket:
        if ticket.status != Status.PENDING or ticket.information_requests.filter(answered_at=None).exists():
            # EOMS's own question is answered on the account manager's step, which tells EOMS
            raise ApplicationError(_("This ticket is not waiting on anything you can record as come."))
        ticket.customer_pause_ended_at = None
        ticket_move(
            ticket=ticket,
            to=Status.IN_PROGRESS,
            action=TicketAction.PENDING_ENDED,
            actor=user,
            reason=note.strip(),
            data={"party": ticket.pending_party},
            also=("customer_pause_ended_at",),
        )
        ticket_sla_follow(ticket)
    return ticket


def ticket_end_customer_pause(*, user, ticket_pk: int, reason: str) -> TroubleTicket:
    """A supervisor ends the pause of a ticket waiting on the customer (past its cap, typically), with the reason
    (on the timeline): the ticket stays pending, its clocks run again from now (the SLA sweep resumes them)."""
    if not reason.strip():
        raise ApplicationError(_("Write why the pause ends."), field="reason")
    with _ticket_locked(user, ticket_pk, access.may_end_pause) as ticket:
        if not clocks.waits_on_customer(ticket):
            raise ApplicationError(_("This ticket's clocks are not paused on the customer's side."))
        now = timezone.now()
        ticket.customer_pause_ended_at = now
        ticket.save(update_fields=["customer_pause_ended_at", "updated_at"])
        ended = sla_pause_end(subject=ticket, steps=clocks.customer_steps_open(ticket), now=now)
        timeline_record(
            subject=ticket,
            action=TicketAction.PAUSE_ENDED,
            actor=user,
            reason=reason.strip(),
            data={"clocks": ended, "pending_reason": ticket.pending_reason},
        )
    return ticket

"""What a ticket is timed by, and whose time it is.

Beside the steps of its tasks, a ticket is timed by its promises to the customer (`promise_steps_open`): its
restoration or settlement; the dispatch to the peer until the peer accepts it; a fault's acknowledgement by EOMS
and its progress updates (each update told to the customer meets one and starts the next); a complaint's first
response. Its clocks pause only while it waits on the customer (with the reason, capped by each clock's policy),
and one clock per holding party (our desk, EOMS, the SI) runs while that party holds it, so that each restoration
shows where its time went."""

from datetime import timedelta

from sla.models import SlaClock
from sla.selectors import open_clock_states
from sla.services import SlaStatus, sla_clocks_pause, sla_clocks_resume

from .lifecycle import WORKING
from .models import HoldingParty, TroubleTicket

Status, PendingParty = TroubleTicket.Status, TroubleTicket.PendingParty
# The SLA step that times each holding party (a policy per step, level and product sets its limit).
PARTY_STEPS = {party: f"assurance.held_{party.value}" for party in HoldingParty}
_PARTY_STEPS = frozenset(PARTY_STEPS.values())
RUNNING, PAUSED = SlaClock.State.RUNNING, SlaClock.State.PAUSED
DISPATCH = "assurance.dispatch"
FIRST_RESPONSE = "assurance.first_response"
# Complaint routes handled outside our desk.
ROUTE_PARTIES = {TroubleTicket.Route.EOMS: HoldingParty.EOMS, TroubleTicket.Route.SI: HoldingParty.SI}


def resolution_step(ticket: TroubleTicket) -> str:
    """The SLA step that times the whole ticket until it is resolved: a fault's restoration by its level, a billing
    question's answer, else the settlement of a complaint."""
    if ticket.is_fault:
        return f"assurance.fault_{ticket.severity}"
    if ticket.type == TroubleTicket.Type.BILLING:
        return "assurance.billing"
    return "assurance.complaint"


def progress_step(ticket: TroubleTicket) -> str:
    """The SLA step within which the customer of a fault hears of its progress, by the fault's level."""
    return f"assurance.progress_{ticket.severity}"


def promise_steps_open(ticket: TroubleTicket) -> frozenset[str]:
    """The ticket-wide steps open now, whichever task it is in: what the customer was promised."""
    if ticket.status not in WORKING:
        return frozenset()
    steps = {resolution_step(ticket)}
    sent = ticket.dispatched_at is not None  # an incident's child is not: EOMS works the incident
    if sent and ticket.delivered_at is None:
        steps.add(DISPATCH)
    if ticket.is_fault and sent:
        steps.add(progress_step(ticket))
        if ticket.status == Status.ACKNOWLEDGED:  # EOMS has not taken it on yet
            steps.add(f"assurance.acknowledge_{ticket.severity}")
    elif not ticket.is_fault and ticket.first_response_at is None:
        steps.add(FIRST_RESPONSE)
    return frozenset(steps)


def holding_party(ticket: TroubleTicket) -> HoldingParty | None:
    """Who holds the ticket now: None while it waits on the customer or is no longer worked."""
    if ticket.status not in WORKING:
        return None
    outside = ROUTE_PARTIES.get(ticket.route) or (HoldingParty.EOMS if ticket.is_fault else None)
    if ticket.status == Status.PENDING:
        if ticket.pending_party == PendingParty.CUSTOMER:
            return None
        if ticket.pending_party == PendingParty.PEER:
            return outside or HoldingParty.EOMS
        return HoldingParty.DESK  # our side: the account manager or the desk owes the answer
    return outside or HoldingParty.DESK  # a fault sent to EOMS is EOMS's until it answers


def waits_on_customer(ticket: TroubleTicket) -> bool:
    """Pending on the customer, and no supervisor has ended the pause since."""
    return (
        ticket.status == Status.PENDING
        and ticket.pending_party == PendingParty.CUSTOMER
        and ticket.customer_pause_ended_at is None
    )


def party_steps_open(ticket: TroubleTicket, states: dict[str, str] | None = None) -> frozenset[str]:
    """The party steps to keep open beside the ticket's other steps: those of the parties that have held it in this
    round, and the holder's. `states`: the open clocks' states by step, when the caller knows them."""
    if ticket.status not in WORKING:
        return frozenset()
    holder = holding_party(ticket)
    held = (open_clock_states(ticket) if states is None else states).keys() & _PARTY_STEPS
    return frozenset(held | ({PARTY_STEPS[holder]} if holder else set()))


def customer_steps_open(ticket: TroubleTicket) -> set[str]:
    """The steps of the ticket's open clocks that keep the customer's promise (all but the parties')."""
    return set(open_clock_states(ticket).keys() - _PARTY_STEPS)


def ticket_clocks_hold(ticket: TroubleTicket, states: dict[str, str] | None = None) -> None:
    """After the clocks follow the steps: the customer's clocks pause while it waits on the customer (capped) and
    run otherwise; of the party clocks only the holder's runs. One read (none when the caller has the open clocks'
    `states` by step); a write only for a clock that changes."""
    if ticket.status not in WORKING:
        return
    states = open_clock_states(ticket) if states is None else states
    holder = holding_party(ticket)
    waits = waits_on_customer(ticket)
    running = {step for step, state in states.items() if state == RUNNING}
    customer_running = running - _PARTY_STEPS
    customer_paused = states.keys() - running - _PARTY_STEPS
    if waits and customer_running:
        sla_clocks_pause(subject=ticket, reason=ticket.pending_reason, capped=True, steps=customer_running)
    elif not waits and customer_paused:
        sla_clocks_resume(subject=ticket, steps=customer_paused)
    holding = {PARTY_STEPS[holder]} & states.keys() if holder else set()
    idle = (running & _PARTY_STEPS) - holding
    if idle:
        sla_clocks_pause(subject=ticket, reason="", capped=False, steps=idle)
    if holding - running:
        sla_clocks_resume(subject=ticket, steps=holding)


def where_time_went(statuses: list[SlaStatus]) -> list[tuple[str, timedelta]]:
    """Each holding party that held the ticket with the time it held it (all rounds), in the parties' order."""
    step_party = {step: party for party, step in PARTY_STEPS.items()}
    held: dict[HoldingParty, timedelta] = {}
    for status in statuses:
        party = step_party.get(status.clock.step)
        if party is not None:
            held[party] = held.get(party, timedelta(0)) + status.running_time
    return [(party.label, held[party]) for party in HoldingParty if party in held]

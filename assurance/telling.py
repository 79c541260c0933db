"""Telling the customer about their ticket (TMF681 messages through `keyaccounts.messaging`): acknowledged with its
number when it is reported, its progress (EOMS's, an SI's or a public note), restored when a fault is resolved,
"please confirm" when the account manager's confirmation or callback opens, and the reminder when the customer has
not answered.

Written to the ticket's reporting contact, in the channel and language the contact chose. A message that cannot be
written (no template in use, a value missing, no reporting contact) never holds the ticket up: the ticket's timeline
says why the customer was not told.
"""

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import get_language

from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.timeline import TimelineRow, timeline_event, timeline_save
from keyaccounts.messaging.events import MessageEvent
from keyaccounts.messaging.services import Send, messages_send

from .models import TroubleTicket
from .timeline import TicketAction

# How a moment reads in a message (the customer's local time, to the minute, in either language).
MOMENT = "%Y-%m-%d %H:%M"


class _InLanguage:
    """A value written when the message is rendered, in the receiver's language (messaging renders each message
    with the receiver's language active)."""

    def __init__(self, write):
        self.write = write

    def __str__(self) -> str:
        return self.write()


def _chinese() -> bool:
    return (get_language() or "").startswith("zh")


def services_named(services: list) -> _InLanguage:
    """The affected services: each product by its name in the message's language, with the service's number."""
    return _InLanguage(lambda: ("、" if _chinese() else ", ").join(f"{s.product.name} {s.number}" for s in services))


def moment(value) -> str:
    return timezone.localtime(value).strftime(MOMENT) if value else ""


def recipients_of(ticket: TroubleTicket) -> list:
    """Who is told: the contact who reported the ticket (contacts have no wider choice to be told yet)."""
    return [ticket.contact] if ticket.contact_id else []


def ticket_tell(ticket: TroubleTicket, event: str, **values) -> list:
    """Send the `event` message about the ticket to its recipients, in the caller's transaction. Refused by
    messaging (no template, a value missing) or nobody to tell: a line on the ticket's timeline instead."""
    return tickets_tell([ticket], event, lambda _ticket: values)[0]


def tickets_tell(tickets: list[TroubleTicket], event: str, values_of) -> list[list]:
    """`ticket_tell` for many tickets at once (an incident's children), `values_of(ticket)` the values each message
    shows: the messages, and the lines of those not told, each written in one statement. Returns each ticket's
    messages."""
    told = [ticket for ticket in tickets if recipients_of(ticket)]
    sends = []
    for ticket in told:
        services = getattr(ticket, "_services", None) or list(ticket.services.select_related("product").order_by("pk"))
        context = {
            "number": ticket.number,
            "customer": ticket.customer.name,
            "service": services_named(services),
            **values_of(ticket),
        }
        sends.append(Send(ticket, recipients_of(ticket), context))
    outcomes = dict(zip([t.pk for t in told], messages_send(event=event, sends=sends), strict=True))
    lines, sent = [], []
    for ticket in tickets:
        outcome = outcomes.get(ticket.pk)
        if outcome is None:
            lines.append(_not_told(ticket, event, "no_contact"))
        elif isinstance(outcome, ApplicationError):
            lines.append(_not_told(ticket, event, "refused", reason=str(outcome.message)))
        sent.append(outcome if isinstance(outcome, list) else [])
    timeline_save(lines)
    return sent


def _not_told(ticket: TroubleTicket, event: str, why: str, *, reason: str = "") -> TimelineRow:
    return timeline_event(
        subject_type_id=ContentType.objects.get_for_model(ticket).pk,
        subject_id=ticket.pk,
        action=TicketAction.CUSTOMER_NOT_TOLD,
        reason=reason,
        data={"event": event, "why": why},
    )


def tell_acknowledged(ticket: TroubleTicket, *, restore_by) -> None:
    tell_acknowledged_many([ticket], restore_by=lambda _ticket: restore_by)


def tell_acknowledged_many(tickets: list[TroubleTicket], *, restore_by) -> None:
    """Each ticket's customer is told it is on record, and by when it is restored (`restore_by(ticket)`)."""
    tickets_tell(tickets, MessageEvent.TICKET_ACKNOWLEDGED, lambda ticket: {"restore_by": moment(restore_by(ticket))})


def _resolution(ticket: TroubleTicket) -> _InLanguage:
    """What was done, as the customer is told it: the resolution's name (in the message's language) and the
    notes, or either."""
    code, notes = ticket.resolution_code, (ticket.resolution_notes or "").strip()
    return _InLanguage(lambda: " — ".join(part for part in (code.name if code else "", notes) if part))


def tell_resolved(ticket: TroubleTicket) -> None:
    """The confirmation or callback opens: a fault's customer is told it is restored; every customer is asked to
    confirm."""
    if ticket.is_fault:
        ticket_tell(ticket, MessageEvent.TICKET_RESTORED, resolution=_resolution(ticket))
    ticket_tell(ticket, MessageEvent.CONFIRMATION_REQUESTED, resolution=_resolution(ticket))


def progress_of(status: str, note: str) -> _InLanguage:
    """A status change as the customer is told it: the status's name in the message's language, with the note."""
    return _InLanguage(lambda: " — ".join(part for part in (str(TroubleTicket.Status(status).label), note) if part))


def tell_progress(ticket: TroubleTicket, progress) -> None:
    tell_progress_many([ticket], progress)


def tell_progress_many(tickets: list[TroubleTicket], progress) -> None:
    """Each ticket's customer hears of the same progress (an incident's, told to each of its children)."""
    tickets_tell(tickets, MessageEvent.TICKET_PROGRESS, lambda _ticket: {"progress": progress})


def tell_reminder(ticket: TroubleTicket) -> None:
    """The customer has not answered: "please confirm" again."""
    ticket_tell(ticket, MessageEvent.CONFIRMATION_REQUESTED, resolution=_resolution(ticket))

"""The trouble ticket's status (TMF621): the only place it changes, each change a line on the ticket's timeline.

A rejected resolution returns the ticket to inProgress (TMF621); EOMS's events move it only along `ALLOWED`
and only when newer than the last applied, so that an event arriving late never undoes a newer status.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.timeline import timeline_record
from sla.quality import quality_ticket_moved

from .models import TroubleTicket

Status = TroubleTicket.Status
WORKING = (Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.PENDING, Status.HELD)
ALLOWED = {
    (Status.ACKNOWLEDGED, Status.IN_PROGRESS),  # work started (EOMS, or the team a complaint is routed to)
    (Status.PENDING, Status.IN_PROGRESS),  # the information came
    (Status.HELD, Status.IN_PROGRESS),  # resumed
    (Status.ACKNOWLEDGED, Status.PENDING),  # waiting for information (whose side: `pending_party`)
    (Status.IN_PROGRESS, Status.PENDING),
    (Status.ACKNOWLEDGED, Status.HELD),  # held by whoever works it
    (Status.IN_PROGRESS, Status.HELD),
    # Resolved from any working status: a peer's events in between may be lost, its last is the truth.
    *((source, Status.RESOLVED) for source in WORKING),
    (Status.RESOLVED, Status.CLOSED),  # the customer accepted the resolution, or did not answer in time
    (Status.RESOLVED, Status.IN_PROGRESS),  # the customer rejected it: reopened
    *((source, Status.REJECTED) for source in WORKING),  # not ours to fix (EOMS: not a network fault)
    *((source, Status.CANCELLED) for source in WORKING),  # withdrawn, or a duplicate of another ticket
}
FINAL = (Status.CLOSED, Status.REJECTED, Status.CANCELLED)


def _label(status: str) -> str:
    return Status(status).label if status in Status.values else status


def ticket_create(**fields) -> TroubleTicket:
    """A new ticket, acknowledged: it is on record and someone will work it."""
    return TroubleTicket.objects.create(status=Status.ACKNOWLEDGED, **fields)


def ticket_may_move(ticket: TroubleTicket, to: str, *, event_time=None) -> bool:
    """Whether a move to `to` reported at `event_time` (None: now, by us) is legal and newer than the last."""
    if (ticket.status, to) not in ALLOWED:
        return False
    return event_time is None or ticket.last_event_at is None or event_time > ticket.last_event_at


def ticket_move(
    *,
    ticket: TroubleTicket,
    to: str,
    action: str,
    actor=None,
    reason: str = "",
    data: dict | None = None,
    event_time=None,
    also: tuple[str, ...] = (),
) -> None:
    """The ticket, locked by the caller, to status `to`, saved with the fields in `also`, on its timeline."""
    source = ticket.status
    if source in FINAL:
        raise ApplicationError(_("This ticket is finished; its status cannot change any more."))
    if (source, to) not in ALLOWED:
        raise ApplicationError(
            _("A ticket cannot go from %(source)s to %(target)s.") % {"source": _label(source), "target": _label(to)}
        )
    if not ticket_may_move(ticket, to, event_time=event_time):
        raise ApplicationError(_("A newer report of this ticket has been applied already."))
    ticket.status = to
    fields = ["status", "updated_at", *also]
    if event_time is not None:
        ticket.last_event_at = event_time
        fields.append("last_event_at")
    if to != Status.PENDING and ticket.pending_party:  # what it waited on came
        ticket.pending_party, ticket.pending_reason = "", ""
        fields += ["pending_party", "pending_reason"]
    if to == Status.RESOLVED:  # a new resolution: the customer is asked (and reminded) afresh
        ticket.resolved_at, ticket.reminded_at = timezone.now(), None
        fields += ["resolved_at", "reminded_at"]
    if to in FINAL:
        ticket.closed_at = timezone.now()
        fields.append("closed_at")
    ticket.save(update_fields=list(dict.fromkeys(fields)))
    timeline_record(
        subject=ticket, action=action, actor=actor, reason=reason, from_state=source, to_state=to, data=data or {}
    )
    if ticket.channel == TroubleTicket.Channel.NETWORK_QUALITY:  # the violation that opened it shows its status
        quality_ticket_moved(
            reference=ticket.number,
            status=to,
            reason=reason or (ticket.resolution_notes if to == Status.RESOLVED else ""),
        )

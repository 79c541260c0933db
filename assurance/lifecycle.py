"""The trouble ticket's status (TMF621): the only place it changes, each change a line on the ticket's timeline.

A rejected resolution returns the ticket to inProgress (TMF621); EOMS's events move it only along `ALLOWED`
and only when newer than the last applied, so that an event arriving late never undoes a newer status.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.timeline import timeline_event, timeline_record, timeline_save
from sla.quality import quality_ticket_moved

from .models import ServiceProblem, ServiceProblemTicket, TroubleTicket
from .timeline import ProblemAction

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
    if to in FINAL:
        problems_close_finished(ticket_pks=[ticket.pk])
    if ticket.channel == TroubleTicket.Channel.NETWORK_QUALITY:  # the violation that opened it shows its status
        quality_ticket_moved(
            reference=ticket.number,
            status=to,
            reason=reason or (ticket.resolution_notes if to == Status.RESOLVED else ""),
        )


def tickets_create(rows: list[TroubleTicket]) -> list[TroubleTicket]:
    """Many new tickets at once (an incident's children), acknowledged as `ticket_create` makes them."""
    for ticket in rows:
        ticket.status = Status.ACKNOWLEDGED
    return TroubleTicket.objects.bulk_create(rows)


def tickets_move(
    *, tickets: list[TroubleTicket], to: str, action: str, reason: str = "", data: dict | None = None, also=None
) -> list[TroubleTicket]:
    """`ticket_move` for many tickets locked by the caller (an incident's children): those that may move go to
    `to` in one statement, with the fields in `also` (field: value, the same for all), each with its timeline
    line; the others are returned untouched as they are."""
    from django.contrib.contenttypes.models import ContentType

    moving = [t for t in tickets if t.status not in FINAL and ticket_may_move(t, to)]
    now = timezone.now()
    sources = {t.pk: t.status for t in moving}
    values = {"status": to, "updated_at": now, **(also or {})}
    if to != Status.PENDING:  # what they waited on came
        values.update(pending_party="", pending_reason="")
    if to == Status.RESOLVED:  # a new resolution: the customers are asked (and reminded) afresh
        values.update(resolved_at=now, reminded_at=None)
    if to in FINAL:
        values["closed_at"] = now
    # The same values for every ticket: one UPDATE, not a CASE per row and field.
    TroubleTicket.objects.filter(pk__in=list(sources)).update(**values)
    for ticket in moving:
        for field, value in values.items():
            setattr(ticket, field, value)
    kind = ContentType.objects.get_for_model(TroubleTicket).pk
    timeline_save(
        [
            timeline_event(
                subject_type_id=kind,
                subject_id=t.pk,
                action=action,
                from_state=sources[t.pk],
                to_state=to,
                reason=reason,
                data=data or {},
            )
            for t in moving
        ]
    )
    for ticket in moving:
        if ticket.channel == TroubleTicket.Channel.NETWORK_QUALITY:
            quality_ticket_moved(reference=ticket.number, status=to, reason=reason)
    if to in FINAL:
        problems_close_finished(ticket_pks=list(sources))
    return moving


# ---------------------------------------------------------------------------- network incidents (TMF656)
Problem = ServiceProblem.Status
PROBLEM_WORKING = (Problem.ACKNOWLEDGED, Problem.IN_PROGRESS, Problem.PENDING, Problem.HELD)
PROBLEM_ALLOWED = {
    (Problem.ACKNOWLEDGED, Problem.IN_PROGRESS),
    (Problem.PENDING, Problem.IN_PROGRESS),
    (Problem.HELD, Problem.IN_PROGRESS),
    (Problem.IN_PROGRESS, Problem.PENDING),
    (Problem.IN_PROGRESS, Problem.HELD),
    *((source, Problem.RESOLVED) for source in PROBLEM_WORKING),
    *((source, Problem.CANCELLED) for source in PROBLEM_WORKING),
    (Problem.RESOLVED, Problem.CLOSED),
}


def problem_move(
    *, problem: ServiceProblem, to: str, action: str, actor=None, reason: str = "", data=None, also=()
) -> None:
    """The incident, locked by the caller, to status `to`, saved with the fields in `also`, on its timeline."""
    source = problem.status
    if (source, to) not in PROBLEM_ALLOWED:
        raise ApplicationError(
            _("An incident cannot go from %(source)s to %(target)s.")
            % {"source": Problem(source).label, "target": Problem(to).label}
        )
    problem.status = to
    problem.save(update_fields=list(dict.fromkeys(["status", "updated_at", *also])))
    timeline_record(
        subject=problem, action=action, actor=actor, reason=reason, from_state=source, to_state=to, data=data or {}
    )


def problems_close_finished(*, ticket_pks: list[int]) -> None:
    """The resolved incidents of these tickets, just finished, close once every child is finished: nothing of
    them is left for a customer to confirm. In the caller's transaction."""
    concerned = ServiceProblemTicket.objects.filter(ticket_id__in=ticket_pks).values("problem_id")
    for problem in ServiceProblem.objects.select_for_update().filter(pk__in=concerned, status=Problem.RESOLVED):
        if not TroubleTicket.objects.filter(problem_link__problem=problem).exclude(status__in=FINAL).exists():
            problem_move(problem=problem, to=Problem.CLOSED, action=ProblemAction.CLOSED)

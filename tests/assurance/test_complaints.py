"""The yellow channel: intake → triage by the city's assurance desk (duplicates offered and linked) → the team
a routing rule picks → a proposed resolution → the callback, where a rejection reopens and escalates."""

import pytest
from django.core.exceptions import PermissionDenied

from assurance.models import ResolutionCode, TroubleTicket
from assurance.services import ticket_record_decision, ticket_resolve, ticket_triage
from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.timeline import timeline_for
from sla.models import SlaClock

from .conftest import F, open_task, report

pytestmark = pytest.mark.django_db
Status = TroubleTicket.Status


def resolve(user, ticket, node, code="explained"):
    task = open_task(ticket, node)
    assert task is not None, f"no open {node.name} step"
    return ticket_resolve(
        user=user, task_pk=task.pk, resolution=ResolutionCode.objects.get(code=code), notes="Called and explained"
    )


def decide(manager, ticket, *, accepted, note="The line still drops every evening"):
    return ticket_record_decision(user=manager, task_pk=open_task(ticket, F.callback).pk, accepted=accepted, note=note)


def test_a_complaint_is_triaged_handled_by_the_city_desk_and_closed_when_the_customer_accepts(
    configured, manager, customer, desk, contact
):
    ticket = report(manager, customer, contact=contact)
    assert (ticket.status, ticket.severity, ticket.priority) == (Status.ACKNOWLEDGED, "normal", "medium")
    assert ticket.number.startswith("TT")
    triage = open_task(ticket, F.triage)
    assert triage.owner_id is None  # in the desk's queue
    ticket_triage(user=desk, task_pk=triage.pk, decision="accept")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.route) == (Status.IN_PROGRESS, TroubleTicket.Route.CITY_DESK)
    resolve(desk, ticket, F.handle)
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    callback = open_task(ticket, F.callback)
    assert callback.owner == manager  # the account manager calls the customer back
    decide(manager, ticket, accepted=True, note="Satisfied")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.customer_decision) == (Status.CLOSED, TroubleTicket.Decision.ACCEPTED)
    assert [(e.from_state, e.to_state) for e in timeline_for(ticket) if e.to_state] == [
        ("acknowledged", "inProgress"),
        ("inProgress", "resolved"),
        ("resolved", "closed"),
    ]
    # Every clock stopped with the ticket: triage, handling, settlement, callback.
    clocks = SlaClock.objects.filter(subject_id=ticket.pk, step__startswith="assurance.")
    assert {c.step for c in clocks} == {
        "assurance.triage",
        "assurance.handling",
        "assurance.complaint",
        "assurance.callback",
    }
    assert not clocks.filter(stopped_at=None).exists()


def test_a_billing_question_goes_to_the_provincial_billing_team_by_the_routing_rule(
    configured, manager, customer, desk, billing
):
    ticket = report(manager, customer, kind="billing", description="Charged twice in March")
    ticket_triage(user=desk, task_pk=open_task(ticket, F.triage).pk, decision="accept")
    ticket.refresh_from_db()
    assert ticket.route == TroubleTicket.Route.BILLING
    assert open_task(ticket, F.handle) is None
    with pytest.raises(PermissionDenied):  # the city desk does not handle billing
        resolve(desk, ticket, F.handle_billing)
    resolve(billing, ticket, F.handle_billing, code="bill-adjusted")
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED


def test_the_desk_is_offered_likely_duplicates_and_links_one_in_a_click(
    configured, manager, customer, desk, line, client
):
    first = report(manager, customer, services=[line], description="Invoices arrive late")
    second = report(manager, customer, description="Invoices late again")
    triage = open_task(second, F.triage)
    client.force_login(desk)
    page = client.get(f"/assurance/tickets/{second.pk}/tasks/{triage.pk}/")
    assert first.number in page.content.decode()  # offered as a likely duplicate
    response = client.post(
        f"/assurance/tickets/{second.pk}/tasks/{triage.pk}/", {"decision": "duplicate", "duplicate_of": first.pk}
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert (second.status, second.duplicate_of) == (Status.CANCELLED, first)
    assert [e.data for e in timeline_for(first) if e.action == "ticket.duplicate_received"] == [
        {"ticket": second.number}
    ]
    assert open_task(second, F.handle) is None
    assert open_task(first, F.triage) is not None  # the original goes on


def test_a_ticket_not_offered_cannot_be_linked_as_the_duplicate(configured, manager, customer, desk, user_in_role):
    ticket = report(manager, customer)
    closed_one = report(manager, customer, description="An older one")
    ticket_triage(user=desk, task_pk=open_task(closed_one, F.triage).pk, decision="accept")
    with pytest.raises(ApplicationError, match="offered as a likely duplicate"):
        ticket_triage(user=desk, task_pk=open_task(ticket, F.triage).pk, decision="duplicate", duplicate_of=ticket.pk)
    ticket.refresh_from_db()
    assert ticket.status == Status.ACKNOWLEDGED
    assert open_task(ticket, F.triage).status == "NEW"  # the refused decision left the step as it was


def test_rejections_reopen_the_complaint_and_escalate_at_the_second_and_third(
    configured, manager, customer, desk, supervisor, province
):
    ticket = report(manager, customer)
    ticket_triage(user=desk, task_pk=open_task(ticket, F.triage).pk, decision="accept")
    resolve(desk, ticket, F.handle)
    decide(manager, ticket, accepted=False)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.reopen_count, ticket.escalation) == (Status.IN_PROGRESS, 1, "")
    resolve(desk, ticket, F.handle)  # back with the desk, once
    decide(manager, ticket, accepted=False)
    ticket.refresh_from_db()
    assert (ticket.reopen_count, ticket.escalation, ticket.severity) == (2, "city", "escalated")
    assert open_task(ticket, F.handle) is None
    resolve(supervisor, ticket, F.supervise_city, code="compensated")
    decide(manager, ticket, accepted=False)
    ticket.refresh_from_db()
    assert (ticket.reopen_count, ticket.escalation) == (3, "province")
    resolve(province, ticket, F.supervise_province, code="compensated")
    decide(manager, ticket, accepted=True, note="Accepted the compensation")
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert [e.data["to"] for e in timeline_for(ticket) if e.action == "ticket.escalated"] == ["city", "province"]


def test_a_rejection_needs_the_customers_words_and_changes_nothing_without_them(configured, manager, customer, desk):
    ticket = report(manager, customer)
    ticket_triage(user=desk, task_pk=open_task(ticket, F.triage).pk, decision="accept")
    resolve(desk, ticket, F.handle)
    with pytest.raises(ApplicationError, match="does not accept"):
        decide(manager, ticket, accepted=False, note=" ")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.reopen_count) == (Status.RESOLVED, 0)

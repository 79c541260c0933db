"""A supervisor changes a fault's level with a reason: audited on the timeline, the priority follows and the
restoration is timed by the new level's limit from the report; anyone else, or no reason, changes nothing."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from assurance.models import TroubleTicket
from assurance.services import ticket_change_level
from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.roles import Role
from keyaccounts.core.timeline import timeline_for
from sla.models import SlaClock

from .conftest import report

pytestmark = pytest.mark.django_db


@pytest.fixture
def degraded(configured, manager, customer, line):
    """A level 2 fault: the line is degraded, not interrupted."""
    return report(manager, customer, kind="fault", services=[line], description="packet loss at night")


def restoration_clocks(ticket) -> dict[str, SlaClock]:
    return {c.step: c for c in SlaClock.objects.filter(subject_id=ticket.pk, step__startswith="assurance.fault_")}


def test_the_city_supervisor_raises_a_fault_to_level_1_and_the_clock_follows_the_new_limit(
    degraded, supervisor, client
):
    ticket = degraded
    assert (ticket.severity, ticket.priority) == ("level2", "medium")
    client.force_login(supervisor)
    page = client.get(reverse("assurance:detail", args=[ticket.pk])).content.decode()
    assert 'data-testid="level-change"' in page
    response = client.post(
        reverse("assurance:level_change", args=[ticket.pk]),
        {"severity": "level1", "reason": "The plant's production line stands still"},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.severity, ticket.priority) == ("level1", "critical")
    [line] = [e for e in timeline_for(ticket) if e.action == "ticket.level_changed"]
    assert (line.actor, line.reason, line.data) == (
        supervisor,
        "The plant's production line stands still",
        {"from": "level2", "to": "level1"},
    )
    clocks = restoration_clocks(ticket)
    # The level 1 limit (4 hours) counts from the report (the level 2 clock's start); the level 2 clock stopped.
    assert clocks["assurance.fault_level1"].stopped_at is None
    reported = clocks["assurance.fault_level2"].started_at
    assert reported - ticket.created_at < dt.timedelta(seconds=5)
    assert clocks["assurance.fault_level1"].due_at == reported + dt.timedelta(hours=4)
    assert clocks["assurance.fault_level2"].stopped_at is not None
    assert ticket.requested_resolution_date == clocks["assurance.fault_level1"].due_at
    page = client.get(reverse("assurance:detail", args=[ticket.pk])).content.decode()
    assert "Fault level changed by a supervisor" in page


def test_no_reason_the_same_level_or_another_kind_of_ticket_is_refused_and_changes_nothing(
    degraded, supervisor, manager, customer, client
):
    ticket = degraded
    for severity, reason, says in [
        ("level1", "  ", "Write why the level changes."),
        ("level2", "again", "The fault is at this level already."),
        ("escalated", "why not", "Choose level 1 or level 2."),
    ]:
        with pytest.raises(ApplicationError, match=says):
            ticket_change_level(user=supervisor, ticket_pk=ticket.pk, severity=severity, reason=reason)
    complaint = report(manager, customer)
    with pytest.raises(PermissionDenied):
        ticket_change_level(user=supervisor, ticket_pk=complaint.pk, severity="level1", reason="urgent")
    client.force_login(supervisor)
    client.post(reverse("assurance:level_change", args=[ticket.pk]), {"severity": "level1", "reason": ""})
    ticket.refresh_from_db()
    assert ticket.severity == "level2"
    assert not [e for e in timeline_for(ticket) if e.action == "ticket.level_changed"]
    assert set(restoration_clocks(ticket)) == {"assurance.fault_level2"}


def test_only_a_supervisor_of_the_tickets_city_or_of_the_province_changes_the_level(
    degraded, manager, province, user_in_role, other_city, client
):
    ticket = degraded
    far_supervisor = user_in_role(Role.CITY_SUPERVISOR, city=other_city, username="sup_jilin")
    url = reverse("assurance:level_change", args=[ticket.pk])
    client.force_login(manager)  # sees the ticket, may not change its level
    assert (
        'data-testid="level-change"' not in client.get(reverse("assurance:detail", args=[ticket.pk])).content.decode()
    )
    assert client.post(url, {"severity": "level1", "reason": "urgent"}).status_code == 403
    client.force_login(far_supervisor)  # does not even see it
    assert client.post(url, {"severity": "level1", "reason": "urgent"}).status_code == 404
    with pytest.raises(PermissionDenied):
        ticket_change_level(user=far_supervisor, ticket_pk=ticket.pk, severity="level1", reason="urgent")
    assert TroubleTicket.objects.get(pk=ticket.pk).severity == "level2"
    ticket_change_level(user=province, ticket_pk=ticket.pk, severity="level1", reason="Province: a hospital")
    assert TroubleTicket.objects.get(pk=ticket.pk).severity == "level1"

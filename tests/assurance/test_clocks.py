"""Whose time it is: a ticket's clocks pause only while it waits on the customer (with the reason, capped: past the
cap the city supervisor is told and may end the pause), paused time is shown apart from running time and kept
across a change of level, one clock per holding party shows where the time went, and a level-1 breach goes
straight to the province, e-mailed at any hour."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from assurance.models import TroubleTicket
from assurance.services import (
    ACCEPT,
    ticket_change_level,
    ticket_end_customer_pause,
    ticket_pending_end,
    ticket_set_pending,
    ticket_triage,
)
from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.models import Notification
from keyaccounts.core.notifications import notification_text, notifications_email_sweep
from keyaccounts.core.roles import Role
from keyaccounts.core.timeline import timeline_for
from sla.models import SlaClock, SlaPolicy, TimeBasis
from sla.services import sla_statuses_for
from sla.sweep import sla_pauses_sweep, sla_sweep

from .conftest import F, open_task, report

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # 09:00 in Changchun
HOUR, MINUTE = dt.timedelta(hours=1), dt.timedelta(minutes=1)
CUSTOMER, US, PEER = (
    TroubleTicket.PendingParty.CUSTOMER,
    TroubleTicket.PendingParty.US,
    TroubleTicket.PendingParty.PEER,
)


@pytest.fixture
def timed(configured):
    """The holding parties' clocks, and pauses capped at half the limit of the complaint and the faults."""
    for party, limit in [("desk", 2 * HOUR), ("eoms", 6 * HOUR), ("si", 8 * HOUR)]:
        SlaPolicy.objects.create(step=f"assurance.held_{party}", limit=limit, time_basis=TimeBasis.CALENDAR)
    SlaPolicy.objects.filter(
        step__in=["assurance.complaint", "assurance.fault_level1", "assurance.fault_level2"]
    ).update(pause_cap_percent=50)


def clocks_of(ticket) -> dict[str, SlaClock]:
    """The ticket's open clocks by step."""
    return {c.step: c for c in SlaClock.objects.filter(subject_id=ticket.pk, stopped_at=None)}


def handled_complaint(manager, customer, desk):
    """A complaint the desk took on: in progress with the desk's team."""
    ticket = report(manager, customer)
    ticket_triage(user=desk, task_pk=open_task(ticket, F.triage).pk, decision=ACCEPT)
    ticket.refresh_from_db()
    return ticket


def test_only_a_wait_on_the_customers_side_pauses_the_clocks_with_its_reason(timed, manager, customer, desk, client):
    with time_machine.travel(T0, tick=False) as now:
        ticket = handled_complaint(manager, customer, desk)
        assert {c.step: c.state for c in clocks_of(ticket).values()} == {
            "assurance.complaint": "running",
            "assurance.handling": "running",
            "assurance.held_desk": "running",
        }
        now.shift(HOUR)
        for party, holder in ((US, "assurance.held_desk"), (PEER, "assurance.held_eoms")):
            # our side or the peer's: the customer's promise keeps running, and the party's clock
            ticket_set_pending(user=desk, ticket_pk=ticket.pk, party=party, reason="waiting for the network team")
            clocks = clocks_of(ticket)
            assert (clocks["assurance.complaint"].state, clocks[holder].state) == ("running", "running")
            ticket_pending_end(user=desk, ticket_pk=ticket.pk)
        ticket_set_pending(user=manager, ticket_pk=ticket.pk, party=CUSTOMER, reason="the customer sends the bill copy")
        clocks = clocks_of(ticket)
        assert {c.step: c.state for c in clocks.values()} == {
            "assurance.complaint": "paused",
            "assurance.handling": "paused",
            "assurance.held_desk": "paused",  # nobody of ours holds it: the customer does
            "assurance.held_eoms": "paused",
        }
        assert clocks["assurance.complaint"].pause_reason == "the customer sends the bill copy"
        assert clocks["assurance.complaint"].pause_cap_at == T0 + HOUR + 24 * HOUR  # half of 48 hours
        assert clocks["assurance.held_desk"].pause_cap_at is None  # a party's wait is no customer pause
        [line] = [e for e in timeline_for(ticket) if e.action == "ticket.pending_set" and e.data["party"] == CUSTOMER]
        assert (line.actor, line.reason) == (manager, "the customer sends the bill copy")
        now.shift(2 * HOUR)
        client.force_login(desk)
        page = client.get(reverse("assurance:detail", args=[ticket.pk])).content.decode()
        assert "running 1 h 00 min · paused 2 h 00 min" in page
        assert "the customer sends the bill copy" in page
        ticket_pending_end(user=desk, ticket_pk=ticket.pk, note="the copy came")
        clock = clocks_of(ticket)["assurance.complaint"]
        assert (clock.state, clock.paused_before, clock.due_at) == ("running", 2 * HOUR, T0 + 50 * HOUR)


def test_bad_input_or_the_wrong_person_changes_nothing(timed, manager, customer, desk, supervisor, user_in_role):
    ticket = handled_complaint(manager, customer, desk)
    with pytest.raises(ApplicationError, match="Write what the ticket waits for"):
        ticket_set_pending(user=desk, ticket_pk=ticket.pk, party=CUSTOMER, reason=" ")
    with pytest.raises(ApplicationError, match="Choose whose side"):
        ticket_set_pending(user=desk, ticket_pk=ticket.pk, party="nobody", reason="why")
    with pytest.raises(ApplicationError, match="not paused on the customer's side"):
        ticket_end_customer_pause(user=supervisor, ticket_pk=ticket.pk, reason="enough")
    stranger = user_in_role(Role.ACCOUNT_MANAGER, username="am_other")
    with pytest.raises(PermissionDenied):
        ticket_set_pending(user=stranger, ticket_pk=ticket.pk, party=CUSTOMER, reason="why")
    ticket_set_pending(user=desk, ticket_pk=ticket.pk, party=CUSTOMER, reason="the bill copy")
    with pytest.raises(PermissionDenied):  # only a supervisor ends a customer's pause
        ticket_end_customer_pause(user=desk, ticket_pk=ticket.pk, reason="enough")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.customer_pause_ended_at) == ("pending", None)
    assert clocks_of(ticket)["assurance.complaint"].state == "paused"


def test_past_its_cap_the_city_supervisor_is_told_and_ends_the_pause_audited(
    timed, manager, customer, desk, supervisor, client
):
    with time_machine.travel(T0, tick=False) as now:
        ticket = handled_complaint(manager, customer, desk)
        ticket_set_pending(user=manager, ticket_pk=ticket.pk, party=CUSTOMER, reason="the customer is on holiday")
        now.shift(24 * HOUR - MINUTE)
        assert sla_pauses_sweep() == {"pauses_ended": 0, "pauses_capped": 0}
        now.shift(MINUTE)
        assert sla_pauses_sweep()["pauses_capped"] == 1  # the complaint's clock; the handling step has no cap
        assert sla_pauses_sweep()["pauses_capped"] == 0  # told once
        [told] = Notification.objects.filter(kind=Notification.Kind.PAUSE_CAP)
        assert told.recipient == supervisor
        assert told.url == reverse("assurance:detail", args=[ticket.pk])
        assert ticket.number in notification_text(told)
        assert "the customer is on holiday" in notification_text(told)
        client.force_login(supervisor)
        page = client.get(reverse("assurance:detail", args=[ticket.pk])).content.decode()
        assert 'data-testid="pause-past-cap"' in page
        assert 'data-testid="pause-end-form"' in page
        now.shift(HOUR)
        response = client.post(reverse("assurance:pause_end", args=[ticket.pk]), {"reason": "25 hours is enough"})
        assert response.status_code == 302
        [line] = [e for e in timeline_for(ticket) if e.action == "ticket.pause_ended"]
        assert (line.actor, line.reason) == (supervisor, "25 hours is enough")
        now.shift(10 * MINUTE)  # the sweep comes a little later and resumes from the supervisor's moment
        assert sla_pauses_sweep()["pauses_ended"] == 2
        clock = clocks_of(ticket)["assurance.complaint"]
        assert (clock.state, clock.paused_before, clock.running_since) == ("running", 25 * HOUR, T0 + 25 * HOUR)
        ticket.refresh_from_db()
        assert ticket.status == "pending"  # still waiting on the customer, but no longer on the customer's time
        page = client.get(reverse("assurance:detail", args=[ticket.pk])).content.decode()
        assert 'data-testid="pause-end-form"' not in page


def test_a_change_of_level_keeps_the_time_used_and_paused(timed, manager, customer, line, supervisor):
    with time_machine.travel(T0, tick=False) as now:
        ticket = report(manager, customer, kind="fault", services=[line], description="packet loss at night")
        assert ticket.severity == "level2"  # 8 hours
        now.shift(HOUR)
        ticket_set_pending(user=manager, ticket_pk=ticket.pk, party=CUSTOMER, reason="the machine room is locked")
        now.shift(2 * HOUR)
        ticket_pending_end(user=manager, ticket_pk=ticket.pk)
        now.shift(HOUR)
        ticket_set_pending(user=manager, ticket_pk=ticket.pk, party=CUSTOMER, reason="locked again")
        now.shift(HOUR)
        ticket_change_level(user=supervisor, ticket_pk=ticket.pk, severity="level1", reason="production stopped")
        clock = clocks_of(ticket)["assurance.fault_level1"]
        # 2 hours ran and 2 paused before this pause, which goes on under the level-1 limit (4 hours, cap 2 hours)
        assert (clock.consumed, clock.paused_before, clock.state) == (2 * HOUR, 2 * HOUR, "paused")
        assert (clock.started_at, clock.paused_at, clock.pause_reason) == (T0, T0 + 4 * HOUR, "locked again")
        assert clock.pause_cap_at == T0 + 4 * HOUR  # the level-1 cap is spent already: the supervisor hears now
        now.shift(HOUR)
        ticket_pending_end(user=manager, ticket_pk=ticket.pk)
        [status] = [s for s in sla_statuses_for(ticket) if s.clock.step == "assurance.fault_level1"]
        assert (status.running_time, status.paused_time) == (2 * HOUR, 4 * HOUR)
        assert status.clock.due_at == T0 + 6 * HOUR + 2 * HOUR


def test_the_party_clocks_add_up_to_where_the_time_went(timed, manager, customer, line, client):
    with time_machine.travel(T0, tick=False) as now:
        ticket = report(manager, customer, kind="fault", services=[line], description="line down", interruption=True)
        now.shift(2 * HOUR)  # EOMS held it from the report
        ticket_set_pending(user=manager, ticket_pk=ticket.pk, party=US, reason="we find the site contact")
        now.shift(30 * MINUTE)  # our desk
        ticket_pending_end(user=manager, ticket_pk=ticket.pk)
        now.shift(30 * MINUTE)  # EOMS again
        ticket_set_pending(user=manager, ticket_pk=ticket.pk, party=CUSTOMER, reason="the gate is closed")
        now.shift(HOUR)  # the customer's
        ticket_pending_end(user=manager, ticket_pk=ticket.pk)
        now.shift(HOUR)  # EOMS
        statuses = sla_statuses_for(ticket)
        held = {s.clock.step: s.running_time for s in statuses if s.clock.step.startswith("assurance.held_")}
        assert held == {"assurance.held_eoms": 3 * HOUR + 30 * MINUTE, "assurance.held_desk": 30 * MINUTE}
        [restoration] = [s for s in statuses if s.clock.step == "assurance.fault_level1"]
        assert (restoration.running_time, restoration.paused_time) == (4 * HOUR, HOUR)
        assert sum(held.values(), dt.timedelta(0)) + restoration.paused_time == 5 * HOUR  # every minute accounted
        client.force_login(manager)
        page = client.get(reverse("assurance:detail", args=[ticket.pk])).content.decode()
        assert "Where the time went" in page
        assert "Our desk 0 h 30 min" in page
        assert "EOMS 3 h 30 min" in page
        page = client.get(
            reverse("assurance:detail", args=[ticket.pk]), headers={"accept-language": "zh-hans"}
        ).content.decode()
        assert "时间花在哪里" in page
        assert "我方受理台 0 小时 30 分" in page


def test_a_level_1_breach_goes_straight_to_the_province_e_mailed_at_any_hour(
    timed, manager, customer, line, supervisor, province
):
    SlaPolicy.objects.filter(step="assurance.fault_level1").update(
        escalate_to=SlaPolicy.Escalation.PROVINCIAL_SUPERVISOR, email_any_time=True
    )
    province.email = "province@example.com"
    province.save()
    night = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)  # 23:00 in Changchun
    with time_machine.travel(night, tick=False) as now:
        ticket = report(manager, customer, kind="fault", services=[line], description="line down", interruption=True)
        assert ticket.severity == "level1"
        now.shift(4 * HOUR + MINUTE)  # 03:01: past the 4-hour limit
        assert sla_sweep()["breaches"] == 1
        breached = Notification.objects.filter(kind=Notification.Kind.SLA_BREACH)
        assert province in [n.recipient for n in breached]
        assert supervisor not in [n.recipient for n in breached]  # straight to the province
        [to_province] = breached.filter(recipient=province)
        assert to_province.email_after == night + 4 * HOUR + MINUTE  # at 03:01, not when work resumes
        notifications_email_sweep()
    [sent] = [m for m in mail.outbox if m.to == ["province@example.com"]]
    assert ticket.number in sent.body

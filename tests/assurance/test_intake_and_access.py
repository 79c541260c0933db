"""Intake: the fault-level rule an administrator edits, the priority, and bad input refused with a clear message
and nothing changed; who sees a ticket: nobody outside its city unless provincial."""

import pytest
from django.urls import reverse

from assurance.models import FaultLevelRule, TroubleTicket
from assurance.services import ticket_record_decision, ticket_triage
from keyaccounts.catalogue.models import Service
from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.models import Team
from keyaccounts.core.roles import Role
from tests.factories import TeamFactory

from .conftest import F, open_task, report, running_service

pytestmark = pytest.mark.django_db


def test_the_fault_level_comes_from_the_rules_an_administrator_edits(configured, manager, customer, catalogue, line):
    sms = running_service(customer, catalogue["T3"])
    vpmn = running_service(customer, catalogue["T1"])
    interrupted_line = report(manager, customer, kind="fault", services=[line], interruption=True)
    degraded_line = report(manager, customer, kind="fault", services=[line], interruption=False)
    three = report(manager, customer, kind="fault", services=[line, sms, vpmn])
    interrupted_sms = report(manager, customer, kind="fault", services=[sms], interruption=True)
    assert [t.severity for t in (interrupted_line, degraded_line, three, interrupted_sms)] == [
        "level1",
        "level2",
        "level1",
        "level2",
    ]
    assert (degraded_line.priority, interrupted_line.priority) == ("medium", "critical")
    # A level-A customer's interruption is level 1 whatever the product: the rule is data.
    customer.level = "A"
    customer.save(update_fields=["level"])
    assert report(manager, customer, kind="fault", services=[sms], interruption=True).severity == "level1"
    FaultLevelRule.objects.filter(customer_level="A").update(is_active=False)
    assert report(manager, customer, kind="fault", services=[sms], interruption=True).severity == "level2"


def test_the_ticket_page_names_the_level_rule_in_the_readers_language(configured, manager, customer, line, client):
    ticket = report(manager, customer, kind="fault", services=[line], interruption=True)
    client.force_login(manager)
    url = reverse("assurance:detail", args=[ticket.pk])
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Level set by the rule: Interruption of an internet dedicated line" in english
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "互联网专线中断" in chinese
    assert "Interruption of an internet dedicated line" not in chinese


def test_bad_input_is_refused_with_a_clear_message_and_changes_nothing(
    configured, manager, customer, other_customer, catalogue, line
):
    elsewhere = running_service(other_customer, catalogue["T2"])
    ended = running_service(customer, catalogue["T2"])
    Service.objects.filter(pk=ended.pk).update(status=Service.Status.TERMINATED)
    cases = [
        ({"kind": "fault", "services": [elsewhere]}, "Only running services of this customer"),
        ({"kind": "fault", "services": [ended]}, "Only running services of this customer"),
        ({"kind": "outage"}, "Choose what kind of ticket"),
        ({"kind": "fault", "services": []}, "at least one running service"),
        ({"kind": "complaint", "description": "  "}, "Describe the fault or complaint"),
    ]
    for fields, message in cases:
        with pytest.raises(ApplicationError, match=message):
            report(manager, customer, **fields)
    assert not TroubleTicket.objects.exists()


def test_the_report_page_shows_the_refusal_on_the_form(
    configured, manager, customer, other_customer, catalogue, client
):
    elsewhere = running_service(other_customer, catalogue["T2"])
    client.force_login(manager)
    url = reverse("assurance:report", args=[customer.pk])
    page = client.post(url, {"type": "fault", "services": [elsewhere.pk], "description": "down"})
    assert page.status_code == 200
    assert "Only running services of this customer can be affected." in page.content.decode()
    page = client.post(url, {"type": "outage", "description": "down"})
    assert "Choose one of the ticket types offered." in page.content.decode()
    assert not TroubleTicket.objects.exists()


def test_a_second_confirmation_is_refused_and_changes_nothing(configured, manager, customer, desk):
    ticket = report(manager, customer)
    ticket_triage(user=desk, task_pk=open_task(ticket, F.triage).pk, decision="accept")
    from .test_complaints import resolve

    resolve(desk, ticket, F.handle)
    callback = open_task(ticket, F.callback)
    ticket_record_decision(user=manager, task_pk=callback.pk, accepted=True)
    with pytest.raises(ApplicationError, match="already completed"):
        ticket_record_decision(user=manager, task_pk=callback.pk, accepted=False, note="changed my mind")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.reopen_count, ticket.customer_decision) == ("closed", 0, "accepted")


def test_the_account_manager_reports_from_the_customer_page_and_sees_the_open_ticket_there(
    configured, manager, customer, line, client
):
    client.force_login(manager)
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert reverse("assurance:report", args=[customer.pk]) in page
    response = client.post(
        reverse("assurance:report", args=[customer.pk]),
        {"type": "fault", "services": [line.pk], "interruption": "on", "description": "Line down since 9:00"},
    )
    ticket = TroubleTicket.objects.get()
    assert response.url == reverse("assurance:detail", args=[ticket.pk])
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert ticket.number in page
    page = client.get(response.url).content.decode()
    for shown in ("Level 1 fault", "Ticket reported", "Sent to EOMS", "Level 1 fault restoration"):
        assert shown in page
    tracking = client.get(reverse("process", args=[ticket.process_id]))  # the chart, steps and chain
    assert tracking.status_code == 200
    assert ticket.number in tracking.content.decode()


def test_nobody_sees_a_ticket_outside_their_city_unless_provincial(
    configured, manager, customer, desk, province, user_in_role, other_city, client
):
    ticket = report(manager, customer)
    url = reverse("assurance:detail", args=[ticket.pk])
    outsiders = [
        user_in_role(Role.ACCOUNT_MANAGER, city=other_city, username="am_other"),
        user_in_role(Role.BACK_OFFICE, city=other_city, username="bo_other"),
        user_in_role(Role.CITY_SUPERVISOR, city=other_city, username="sup_other"),
    ]
    for user in outsiders:
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert (
            client.get(reverse("assurance:task", args=[ticket.pk, open_task(ticket, F.triage).pk])).status_code == 404
        )
    for user in (manager, desk, province):
        client.force_login(user)
        assert client.get(url).status_code == 200
    client.force_login(desk)
    assert client.get(reverse("assurance:task", args=[ticket.pk, open_task(ticket, F.triage).pk])).status_code == 200
    client.force_login(manager)  # sees the ticket, but triage is the desk's
    assert client.get(reverse("assurance:task", args=[ticket.pk, open_task(ticket, F.triage).pk])).status_code == 403


def test_the_desk_finds_the_triage_in_its_inbox_queue(
    configured, manager, customer, desk, user_in_role, other_city, client
):
    ticket = report(manager, customer)
    client.force_login(desk)
    triage = reverse("assurance:task", args=[ticket.pk, open_task(ticket, F.triage).pk])
    assert triage in client.get(reverse("inbox") + "?view=queue").content.decode()
    far_desk = user_in_role(
        Role.BACK_OFFICE, city=other_city, teams=[TeamFactory(city=other_city, kind=Team.Kind.ASSURANCE_DESK)]
    )
    client.force_login(far_desk)
    assert triage not in client.get(reverse("inbox") + "?view=queue").content.decode()

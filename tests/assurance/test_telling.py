"""Telling the customer about their ticket: the reporting contact is told, in the channel and language they chose,
that the ticket is acknowledged (with its number and the promised time), that a fault is restored, and asked to
confirm when the confirmation or callback opens; a message that cannot be written never holds the ticket up."""

import pytest
from django.urls import reverse
from django.utils import timezone

from assurance.models import TroubleTicket
from assurance.services import ticket_record_decision, ticket_triage
from keyaccounts.core.timeline import timeline_for
from keyaccounts.messaging.models import CommunicationMessage, MessageTemplate
from keyaccounts.messaging.selectors import messages_of
from keyaccounts.peers.models import OutboxMessage
from tests.messaging.conftest import at_gateway, gateway, templates  # noqa: F401
from tests.processes import wait_for

from .conftest import F, open_task, report
from .test_complaints import resolve
from .test_faults import at_eoms, listening, task_of  # noqa: F401

Status = TroubleTicket.Status
State = CommunicationMessage.State


def sent(ticket) -> list[tuple[str, str, str]]:
    return [(m.event, m.message_type, m.language) for m in messages_of(ticket)]


def not_told(ticket) -> list[tuple[str, str, str]]:
    return [
        (e.data["event"], e.data["why"], e.reason)
        for e in timeline_for(ticket)
        if e.action == "ticket.customer_not_told"
    ]


@pytest.fixture
def smith(customer):
    """A contact who chose e-mail in English."""
    from customers.models import Contact

    return Contact.objects.create(
        customer=customer,
        name="John Smith",
        role="CIO",
        phone="13904319999",
        email="js@example.com",
        preferred_channel="email",
        preferred_language="en",
    )


@pytest.mark.django_db(transaction=True)
def test_a_reported_fault_is_acknowledged_to_its_contact_then_restored_and_confirmed_over_the_gateway(
    listening,  # noqa: F811
    gateway,  # noqa: F811
    celery_worker_process,
    templates,  # noqa: F811
    configured,
    manager,
    customer,
    line,
    smith,
):
    ticket = report(
        manager, customer, kind="fault", services=[line], interruption=True, contact=smith, description="Line down"
    )
    (acknowledged,) = messages_of(ticket)
    promised = timezone.localtime(ticket.requested_resolution_date).strftime("%Y-%m-%d %H:%M")
    assert (acknowledged.event, acknowledged.message_type, acknowledged.language) == (
        "ticket_acknowledged",
        "email",
        "en",
    )
    assert acknowledged.title == f"Ticket {ticket.number} acknowledged"
    assert acknowledged.content == (
        f"Dear John Smith, we have received the report of {customer.name} about {line.product.name_en} "
        f"{line.number} as ticket {ticket.number} and will resolve it by {promised}."
    )
    # The worker delivers it to the gateway, whose report comes back; EOMS restores the line meanwhile.
    wait_for(lambda: CommunicationMessage.objects.get(pk=acknowledged.pk).state == State.COMPLETED, timeout=40)
    wait_for(task_of(ticket, F.confirm), timeout=40)
    assert sent(ticket) == [
        ("ticket_acknowledged", "email", "en"),
        ("ticket_progress", "email", "en"),  # EOMS took it on
        ("ticket_restored", "email", "en"),
        ("confirmation_requested", "email", "en"),
    ]
    progress, restored = messages_of(ticket)[1:3]
    assert (
        progress.content
        == f"Dear John Smith, ticket {ticket.number} ({line.product.name_en} {line.number}): In progress"
    )
    assert restored.title == f"Service restored: ticket {ticket.number}"
    assert restored.content.startswith(f"Dear John Smith, {line.product.name_en} {line.number} is restored")
    wait_for(lambda: not messages_of(ticket).exclude(state=State.COMPLETED).exists(), timeout=40)
    stub = at_gateway(gateway)
    assert all(stub["deliveries"][m.reference] == 1 for m in messages_of(ticket))
    actions = [e.action for e in timeline_for(ticket)]
    assert actions.count("message.sent") == 4
    assert actions.count("message.delivered") == 4
    assert not not_told(ticket)
    ticket_record_decision(user=manager, task_pk=open_task(ticket, F.confirm).pk, accepted=True)
    wait_for(lambda: at_eoms(listening, ticket)["status"] == "closed", timeout=30)


@pytest.mark.django_db
def test_a_complaint_is_acknowledged_in_chinese_and_the_callback_asks_to_confirm_without_a_restored_message(
    templates,  # noqa: F811
    configured,
    manager,
    customer,
    desk,
    contact,
    client,
):
    ticket = report(manager, customer, contact=contact)
    (acknowledged,) = messages_of(ticket)
    assert (acknowledged.message_type, acknowledged.language) == ("sms", "zh-hans")
    assert acknowledged.content.startswith(f"王强您好：{customer.name}报告的")
    assert f"单号 {ticket.number}" in acknowledged.content
    assert OutboxMessage.objects.filter(external_id=f"{acknowledged.reference}-1", peer="gateway").exists()
    ticket_triage(user=desk, task_pk=open_task(ticket, F.triage).pk, decision="accept")
    assert len(messages_of(ticket)) == 1  # triage and routing tell the customer nothing
    resolve(desk, ticket, F.handle)
    assert sent(ticket) == [("ticket_acknowledged", "sms", "zh-hans"), ("confirmation_requested", "sms", "zh-hans")]
    asked = messages_of(ticket)[1]
    assert asked.content == (
        f"王强您好：单号 {ticket.number} 已处理（已向客户解释 — Called and explained），请回复客户经理确认是否恢复正常。"
    )
    # The ticket's page shows the messages to whoever sees the ticket.
    client.force_login(manager)
    page = client.get(ticket.get_absolute_url())
    assert page.status_code == 200
    assert asked.reference in page.content.decode()


@pytest.mark.django_db
def test_a_missing_template_or_contact_never_holds_the_ticket_up_and_the_timeline_says_so(
    templates,  # noqa: F811
    configured,
    manager,
    customer,
    desk,
    contact,
    client,
):
    MessageTemplate.objects.filter(event="ticket_acknowledged", channel="sms").delete()
    ticket = report(manager, customer, contact=contact)
    assert ticket.status == Status.ACKNOWLEDGED
    assert open_task(ticket, F.triage) is not None  # the flow went on
    assert not messages_of(ticket).exists()
    assert not OutboxMessage.objects.filter(peer="gateway").exists()
    ((event, why, reason),) = not_told(ticket)
    assert (event, why) == ("ticket_acknowledged", "refused")
    assert "No message template in use for “Ticket acknowledged” by SMS" in reason

    anonymous = report(manager, customer, description="Nobody named")  # no reporting contact
    assert not messages_of(anonymous).exists()
    assert not_told(anonymous) == [("ticket_acknowledged", "no_contact", "")]
    # The ticket's page says so, in English and in Chinese.
    client.force_login(manager)
    page = client.get(anonymous.get_absolute_url()).content.decode()
    assert "The customer was not told" in page
    assert "The ticket has no reporting contact to write to." in page
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    page = client.get(anonymous.get_absolute_url()).content.decode()
    assert "未能通知客户" in page
    assert "该工单没有可通知的报障联系人。" in page

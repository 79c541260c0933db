"""Writing to a customer: each contact in the channel and language they chose, from the administrator's
templates, queued in the outbox with the step that sends it; the gateway's reports applied once."""

import pytest
from django.utils import timezone

from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.timeline import timeline_for
from keyaccounts.messaging.events import MessageEvent
from keyaccounts.messaging.models import CommunicationMessage, DeliveryReport, MessageTemplate
from keyaccounts.messaging.services import message_send
from keyaccounts.peers.inbound import event_receive, events_apply
from keyaccounts.peers.models import OutboxMessage

from .conftest import acknowledged, contact

pytestmark = pytest.mark.django_db
State = CommunicationMessage.State


def test_each_contact_is_written_to_in_the_channel_and_language_they_chose(templates, customer):
    wang = contact(customer, "王强")  # today's default: SMS, in Chinese
    smith = contact(customer, "John Smith", channel="email", language="en", email="js@example.com", phone="13904319999")
    by_sms, by_email = acknowledged(customer, wang, smith)

    assert (by_sms.message_type, by_sms.language, by_sms.title) == ("sms", "zh-hans", "")
    assert by_sms.content == (
        "王强您好：长春一汽物流有限公司报告的SV000007问题已受理，单号 TT000042，我们将在 2026-12-08 18:00 前处理完毕。"
    )
    assert (by_email.message_type, by_email.language) == ("email", "en")
    assert by_email.title == "Ticket TT000042 acknowledged"
    assert by_email.content.startswith("Dear John Smith, we have received the report of 长春一汽物流有限公司")
    # On the wire: TMF681, one outbox row per message's first attempt, addressed by its channel.
    sms = OutboxMessage.objects.get(external_id=f"{by_sms.reference}-1")
    email = OutboxMessage.objects.get(external_id=f"{by_email.reference}-1")
    assert (sms.peer, sms.resource, sms.status) == ("gateway", "communicationMessage", "pending")
    assert sms.payload["messageType"] == "SMS"
    assert sms.payload["receiver"][0]["phoneNumber"] == "13904310000"
    assert (email.payload["messageType"], email.payload["subject"]) == ("Email", "Ticket TT000042 acknowledged")
    assert email.payload["receiver"][0]["email"] == "js@example.com"
    assert {m.subject for m in (by_sms, by_email)} == {customer}
    sent = [e.data for e in timeline_for(customer) if e.action == "message.sent"]
    assert sent == [
        {"message": by_sms.reference, "event": "ticket_acknowledged", "channel": "sms", "receiver": "王强"},
        {"message": by_email.reference, "event": "ticket_acknowledged", "channel": "email", "receiver": "John Smith"},
    ]


def test_a_language_without_a_template_falls_back_to_the_other_and_an_unwritten_kind_is_refused(templates, customer):
    MessageTemplate.objects.filter(language="en", channel="sms").delete()
    smith = contact(customer, "John Smith", language="en")
    (message,) = acknowledged(customer, smith)
    assert (message.message_type, message.language) == ("sms", "zh-hans")  # Chinese beats no message at all

    MessageTemplate.objects.filter(event=MessageEvent.TICKET_ACKNOWLEDGED, channel="sms").delete()
    with pytest.raises(ApplicationError, match="No message template in use for “Ticket acknowledged” by SMS"):
        acknowledged(customer, smith)
    assert CommunicationMessage.objects.count() == OutboxMessage.objects.count() == 1


def test_a_message_missing_a_value_its_kind_offers_is_refused_and_nothing_is_stored(templates, customer):
    with pytest.raises(ApplicationError, match="needs number, restore_by"):
        message_send(
            subject=customer,
            event=MessageEvent.TICKET_ACKNOWLEDGED,
            recipients=[contact(customer, "王强")],
            context={"customer": customer.name, "service": "SV000007"},
        )
    assert not CommunicationMessage.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_a_message_leaves_only_when_its_transaction_commits(templates, customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        (message,) = acknowledged(customer, contact(customer, "王强"))
        # Written with the step, waiting: nothing was handed to a worker yet.
        assert OutboxMessage.objects.get(external_id=f"{message.reference}-1").status == "pending"
        assert callbacks == []
    assert len(callbacks) == 1  # the hand-over to the worker is what commits


def report(message, state: str, *, event_id: str, attempt: int = 1, reason: str = ""):
    """The gateway's delivery report as the listener stores it."""
    detail = {"externalId": f"{message.reference}-{attempt}", "state": state}
    if reason:
        detail["statusChangeReason"] = reason
    body = {
        "eventId": event_id,
        "eventType": "CommunicationMessageStateChangeEvent",
        "eventTime": timezone.now().isoformat(),
        "event": {"communicationMessage": detail},
    }
    return event_receive(peer="gateway", body=body)[0]


def test_a_report_sent_twice_changes_nothing_the_second_time(templates, customer):
    (message,) = acknowledged(customer, contact(customer, "王强"))
    taken = report(message, "inProgress", event_id="g-1")
    delivered = report(message, "completed", event_id="g-2")
    again = report(message, "completed", event_id="g-3")  # the same report under a new event id
    events_apply()
    message.refresh_from_db()
    lines = [e for e in timeline_for(customer) if e.action == "message.delivered"]
    for event in (taken, delivered, again):
        event.refresh_from_db()
    assert message.state == State.COMPLETED
    assert [(r.attempt, r.state) for r in message.reports.all()] == [(1, "inProgress"), (1, "completed")]
    assert len(lines) == 1
    assert (taken.outcome, delivered.outcome, again.outcome) == (
        "applied: inProgress",
        "applied: completed",
        "ignored: reported already",
    )
    late = report(message, "inProgress", event_id="g-4", attempt=1)
    report(message, "failed", event_id="g-5", reason="late")
    events_apply()
    message.refresh_from_db()
    late.refresh_from_db()
    assert message.state == State.COMPLETED  # a delivered message stays delivered
    assert late.outcome == "ignored: reported already"
    assert DeliveryReport.objects.filter(message=message).count() == 3  # the late failure is on record, no more


def test_a_failed_delivery_is_sent_again_after_the_outbox_backoff(templates, customer):
    (message,) = acknowledged(customer, contact(customer, "王强"))
    report(message, "inProgress", event_id="g-1")
    report(message, "failed", event_id="g-2", reason="handset unreachable")
    events_apply()
    message.refresh_from_db()
    retry = OutboxMessage.objects.get(external_id=f"{message.reference}-2")
    assert (message.state, message.attempts, message.last_error) == (State.INITIAL, 2, "handset unreachable")
    assert retry.payload["tryTimes"] == 2
    assert retry.status == "pending"
    assert retry.next_attempt_at > timezone.now()
    (line,) = [e for e in timeline_for(customer) if e.action == "message.retried"]
    assert (line.data["attempt"], line.data["reason"]) == (1, "handset unreachable")
    # The first attempt's late report does not move the second.
    stale = report(message, "completed", event_id="g-3")
    events_apply()
    stale.refresh_from_db()
    message.refresh_from_db()
    assert (message.state, stale.outcome) == (State.INITIAL, "recorded: a report of an earlier attempt")


def test_a_record_without_a_timeline_gets_messages_but_no_lines(templates, customer):
    other = contact(customer, "王强")  # a contact keeps no timeline of its own
    (message,) = message_send(
        subject=other,
        event=MessageEvent.TICKET_PROGRESS,
        recipients=[other],
        context={"number": "TT1", "customer": customer.name, "service": "SV1", "progress": "engineer on site"},
    )
    assert message.on_timeline is False
    assert message.content == "王强您好：单号 TT1 进展：engineer on site"
    assert timeline_for(other) == []

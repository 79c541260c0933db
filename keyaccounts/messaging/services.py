"""Telling customers: a message per receiver, rendered from the administrator's template in the receiver's channel
and language, stored with the step that sends it and delivered through the peers' outbox; the gateway's delivery
reports move it, and a failed delivery is sent again until it is delivered or out of attempts."""

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.timeline import TimelineRow, timeline_event, timeline_save
from keyaccounts.peers.client import PeerError, peer_list
from keyaccounts.peers.models import OutboxMessage, Peer
from keyaccounts.peers.outbox import backoff, outbox_enqueue, outbox_enqueue_many

from .events import MessageEvent, placeholders_of
from .lifecycle import FINAL, message_may_move, message_move, messages_save
from .models import Channel, CommunicationMessage, DeliveryReport, Language, MessageTemplate
from .rendering import render
from .selectors import subjects_with_timeline, templates_for
from .timeline import MessageAction

logger = logging.getLogger(__name__)
State = CommunicationMessage.State
MESSAGE_RESOURCE = "communicationMessage"
REPORT_EVENTS = frozenset({"CommunicationMessageStateChangeEvent"})
READ_BACK = "messages"
WIRE_TYPE = {Channel.SMS: "SMS", Channel.EMAIL: "Email"}  # TMF681 messageType


@dataclass(frozen=True)
class Send:
    """One record's message of a bulk send: whom to write to about `subject`, with the values its template shows."""

    subject: Model
    recipients: Iterable[Any]
    context: dict


def message_send(*, subject: Model, event: str, recipients: Iterable[Any], context: dict) -> list[CommunicationMessage]:
    """Write to each recipient (a contact: `name`, `phone`, `email`, `preferred_channel`, `preferred_language`)
    about `subject`. Call it inside the step's transaction: the messages leave once it commits, and not at all
    if it rolls back. Refused, with nothing stored, when a value the kind of message offers is missing or no
    template in use fits a recipient."""
    (outcome,) = messages_send(event=event, sends=[Send(subject, recipients, context)])
    if isinstance(outcome, ApplicationError):
        raise outcome
    return outcome


def messages_send(*, event: str, sends: list[Send]) -> list[list[CommunicationMessage] | ApplicationError]:
    """`message_send` for many records at once (a network incident tells hundreds of customers): the templates
    read once, the messages, their outbox rows and their timeline lines each written in one statement. Returns
    each send's messages, or the error that refused it (nothing stored for that one), in the order of `sends`."""
    if event not in MessageEvent.values:
        raise ApplicationError(_("There is no kind of message called %(event)s.") % {"event": event})
    kind = MessageEvent(event)
    templates = templates_for(kind)
    on_timeline = subjects_with_timeline([send.subject for send in sends])
    outcomes: list[list[CommunicationMessage] | ApplicationError] = []
    for send in sends:
        try:
            values = _values(kind, send.context)
            subject_type = ContentType.objects.get_for_model(send.subject)
            messages = [
                _compose(subject_type, send.subject, kind, templates, recipient, values)
                for recipient in _distinct(send.recipients)
            ]
        except ApplicationError as error:
            outcomes.append(error)
            continue
        for message in messages:
            message.on_timeline = (subject_type.pk, send.subject.pk) in on_timeline
        outcomes.append(messages)
    written = [message for outcome in outcomes if isinstance(outcome, list) for message in outcome]
    if written:
        with transaction.atomic():
            CommunicationMessage.objects.bulk_create(written)
            outbox_enqueue_many(
                peer=Peer.GATEWAY,
                resource=MESSAGE_RESOURCE,
                requests=[(payload["externalId"], payload) for payload in map(_payload, written)],
            )
            timeline_save([_sent_line(message) for message in written if message.on_timeline])
    return outcomes


def _values(kind: MessageEvent, context: dict) -> dict:
    """The values the kind of message shows, refused when one is missing."""
    missing = sorted(set(placeholders_of(kind)) - set(context) - {"contact"})
    if missing:
        raise ApplicationError(
            _("A “%(kind)s” message needs %(names)s.") % {"kind": kind.label, "names": ", ".join(missing)}
        )
    return {name: value for name, value in context.items() if name in placeholders_of(kind)}


def _distinct(recipients: Iterable[Any]) -> list[Any]:
    """Each receiver once, however often they are named (a contact who reported and is also on the list)."""
    seen, distinct = set(), []
    for recipient in recipients:
        key = (recipient.name, recipient.phone, getattr(recipient, "email", ""))
        if key not in seen:
            seen.add(key)
            distinct.append(recipient)
    return distinct


def _compose(subject_type, subject, kind, templates, recipient, values: dict) -> CommunicationMessage:
    channel = getattr(recipient, "preferred_channel", "") or Channel.SMS
    if channel == Channel.EMAIL and not getattr(recipient, "email", ""):
        channel = Channel.SMS  # no address to write to: the phone every contact has
    language = getattr(recipient, "preferred_language", "") or Language.CHINESE
    template = _template(templates, kind, channel, language)
    language = template.language
    context = {**values, "contact": recipient.name}
    meta = getattr(recipient, "_meta", None)
    return CommunicationMessage(
        subject_type=subject_type,
        subject_id=subject.pk,
        event=kind,
        template=template,
        message_type=channel,
        language=language,
        title=render(template.title, context, language=language) if channel == Channel.EMAIL else "",
        content=render(template.body, context, language=language),
        receiver_name=recipient.name,
        receiver_phone=recipient.phone or "",
        receiver_email=getattr(recipient, "email", "") or "",
        receiver_party=f"{meta.label_lower}:{recipient.pk}" if meta else "",
        attempts=1,
    )


def _template(templates: dict, kind: MessageEvent, channel: str, language: str) -> MessageTemplate:
    """The recipient's language, else the other one: a message in the second language beats none."""
    for choice in [language, *(other for other in Language.values if other != language)]:
        if (channel, choice) in templates:
            return templates[(channel, choice)]
    raise ApplicationError(
        _(
            "No message template in use for “%(kind)s” by %(channel)s: an administrator adds one under Message templates."
        )
        % {"kind": kind.label, "channel": Channel(channel).label}
    )


def _payload(message: CommunicationMessage) -> dict:
    """TMF681 CommunicationMessage as the gateway receives it; `tryTimes` counts our delivery attempts."""
    receiver = {"id": message.reference, "name": message.receiver_name, "@type": "Receiver"}
    sender = {"id": "keyaccounts", "name": settings.MESSAGE_SENDER_NAME, "@type": "Sender"}
    if message.message_type == Channel.EMAIL:
        receiver["email"], sender["email"] = message.receiver_email, settings.DEFAULT_FROM_EMAIL
    else:
        receiver["phoneNumber"], sender["phoneNumber"] = message.receiver_phone, settings.MESSAGE_SMS_SENDER
    if message.receiver_party:
        receiver["party"] = {"id": message.receiver_party, "name": message.receiver_name, "role": "contact"}
    payload = {
        "externalId": f"{message.reference}-{message.attempts}",
        "messageType": WIRE_TYPE[message.message_type],
        "content": message.content,
        "receiver": [receiver],
        "sender": sender,
        "tryTimes": message.attempts,
        "characteristic": [{"name": "language", "value": message.language}],
        "@type": "CommunicationMessage",
    }
    if message.message_type == Channel.EMAIL:
        payload["subject"] = message.title
    return payload


def _queue(message: CommunicationMessage, *, not_before=None) -> None:
    """The current attempt as an outbox row: each attempt has its own externalId, so the gateway takes a
    repeated request for it once, and a new attempt as a new message."""
    payload = _payload(message)
    outbox_enqueue(
        peer=Peer.GATEWAY,
        resource=MESSAGE_RESOURCE,
        external_id=payload["externalId"],
        payload=payload,
        not_before=not_before,
    )


def _sent_line(message: CommunicationMessage) -> TimelineRow:
    return timeline_event(
        subject_type_id=message.subject_type_id,
        subject_id=message.subject_id,
        action=MessageAction.SENT,
        data={
            "message": message.reference,
            "event": message.event,
            "channel": message.message_type,
            "receiver": message.receiver_name,
        },
    )


# ---------------------------------------------------------------------------- delivery reports
_EXTERNAL_ID = re.compile(r"CM(\d+)-(\d+)")


def messages_apply_reports(*, events: list) -> None:
    """Apply the gateway's stored reports (locked by the caller, in arrival order). A report already received
    for the same attempt and state changes nothing; only the current attempt's reports move a message."""
    attempts = {}
    for event in events:
        match = _EXTERNAL_ID.fullmatch(str(event.body["event"][MESSAGE_RESOURCE].get("externalId") or ""))
        if match is None:
            event.outcome = "ignored: not one of our messages"
        else:
            attempts[event.pk] = (int(match[1]), int(match[2]))
    pks = {pk for pk, _attempt in attempts.values()}
    messages = CommunicationMessage.objects.select_for_update().in_bulk(pks)
    seen = set(DeliveryReport.objects.filter(message_id__in=pks).values_list("message_id", "attempt", "state"))
    batch = _Batch(seen=seen)
    for event in events:
        if event.pk not in attempts:
            continue
        pk, attempt = attempts[event.pk]
        message = messages.get(pk)
        event.outcome = "ignored: unknown message" if message is None else batch.apply(message, attempt, event)
    batch.save()


class _Batch:
    """What a batch of reports changes, written together at the end."""

    def __init__(self, *, seen: set):
        self.seen, self.reports, self.lines, self.changed = seen, [], [], {}

    def apply(self, message: CommunicationMessage, attempt: int, event) -> str:
        body = event.body["event"][MESSAGE_RESOURCE]
        state = str(body.get("state") or "")
        if state not in (State.IN_PROGRESS, State.COMPLETED, State.FAILED):
            return f"ignored: state {state!r} is not a delivery report"
        if (message.pk, attempt, state) in self.seen:
            return "ignored: reported already"
        self.seen.add((message.pk, attempt, state))
        reason = _reason(body)
        self.reports.append(
            DeliveryReport(
                message=message,
                attempt=attempt,
                state=state,
                reason=reason,
                reported_at=event.event_time,
                event_id=event.event_id,
            )
        )
        if attempt != message.attempts:
            return "recorded: a report of an earlier attempt"
        if message.state in FINAL:
            return "recorded: the message is settled already"
        if state == State.IN_PROGRESS:
            if not message_may_move(message, State.IN_PROGRESS, attempt=attempt):
                return "recorded: no change"
            message_move(message, State.IN_PROGRESS)
        elif state == State.COMPLETED:
            message_move(message, State.COMPLETED)
            message.completed_at, message.last_error = event.event_time, ""
            self._line(message, MessageAction.DELIVERED, attempt, event)
        elif message.attempts < settings.MESSAGE_MAX_ATTEMPTS:
            self._retry(message, reason)
            self._line(message, MessageAction.RETRIED, attempt, event, reason=reason)
        else:
            message_move(message, State.FAILED)
            message.completed_at, message.last_error = event.event_time, reason
            self._line(message, MessageAction.FAILED, attempt, event, reason=reason)
        self.changed[message.pk] = message
        return f"applied: {message.state}"

    def _retry(self, message: CommunicationMessage, reason: str) -> None:
        """Not delivered: the next attempt goes out after the outbox's backoff for this many attempts."""
        if message.state == State.IN_PROGRESS:
            message_move(message, State.INITIAL)
        message.last_error = reason
        message.attempts += 1
        _queue(message, not_before=timezone.now() + backoff(message.attempts - 1))

    def _line(self, message, action: str, attempt: int, event, *, reason: str = "") -> None:
        if not message.on_timeline:
            return
        data = {
            "message": message.reference,
            "receiver": message.receiver_name,
            "attempt": attempt,
            "at": event.event_time.isoformat(),
        }
        if reason:
            data["reason"] = reason
        self.lines.append(
            timeline_event(
                subject_type_id=message.subject_type_id, subject_id=message.subject_id, action=action, data=data
            )
        )

    def save(self) -> None:
        DeliveryReport.objects.bulk_create(self.reports)
        messages_save(self.changed.values())
        if self.lines:
            timeline_save(self.lines)


def _reason(body: dict) -> str:
    errors = body.get("errorMessage") or []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    return str(body.get("statusChangeReason") or first.get("reason") or "")[:300]


# ---------------------------------------------------------------------------- reading the gateway's truth back
RECONCILE_BATCH = 100


@dataclass
class _ReadBack:
    """The gateway's truth of one attempt, applied as the report that was lost."""

    pk: str
    body: dict
    event_time: datetime
    event_id: str
    outcome: str = ""


def messages_reconcile(*, stalled_for: timedelta | None = None) -> int:
    """Read the truth (GET) of messages whose current attempt the gateway took a while ago and no report settled
    (a lost report), and apply it as that report. Returns how many messages changed."""
    if stalled_for is None:
        stalled_for = timedelta(seconds=settings.MESSAGE_STALLED_AFTER)
    cutoff = timezone.now() - stalled_for
    open_ones = CommunicationMessage.objects.filter(
        state__in=[State.INITIAL, State.IN_PROGRESS], created_at__lte=cutoff
    ).order_by("pk")[:RECONCILE_BATCH]
    current = [f"{message.reference}-{message.attempts}" for message in open_ones]
    taken = dict(
        OutboxMessage.objects.filter(
            external_id__in=current, status=OutboxMessage.Status.SENT, sent_at__lte=cutoff
        ).values_list("remote_id", "external_id")
    )
    if not taken:
        return 0
    try:
        truths = peer_list(Peer.GATEWAY, MESSAGE_RESOURCE, {"id": ",".join(sorted(taken))})
    except PeerError as error:
        logger.warning("messages not readable at the gateway: %s", error)
        return 0
    now = timezone.now()
    reports = [
        _ReadBack(
            pk=str(truth.get("id")),
            body={"event": {MESSAGE_RESOURCE: truth}},
            event_time=now,
            event_id=f"read-back:{truth.get('externalId')}:{truth.get('state')}"[:100],
        )
        for truth in truths
        if taken.get(str(truth.get("id"))) == truth.get("externalId")
    ]
    with transaction.atomic():
        messages_apply_reports(events=reports)
    return sum(report.outcome.startswith("applied") for report in reports)

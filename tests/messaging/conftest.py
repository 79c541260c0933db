import pytest
import requests

from customers.models import Contact, Customer
from keyaccounts.core.roles import Role
from keyaccounts.core.timeline import CoreAction, timeline_record
from keyaccounts.messaging.demo import seed_demo_templates
from keyaccounts.messaging.events import MessageEvent
from keyaccounts.peers.client import peer_subscribe
from keyaccounts.peers.inbound import events_sweep
from keyaccounts.peers.models import Peer
from keyaccounts.peers.outbox import outbox_sweep
from tests.factories import credit_code, make_user
from tests.processes import wait_for


@pytest.fixture
def templates(db):
    """The demo's templates: every kind of message by SMS and e-mail, in Chinese and in English."""
    seed_demo_templates()


@pytest.fixture
def customer(db, city):
    """A customer with a timeline (its first line written), as every archived customer has."""
    manager = make_user(Role.ACCOUNT_MANAGER, city=city, username="am_messages")
    customer = Customer.objects.create(
        name="长春一汽物流有限公司",
        credit_code=credit_code(31),
        industry="transport",
        address="长春市绿园区",
        size="large",
        city=city,
        account_manager=manager,
        status=Customer.Status.VALIDATED,
        level="B",
    )
    timeline_record(subject=customer, action=CoreAction.COMMENT, reason="archived")
    return customer


def contact(customer, name: str, *, channel="sms", language="zh-hans", email="", phone="13904310000") -> Contact:
    return Contact.objects.create(
        customer=customer,
        name=name,
        role="IT director",
        phone=phone,
        email=email,
        preferred_channel=channel,
        preferred_language=language,
    )


def acknowledged(customer, *recipients):
    """What assurance will send when a ticket is acknowledged (the subject here: the customer)."""
    from keyaccounts.messaging.services import message_send

    return message_send(
        subject=customer,
        event=MessageEvent.TICKET_ACKNOWLEDGED,
        recipients=recipients,
        context={
            "number": "TT000042",
            "customer": customer.name,
            "service": "SV000007",
            "restore_by": "2026-12-08 18:00",
        },
    )


@pytest.fixture
def gateway(live_server, stub_server, settings):
    """The gateway stub sends its delivery reports to this test's live server (signed, to the listener)."""
    settings.GATEWAY_BASE_URL = f"{stub_server}/gateway"
    callback = f"{live_server.url}/api/v1/listener/{Peer.GATEWAY}"
    peer_subscribe(Peer.GATEWAY, callback)
    yield stub_server
    requests.post(f"{stub_server}/gateway/faults", json={}, timeout=5)
    for sub in requests.get(f"{stub_server}/gateway/hub", timeout=5).json():
        if sub["callback"] == callback:
            requests.delete(f"{stub_server}/gateway/hub/{sub['id']}", timeout=5)


def at_gateway(stub_server) -> dict:
    return requests.get(f"{stub_server}/gateway/stats", params={"ids": "communicationMessage"}, timeout=5).json()


def beat_until(condition, timeout: float = 40) -> None:
    """What beat does besides the worker: deliver the outbox rows that are due (a retry waits out its backoff)
    and apply the events that came in, until `condition`."""

    def step() -> bool:
        outbox_sweep()
        events_sweep()
        return condition()

    wait_for(step, timeout=timeout)

"""The administrator writes the templates in the admin (a placeholder the kind does not offer is refused with the
reason); a record's page lists the messages sent about it, by name."""

import pytest
from django.urls import reverse

from keyaccounts.core.roles import Role
from keyaccounts.messaging.demo import seed_demo_templates
from keyaccounts.messaging.models import CommunicationMessage, MessageTemplate
from keyaccounts.messaging.services import message_send
from tests.assurance.conftest import configured, desk, line, report  # noqa: F401
from tests.orders.conftest import catalogue, customer, manager  # noqa: F401
from tests.text import visible_text

from .conftest import contact

pytestmark = pytest.mark.django_db


def template_form(**overrides) -> dict:
    return {
        "event": "ticket_restored",
        "channel": "email",
        "language": "en",
        "title": "Restored: {{ number }}",
        "body": "Dear {{ contact }}, {{ service }} works again: {{ resolution }}",
        "is_active": "on",
        **overrides,
    }


def test_the_administrator_writes_a_template_and_an_unknown_placeholder_is_refused(client, user_in_role):
    client.force_login(user_in_role(Role.ADMINISTRATOR, is_staff=True))
    url = reverse("admin:messaging_messagetemplate_add")
    assert "{{ restore_by }} the promised time" in visible_text(client.get(url).content)  # what each kind offers

    refused = client.post(url, template_form(body="Dear {{ contact }}, your password is {{ password }}"))
    assert refused.status_code == 200
    assert "{{ password }} is not a placeholder of this message. It may use:" in visible_text(refused.content)
    tag = client.post(url, template_form(body='{% include "base.html" %}'))
    assert "{% include %} is not allowed" in visible_text(tag.content)
    untitled = client.post(url, template_form(title=""))
    assert "An e-mail needs a subject." in visible_text(untitled.content)
    assert not MessageTemplate.objects.exists()

    assert client.post(url, template_form()).status_code == 302
    saved = MessageTemplate.objects.get()
    assert str(saved) == "Service restored · E-mail · English"
    page = visible_text(client.get(reverse("admin:messaging_messagetemplate_changelist")).content)
    assert "Service restored" in page
    assert "E-mail" in page


@pytest.mark.usefixtures("configured", "desk")
def test_the_ticket_page_lists_its_messages_by_name(client, manager, customer):  # noqa: F811
    ticket = report(manager, customer)
    seed_demo_templates()
    smith = contact(customer, "John Smith", channel="email", language="en", email="js@example.com")
    message_send(
        subject=ticket,
        event="ticket_progress",
        recipients=[smith],
        context={"number": ticket.number, "customer": customer.name, "service": "—", "progress": "engineer on site"},
    )
    client.force_login(manager)
    page = visible_text(client.get(reverse("assurance:detail", args=[ticket.pk])).content)
    assert "Messages to the customer" in page
    assert "Progress update · E-mail to John Smith js@example.com Waiting to be sent" in page
    assert f"Dear John Smith, ticket {ticket.number} (—): engineer on site" in page
    assert "Message sent to the customer" in page  # the ticket's timeline line
    assert CommunicationMessage.objects.get().on_timeline

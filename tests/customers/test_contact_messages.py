"""Each contact chooses how they are told about tickets and planned work: SMS or e-mail, Chinese or English, on
the page where contacts are edited; contacts from before keep SMS in Chinese."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from customers.models import Contact, Customer
from tests.factories import CONTACT, credit_code
from tests.text import visible_text

from .test_pages import contacts_post


@pytest.fixture
def archived(db, manager, city):
    customer = Customer.objects.create(
        name="吉林化纤集团",
        credit_code=credit_code(41),
        industry="manufacturing",
        size="large",
        address="吉林市昌邑区",
        city=city,
        account_manager=manager,
        status=Customer.Status.VALIDATED,
        level="C",
    )
    Contact.objects.create(customer=customer, name=CONTACT["name"], role=CONTACT["role"], phone=CONTACT["phone"])
    return customer


def details(customer, **contact) -> dict:
    base = {"industry": "finance", "size": "large", "address": "新地址 9 号", "version": customer.version}
    return {**base, **contacts_post([{**CONTACT, **contact}], initial=1)}


@pytest.mark.django_db
def test_a_contact_chooses_e_mail_in_english_and_the_customer_page_names_it(client, manager, archived):
    client.force_login(manager)
    url = reverse("customers:details", args=[archived.pk])
    form = visible_text(client.get(url).content)
    assert "Messages by" in form
    assert "Language of messages" in form
    response = client.post(url, details(archived, preferred_channel="email", preferred_language="en"))
    assert response.status_code == 302
    contact = archived.contacts.get()
    assert (contact.preferred_channel, contact.preferred_language) == ("email", "en")
    page = visible_text(client.get(reverse("customers:detail", args=[archived.pk])).content)
    assert f"{CONTACT['name']} · IT director · {CONTACT['phone']} · {CONTACT['email']} · E-mail · English" in page


@pytest.mark.django_db
def test_e_mail_without_an_address_is_refused_and_nothing_changes(client, manager, archived):
    client.force_login(manager)
    url = reverse("customers:details", args=[archived.pk])
    refused = client.post(url, details(archived, email="", preferred_channel="email"))
    assert refused.status_code == 200
    assert "Give an e-mail address, or choose messages by SMS." in visible_text(refused.content)
    archived.refresh_from_db()
    assert archived.address == "吉林市昌邑区"
    assert archived.contacts.get().preferred_channel == "sms"


BEFORE = [("customers", "0002_default_level_rules")]


@pytest.mark.django_db(transaction=True)
def test_contacts_from_before_are_written_to_by_sms_in_chinese(city, manager):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    customer = old.get_model("customers", "Customer").objects.create(
        name="老客户", credit_code=credit_code(42), industry="manufacturing", size="large", address="长春",
        city_id=city.pk, account_manager_id=manager.pk, status="validated", level="C",
    )  # fmt: skip
    old.get_model("customers", "Contact").objects.create(
        customer_id=customer.pk, name="李雷", role="manager", phone="13904310001"
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    contact = Contact.objects.get(name="李雷")
    assert (contact.preferred_channel, contact.preferred_language) == ("sms", "zh-hans")

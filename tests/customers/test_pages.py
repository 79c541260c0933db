"""The customer pages over HTTP: forms refuse bad input with a message, scoping holds on direct URLs."""

import pytest
from django.urls import reverse

from customers.flows import ArchivingFlow
from customers.models import Customer
from customers.selectors import archiving_open_tasks
from keyaccounts.core.roles import Role
from tests.factories import CONTACT, customer_fields
from tests.text import raw_values, visible_text

pytestmark = pytest.mark.django_db


def contacts_post(contacts=(CONTACT,), *, initial: int = 0, delete: tuple[int, ...] = ()) -> dict:
    """The contacts formset as the page posts it: `initial` rows came from the record, one blank row follows."""
    data = {
        "contacts-TOTAL_FORMS": str(len(contacts) + 1),
        "contacts-INITIAL_FORMS": str(initial),
        "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "20",
    }
    for i, contact in enumerate(contacts):
        data.update({f"contacts-{i}-{k}": v for k, v in contact.items()})
    data.update({f"contacts-{i}-DELETE": "on" for i in delete})
    return data


def form_data(serial=1, contacts=(CONTACT,), **overrides) -> dict:
    return {**customer_fields(serial, **overrides), **contacts_post(contacts)}


def test_an_account_manager_registers_and_submits_a_customer(client, manager):
    client.force_login(manager)
    response = client.post(reverse("customers:create"), {**form_data(), "submit": "1"})
    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:detail", args=[customer.pk])
    assert customer.city == manager.city
    assert customer.contacts.get().phone == CONTACT["phone"]
    assert archiving_open_tasks(customer).get().flow_task == ArchivingFlow.review


def test_a_draft_is_saved_and_resumed(client, manager):
    client.force_login(manager)
    client.post(reverse("customers:create"), {**form_data(contacts=()), "save": "1"})
    customer = Customer.objects.get()
    assert customer.is_draft
    page = client.get(reverse("customers:edit", args=[customer.pk]))
    assert page.status_code == 200
    assert customer.name in page.content.decode()
    assert customer in page.context["form"].instance.__class__.objects.filter(pk=customer.pk)


def test_saving_a_draft_keeps_the_contacts_nobody_touched(client, manager):
    client.force_login(manager)
    client.post(reverse("customers:create"), {**form_data(), "save": "1"})
    customer = Customer.objects.get()
    page = client.get(reverse("customers:edit", args=[customer.pk]))
    untouched = page.context["contacts"].forms[0].initial
    data = {**customer_fields(), "version": customer.version, "save": "1", "address": "changed"}
    data.update(contacts_post([untouched], initial=1))
    client.post(reverse("customers:edit", args=[customer.pk]), data)
    customer.refresh_from_db()
    assert customer.address == "changed"
    assert list(customer.contacts.values_list("name", flat=True)) == [CONTACT["name"]]


def test_a_wrong_check_digit_is_shown_on_the_field_and_nothing_is_saved(client, manager):
    client.force_login(manager)
    good = customer_fields()["credit_code"]
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    response = client.post(reverse("customers:create"), {**form_data(credit_code=bad), "submit": "1"})
    assert response.status_code == 200
    assert "check digit" in str(response.context["form"].errors["credit_code"])
    assert not Customer.objects.exists()


def test_submitting_without_a_contact_says_so_and_saves_nothing(client, manager):
    client.force_login(manager)
    response = client.post(reverse("customers:create"), {**form_data(contacts=()), "submit": "1"})
    assert response.status_code == 200
    assert "at least one contact" in response.content.decode()
    assert not Customer.objects.exists()


def test_a_duplicate_credit_code_is_refused_on_the_form(client, manager):
    client.force_login(manager)
    client.post(reverse("customers:create"), {**form_data(1), "submit": "1"})
    response = client.post(
        reverse("customers:create"), {**form_data(2, credit_code=customer_fields(1)["credit_code"]), "submit": "1"}
    )
    assert "already registered" in str(response.context["form"].errors["credit_code"])
    assert Customer.objects.count() == 1


def test_the_reviewer_decides_on_the_task_page(client, manager, reviewer):
    client.force_login(manager)
    client.post(reverse("customers:create"), {**form_data(), "submit": "1"})
    customer = Customer.objects.get()
    task = archiving_open_tasks(customer).get()
    client.force_login(reviewer)
    url = reverse("customers:task", args=[customer.pk, task.pk])
    assert client.get(url).status_code == 200

    refused = client.post(url, {"decision": "reject", "reason": ""})
    assert "Give a reason" in refused.content.decode()
    customer.refresh_from_db()
    assert customer.status == Customer.Status.INITIALIZED

    assert client.post(url, {"decision": "approve"}).status_code == 302
    customer.refresh_from_db()
    assert customer.status == Customer.Status.VALIDATED
    again = client.post(url, {"decision": "reject", "reason": "late"}, follow=True)
    assert "already completed" in again.content.decode()
    customer.refresh_from_db()
    assert customer.status == Customer.Status.VALIDATED


def test_other_cities_and_portfolios_are_invisible_even_by_direct_url(
    client, manager, foreign_reviewer, user_in_role, other_city
):
    client.force_login(manager)
    client.post(reverse("customers:create"), {**form_data(), "submit": "1"})
    customer = Customer.objects.get()
    task = archiving_open_tasks(customer).get()
    colleague = user_in_role(Role.ACCOUNT_MANAGER, city=manager.city)
    for outsider in (foreign_reviewer, colleague, user_in_role(Role.CITY_SUPERVISOR, city=other_city)):
        client.force_login(outsider)
        for url in (
            reverse("customers:detail", args=[customer.pk]),
            reverse("customers:edit", args=[customer.pk]),
            reverse("customers:task", args=[customer.pk, task.pk]),
        ):
            assert client.get(url).status_code == 404, (outsider, url)
        assert customer not in client.get(reverse("customers:list")).context["page"].object_list


def test_roles_without_customer_access_get_a_403(client, user_in_role):
    client.force_login(user_in_role(Role.SI_PARTNER))
    assert client.get(reverse("customers:list")).status_code == 403
    assert client.get(reverse("customers:create")).status_code == 403


def test_the_list_filters_and_searches_within_scope(client, manager, supervisor):
    client.force_login(manager)
    client.post(reverse("customers:create"), {**form_data(1, name="长春宏达科技"), "submit": "1"})
    client.post(reverse("customers:create"), {**form_data(2, name="吉林大学", proposed_level="A"), "save": "1"})
    client.force_login(supervisor)
    names = lambda **q: [c.name for c in client.get(reverse("customers:list"), q).context["page"]]  # noqa: E731
    assert names() == ["吉林大学", "长春宏达科技"]
    assert names(q="宏达") == ["长春宏达科技"]
    assert names(q=customer_fields(2)["credit_code"][-6:]) == ["吉林大学"]
    assert names(status="initialized") == ["吉林大学", "长春宏达科技"]
    assert names(level="A") == []
    assert names(account_manager=manager.pk) == ["吉林大学", "长春宏达科技"]
    assert names(account_manager=supervisor.pk) == []


def test_the_360_page_shows_the_timeline_and_the_next_step(client, manager, reviewer):
    client.force_login(manager)
    client.post(reverse("customers:create"), {**form_data(), "submit": "1"})
    customer = Customer.objects.get()
    client.force_login(reviewer)
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "Submitted for review" in page
    assert "Review the customer record" in page
    assert "Customer record review" in page  # the step's name, not its code
    assert reverse("customers:task", args=[customer.pk, archiving_open_tasks(customer).get().pk]) in page


def test_details_of_an_archived_customer_change_without_review_and_keep_a_contact(client, manager, reviewer):
    client.force_login(manager)
    client.post(reverse("customers:create"), {**form_data(), "submit": "1"})
    customer = Customer.objects.get()
    client.force_login(reviewer)
    client.post(
        reverse("customers:task", args=[customer.pk, archiving_open_tasks(customer).get().pk]), {"decision": "approve"}
    )
    customer.refresh_from_db()
    client.force_login(manager)
    url = reverse("customers:details", args=[customer.pk])
    base = {"industry": "finance", "size": "large", "address": "新地址 9 号", "version": customer.version}
    no_contact = client.post(url, {**base, **contacts_post(initial=1, delete=(0,))})
    assert "Keep at least one contact" in no_contact.content.decode()
    customer.refresh_from_db()
    assert customer.address == customer_fields()["address"]

    response = client.post(url, {**base, **contacts_post(initial=1)})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.address, customer.industry, customer.status) == (
        "新地址 9 号",
        "finance",
        Customer.Status.VALIDATED,
    )
    stale = client.post(url, {**base, "address": "older", **contacts_post(initial=1)})
    assert "Someone else changed" in stale.content.decode()


def test_the_360_page_shows_time_left_on_the_waiting_step(client, manager, reviewer):
    from datetime import timedelta

    from sla.models import SlaPolicy

    SlaPolicy.objects.create(step="customer.review", limit=timedelta(hours=4), time_basis="calendar")
    client.force_login(manager)
    client.post(reverse("customers:create"), {**form_data(), "submit": "1"})
    customer = Customer.objects.get()
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert 'data-testid="sla-customer.review"' in page
    assert "3 h 59 min left" in page or "4 h 00 min left" in page


def test_the_review_page_shows_the_record_it_decides_on_in_words(client, manager, reviewer):
    client.force_login(manager)
    client.post(reverse("customers:create"), {**form_data(), "submit": "1"})
    customer = Customer.objects.get()
    client.force_login(reviewer)
    response = client.get(reverse("customers:task", args=[customer.pk, archiving_open_tasks(customer).get().pk]))
    text = visible_text(response.content)
    assert f"Review the customer record: {customer.name}" in text
    assert customer.credit_code in text
    assert "王芳 · IT director · 13904311234" in text
    assert "Proposed level: Level C (standard) — annual spend 2M" in text
    assert not raw_values(text), text

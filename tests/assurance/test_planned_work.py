"""Planned work (割接): registered over running services, each affected customer told ahead by its level through
the gateway, in its contacts' channel and language; a customer told late has the window counted as outage and the
planned work's page names it, a customer told in time has it excluded; another city sees none of it."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from assurance.availability import availability_month_measure, month_of, service_outages
from assurance.demo import seed_demo_planned_configuration
from assurance.models import AvailabilityBudget, PlannedWork, PlannedWorkNotice
from assurance.planned import planned_work_notices_send, planned_work_register
from customers.models import Contact, Customer
from keyaccounts.core.roles import Role
from keyaccounts.messaging.models import CommunicationMessage
from keyaccounts.messaging.selectors import messages_of
from sla.models import QualityGrade
from tests.factories import credit_code
from tests.messaging.conftest import at_gateway, gateway, templates  # noqa: F401
from tests.processes import wait_for

from .conftest import running_service

H = timedelta(hours=1)
State = CommunicationMessage.State


@pytest.fixture
def planned_setup(db, templates, catalogue, customer, manager):  # noqa: F811
    """The demo's notice times (A 72 h, B 48 h, others 24 h) and credit rules, a gold grade of 99.99 %, and two
    customers with a gold line each: the level-A one (told 72 h ahead) and the level-C one (24 h)."""
    seed_demo_planned_configuration()
    QualityGrade.objects.create(code="gold", name_en="Gold", name_zh="金牌", monthly_availability="99.990")
    Customer.objects.filter(pk=customer.pk).update(level="A")
    customer.refresh_from_db()
    small = Customer.objects.create(
        name="长春小型商贸有限公司",
        credit_code=credit_code(11),
        industry="retail",
        address="长春市南关区",
        size="small",
        city=customer.city,
        account_manager=manager,
        status=Customer.Status.VALIDATED,
        level="C",
    )
    Contact.objects.create(
        customer=customer,
        name="John Smith",
        role="CIO",
        phone="13904319999",
        email="js@example.com",
        preferred_channel="email",
        preferred_language="en",
    )
    Contact.objects.create(customer=small, name="李华", role="Owner", phone="13904318888")
    return {
        "big": customer,
        "small": small,
        "big_line": running_service(customer, catalogue["T2"], sla_grade="gold"),
        "small_line": running_service(small, catalogue["T2"], sla_grade="gold"),
    }


def register(user, services, *, start, hours=2):
    return planned_work_register(
        user=user,
        title="Core switch upgrade",
        reason="Software upgrade of the core switch",
        window_start=start,
        window_end=start + hours * H,
        services=services,
    )


@pytest.mark.django_db(transaction=True)
def test_a_customer_told_late_has_the_window_counted_and_named_one_told_in_time_has_it_excluded(
    gateway,  # noqa: F811
    celery_worker_process,
    planned_setup,
    supervisor,
    client,
):
    big, small = planned_setup["big"], planned_setup["small"]
    start = (timezone.now() + 48 * H).replace(second=0, microsecond=0)
    work = register(supervisor, [planned_setup["big_line"], planned_setup["small_line"]], start=start)

    # Level A must be told 72 h ahead: the window is 48 h away, so it is told at once, and late.
    late = PlannedWorkNotice.objects.get(planned_work=work, customer=big)
    assert late.notify_by == start - 72 * H
    assert late.notified_at is not None
    assert not late.in_time
    (message,) = messages_of(late)
    assert (message.event, message.message_type, message.language) == ("cutover_notice", "email", "en")
    assert message.title == f"Planned work {work.reference}"
    assert work.reference in message.content
    assert planned_setup["big_line"].number in message.content
    # Level C (24 h): not due yet, nothing sent; the sweep tells it half an hour before it falls due.
    early = PlannedWorkNotice.objects.get(planned_work=work, customer=small)
    assert early.notify_by == start - 24 * H
    assert early.notified_at is None
    assert not messages_of(early).exists()
    assert planned_work_notices_send(now=early.notify_by - 2 * H) == 0
    assert planned_work_notices_send(now=early.notify_by - H / 2) == 1
    assert planned_work_notices_send(now=early.notify_by) == 0  # told once
    early.refresh_from_db()
    assert early.in_time
    (chinese,) = messages_of(early)
    assert (chinese.message_type, chinese.language) == ("sms", "zh-hans")
    assert chinese.content.startswith(f"李华您好：因网络割接（{work.reference}）")

    # The worker delivers both through the gateway stub.
    wait_for(
        lambda: (
            not CommunicationMessage.objects.exclude(state=State.COMPLETED).exists()
            and CommunicationMessage.objects.count() == 2
        ),
        timeout=40,
    )
    stub = at_gateway(gateway)
    assert stub["deliveries"][message.reference] == 1
    assert stub["deliveries"][chinese.reference] == 1

    # Before the window nothing is lost; once it has passed it counts for the customer told late only.
    month = month_of(start)
    lines = [planned_setup["big_line"].pk, planned_setup["small_line"].pk]
    assert service_outages(lines, month)[planned_setup["big_line"].pk] == []
    with time_machine.travel(start + 3 * H):
        outages = service_outages(lines, month)
        assert [(o.planned_work, o.minutes) for o in outages[planned_setup["big_line"].pk]] == [(work, 120)]
        assert outages[planned_setup["small_line"].pk] == []
        availability_month_measure(month)
        assert AvailabilityBudget.objects.get(service=planned_setup["big_line"]).used_minutes == 120
        assert not AvailabilityBudget.objects.filter(service=planned_setup["small_line"]).exists()
        # The account manager's SLA report of the customer shows the window as the cause of its outage.
        client.force_login(big.account_manager)
        report = client.get(reverse("assurance:sla_report", args=[big.pk]), {"month": f"{month:%Y-%m}"})
        assert f"Planned work {work.reference} (not told in time)" in report.content.decode()
        assert client.get(work.get_absolute_url()).status_code == 200  # the cause it links to opens

    # The planned work's page names the customer told late; the other is told in time.
    client.force_login(supervisor)
    page = client.get(work.get_absolute_url()).content.decode()
    warning = page[page.index('data-testid="late-customers"') :].split("</div>")[0]
    assert big.name in warning
    assert small.name not in warning
    assert "Not told in time: the window counts as outage" in page
    assert "Told in time: the window is excluded" in page
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    page = client.get(work.get_absolute_url()).content.decode()
    assert "未按时通知，窗口期计为中断" in page


@pytest.mark.django_db
def test_registering_refuses_bad_windows_and_other_cities_services_and_other_cities_see_nothing(
    templates,  # noqa: F811
    planned_setup,
    supervisor,
    user_in_role,
    other_city,
    client,
):
    line = planned_setup["big_line"]
    client.force_login(supervisor)
    start = timezone.localtime() + 96 * H
    form = {
        "title": "Fibre re-route",
        "reason": "Road works",
        "window_start": start.strftime("%Y-%m-%dT%H:%M"),
        "window_end": (start - H).strftime("%Y-%m-%dT%H:%M"),
        "services": [line.pk],
    }
    page = client.post(reverse("assurance:planned_new"), form)
    assert page.status_code == 200
    assert "The window must end after it starts." in page.content.decode()
    assert not PlannedWork.objects.exists()

    far = user_in_role(Role.CITY_SUPERVISOR, city=other_city, username="sup_jilin")
    client.force_login(far)
    page = client.post(reverse("assurance:planned_new"), {**form, "window_end": (start + H).strftime("%Y-%m-%dT%H:%M")})
    assert "Only running services of your city may be chosen." in page.content.decode()
    assert not PlannedWork.objects.exists()

    client.force_login(supervisor)
    page = client.post(reverse("assurance:planned_new"), {**form, "window_end": (start + H).strftime("%Y-%m-%dT%H:%M")})
    work = PlannedWork.objects.get()
    assert page.status_code == 302
    assert page["Location"] == work.get_absolute_url()
    assert work.window_start == start.replace(second=0, microsecond=0)  # read in the user's time zone
    assert list(work.notices.values_list("customer", flat=True)) == [planned_setup["big"].pk]
    assert work.title in client.get(reverse("assurance:planned_list")).content.decode()

    # Another city's supervisor sees neither the work nor the customer's report.
    client.force_login(far)
    assert client.get(work.get_absolute_url()).status_code == 404
    assert work.title not in client.get(reverse("assurance:planned_list")).content.decode()
    assert work.title not in client.get(reverse("assurance:availability")).content.decode()
    assert client.get(reverse("assurance:sla_report", args=[planned_setup["big"].pk])).status_code == 404

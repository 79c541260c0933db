"""The SI partner portal and the dead-letter page: each role sees only its own, and acts through the same rules; the
launch's process map names every step in the reader's language."""

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from viewflow.workflow.models import Task

from keyaccounts.core.models import SiCompany, Team
from keyaccounts.core.roles import Role
from keyaccounts.peers.models import OutboxMessage
from keyaccounts.peers.outbox import MAX_ATTEMPTS, outbox_sweep
from orders import services
from orders.flows import OrderFlow
from orders.models import Order
from orders.services import ItemInput
from provisioning.flows import LaunchFlow
from provisioning.models import WorkOrder
from provisioning.services import launch_sweep
from tests.factories import TeamFactory
from tests.launch import launch_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def si_order(catalogue, manager, customer, acceptor):
    order = services.order_create(
        user=manager, customer=customer, items=[ItemInput(catalogue["T4"], elements={"site": "园区", "members": 4})]
    )
    order = services.order_submit(user=manager, order=order, version=order.version)
    task = Task.objects.get(process_id=order.process_id, flow_task=OrderFlow.accept)
    services.order_accept(user=acceptor, task_pk=task.pk, decision="approve")
    return order


def test_an_si_partner_sees_and_works_only_their_companys_work_orders(
    client, user_in_role, si_order, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    work_order = WorkOrder.objects.get()
    partner = user_in_role(Role.SI_PARTNER, city=None, si_company=work_order.si_company, username="si_user")
    rival = user_in_role(
        Role.SI_PARTNER, city=None, si_company=SiCompany.objects.create(code="rival", name_en="R", name_zh="R")
    )
    client.force_login(rival)
    assert not client.get(reverse("provisioning:si_portal")).context["page"].object_list
    assert client.get(reverse("provisioning:si_work_order", args=[work_order.pk])).status_code == 404
    assert client.get(reverse("orders:detail", args=[si_order.pk])).status_code == 404

    client.force_login(partner)
    assert list(client.get(reverse("provisioning:si_portal")).context["page"].object_list) == [work_order]
    url = reverse("provisioning:si_work_order", args=[work_order.pk])
    client.post(url, {"state": "inProgress", "note": "on site"})
    report = SimpleUploadedFile("acceptance.pdf", b"%PDF test report")
    assert client.post(url, {"state": "completed", "note": "tested", "report": report}).status_code == 302
    work_order.refresh_from_db()
    assert work_order.state == WorkOrder.State.COMPLETED
    assert work_order.reports.count() == 1
    launch_sweep()
    assert launch_task(Order.objects.get(), LaunchFlow.acceptance_test) is not None  # tested next
    refused = client.post(url, {"state": "failed", "note": "too late"})
    assert refused.status_code == 200  # finished: the form says so and nothing changes
    assert WorkOrder.objects.get().state == WorkOrder.State.COMPLETED


def test_the_dead_letter_page_shows_a_failed_delivery_and_sends_it_again(
    client, user_in_role, si_order, settings, stub_server
):
    settings.SI_BASE_URL = "http://127.0.0.1:9/si"  # nothing listens: every attempt fails
    for _ in range(MAX_ATTEMPTS):
        OutboxMessage.objects.update(next_attempt_at="2000-01-01T00:00:00Z")
        outbox_sweep()
    message = OutboxMessage.objects.get()
    assert message.status == OutboxMessage.Status.DEAD
    operator = user_in_role(Role.BACK_OFFICE, teams=[TeamFactory(kind=Team.Kind.PROVISIONING)], username="ops")
    client.force_login(user_in_role(Role.ACCOUNT_MANAGER, username="am_other"))
    assert client.get(reverse("provisioning:dead_letters")).status_code == 403
    client.force_login(operator)
    page = client.get(reverse("provisioning:dead_letters")).content.decode()
    assert message.external_id in page
    assert "ConnectionError" in page

    settings.SI_BASE_URL = f"{stub_server}/si"  # the peer is back
    client.post(reverse("provisioning:dead_letter_retry", args=[message.pk]))
    outbox_sweep()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxMessage.Status.SENT, 1)
    assert not client.get(reverse("provisioning:dead_letters")).context["page"].object_list


def test_a_peer_down_for_a_quarter_of_an_hour_leaves_no_dead_letter(si_order, settings, stub_server):
    """A maintenance window, or a run of 503s from a flaky peer, is waited out: the work order goes once the
    peer answers, and no operator has to send it again."""
    from datetime import timedelta

    from django.utils import timezone

    settings.SI_BASE_URL = "http://127.0.0.1:9/si"  # nothing listens: every attempt fails
    outbox_sweep()
    waited = timedelta(0)
    while waited < timedelta(minutes=15):
        message = OutboxMessage.objects.get()
        assert message.status == OutboxMessage.Status.PENDING, f"dead after {message.attempts} attempts, {waited}"
        waited += message.next_attempt_at - timezone.now()  # the backoff the outbox chose
        OutboxMessage.objects.update(next_attempt_at=timezone.now())
        outbox_sweep()
    settings.SI_BASE_URL = f"{stub_server}/si"
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    outbox_sweep()
    assert OutboxMessage.objects.get().status == OutboxMessage.Status.SENT


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_launch_map_names_every_step_in_the_readers_language_in_reading_order(client, si_order, manager, language):
    # given a launch waiting for its SI work order, read by its account manager
    with translation.override(language):
        titles = {node.name: str(node.task_title) for node in LaunchFlow.instance.nodes()}
    client.force_login(manager)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language

    page = client.get(reverse("process", args=[si_order.launch.process_id]))

    # then every node is there once, by its title in the reader's language
    steps = page.context["map"]
    assert {step.name: step.title for step in steps} == titles
    assert [step.number for step in steps] == list(range(1, len(titles) + 1))
    body = page.content.decode()
    assert all(escape(title) in body for title in titles.values())
    assert (titles["dispatch"] == "等待EOMS和集成商") == (language == "zh-hans")
    # in reading order: an arrow leads to a later step unless it says it leads back
    assert all((link.step.number > step.number) != link.back for step in steps for link in step.links)
    first, second = steps[0], steps[1]
    assert (first.name, second.name, steps[-1].name) == ("start", "dispatch", "end")
    assert any(link.back and link.step is second for step in steps for link in step.links)  # sent again
    # and the position: started, now waiting for the work orders
    assert first.status == "done"
    assert second.status not in ("", "done")
    assert "node-state" in body

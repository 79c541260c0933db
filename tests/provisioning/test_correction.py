"""A failed work order is put right: the provisioning team corrects the item's elements with a reason, or returns
the item to its account manager to correct, and the peer (the EOMS stub over HTTP) receives the corrected data.
A peer's question closes when its work order goes on or finishes."""

import datetime as dt

import pytest
from django.urls import reverse
from viewflow.workflow.models import Task

from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.timeline import timeline_for
from keyaccounts.peers.client import peer_retrieve
from keyaccounts.peers.models import OutboxMessage
from orders import services
from orders.flows import OrderFlow
from orders.models import Order, OrderItem
from orders.services import ItemInput
from orders.timeline import OrderAction
from provisioning.flows import LaunchFlow
from provisioning.models import InformationRequest, WorkOrder
from provisioning.selectors import open_questions_for
from provisioning.services import information_answer, work_order_apply, work_order_note
from provisioning.timeline import WorkOrderAction
from tests.launch import accept_service, launch_task, peers_answer

pytestmark = pytest.mark.django_db
# "fail" in a characteristic makes the stub fail the service order, as a wrong site would.
WRONG = {"site": "fail: no such building", "members": 20}
RIGHT_SITE = "长春市人民大街 100 号"


@pytest.fixture
def failed_order(catalogue, manager, customer, acceptor, peers) -> Order:
    order = services.order_create(user=manager, customer=customer, items=[ItemInput(catalogue["T2"], elements=WRONG)])
    order = services.order_submit(user=manager, order=order, version=order.version)
    task = Task.objects.get(process_id=order.process_id, flow_task=OrderFlow.accept)
    services.order_accept(user=acceptor, task_pk=task.pk, decision="approve")
    peers_answer()
    assert WorkOrder.objects.get().state == WorkOrder.State.FAILED
    assert launch_task(order, LaunchFlow.manual) is not None
    return order


def elements_post(item: OrderItem, **values) -> dict:
    """The element fields of an item as the task page draws them."""
    return {f"item{item.pk}-{item.product.code}__{code}": value for code, value in values.items()}


def sent_site(work_order: WorkOrder) -> str:
    """The site the peer holds for a work order: its own record, read back over HTTP."""
    message = OutboxMessage.objects.get(external_id=work_order.external_id)
    body = peer_retrieve(message.peer, message.resource, message.remote_id).body
    (item,) = body["serviceOrderItem"]
    return {c["name"]: c["value"] for c in item["service"]["serviceCharacteristic"]}["site"]


def test_ops_correct_the_elements_with_a_reason_and_the_peer_completes_the_corrected_order(
    client, failed_order, ops, manager
):
    item = failed_order.items.get()
    url = reverse("provisioning:launch_task", args=[failed_order.pk, launch_task(failed_order, LaunchFlow.manual).pk])
    client.force_login(ops)
    assert f'name="item{item.pk}-internet-line__site"' in client.get(url).content.decode()

    # Bad elements, no reason, or nothing changed: a clear message, and nothing changes.
    bad = client.post(url, {"decision": "correct", "note": "Site fixed", **elements_post(item, site="x", members=0)})
    assert bad.status_code == 200
    assert "Ensure this value is greater than or equal to 1." in bad.content.decode()
    no_reason = client.post(
        url, {"decision": "correct", "note": " ", **elements_post(item, site=RIGHT_SITE, members=20)}
    )
    assert no_reason.status_code == 200
    unchanged = client.post(url, {"decision": "correct", "note": "Retry", **elements_post(item, **WRONG)})
    assert "Nothing was changed" in unchanged.content.decode()
    item.refresh_from_db()
    assert item.elements == WRONG
    assert WorkOrder.objects.count() == 1

    reason = "Site address confirmed with the customer by phone"
    done = client.post(url, {"decision": "correct", "note": reason, **elements_post(item, site=RIGHT_SITE, members=20)})
    assert done.status_code == 302
    item.refresh_from_db()
    assert item.elements == {"site": RIGHT_SITE, "members": 20}
    (line,) = [e for e in timeline_for(failed_order) if e.action == OrderAction.ITEM_CORRECTED]
    assert (line.reason, line.actor) == (reason, ops)
    assert "Site address: fail: no such building → 长春市人民大街 100 号" in line.data["changed"]

    peers_answer()
    resent = WorkOrder.objects.latest("pk")
    assert resent.external_id.endswith("-2")
    assert sent_site(resent) == RIGHT_SITE  # what the peer received is the corrected data
    assert resent.state == WorkOrder.State.COMPLETED
    accept_service(failed_order, ops=ops, manager=manager)
    failed_order.refresh_from_db()
    assert failed_order.status == Order.Status.COMPLETED
    assert failed_order.customer.services.get().elements["site"] == RIGHT_SITE


def test_returned_to_the_account_manager_the_item_is_corrected_and_sent_back(client, failed_order, ops, manager):
    item = failed_order.items.get()
    manual = launch_task(failed_order, LaunchFlow.manual)
    client.force_login(ops)
    request = "The building does not exist: ask the customer for the installation site"
    url = reverse("provisioning:launch_task", args=[failed_order.pk, manual.pk])
    assert client.post(url, {"decision": "return", "note": request}).status_code == 302
    correction = launch_task(failed_order, LaunchFlow.correction)
    assert correction.owner == manager  # a task for the account manager
    task_url = reverse("provisioning:launch_task", args=[failed_order.pk, correction.pk])
    assert client.get(task_url).status_code == 403  # theirs, not the provisioning team's

    client.force_login(manager)
    assert task_url in client.get(reverse("home")).content.decode()
    page = client.get(task_url).content.decode()
    assert request in page
    refused = client.post(task_url, {"note": "Fixed", **elements_post(item, site="", members=20)})
    assert refused.status_code == 200
    assert WorkOrder.objects.count() == 1
    sent = client.post(task_url, {"note": "Customer gave the site", **elements_post(item, site=RIGHT_SITE, members=20)})
    assert sent.status_code == 302
    actions = [e.action for e in timeline_for(failed_order)]
    assert OrderAction.ITEM_CORRECTED in actions
    assert WorkOrderAction.CORRECTION_SENT_BACK in actions

    peers_answer()
    resent = WorkOrder.objects.latest("pk")
    assert sent_site(resent) == RIGHT_SITE
    assert resent.state == WorkOrder.State.COMPLETED
    accept_service(failed_order, ops=ops, manager=manager)
    failed_order.refresh_from_db()
    assert failed_order.status == Order.Status.COMPLETED


def test_a_peers_question_closes_when_its_work_order_finishes(catalogue, manager, customer, acceptor, ops):
    order = services.order_create(
        user=manager,
        customer=customer,
        items=[ItemInput(catalogue["T2"], elements={"site": RIGHT_SITE, "members": 20})],
    )
    order = services.order_submit(user=manager, order=order, version=order.version)
    services.order_accept(
        user=acceptor,
        task_pk=Task.objects.get(process_id=order.process_id, flow_task=OrderFlow.accept).pk,
        decision="approve",
    )
    work_order = WorkOrder.objects.get()
    now = dt.datetime.now(dt.UTC)
    work_order_apply(pk=work_order.pk, state="inProgress", event_time=now)
    work_order_note(pk=work_order.pk, kind="information", detail={"note": "Who opens the door?"}, event_time=now)
    question = InformationRequest.objects.get()
    assert list(open_questions_for(ops)) == [question]

    work_order_apply(pk=work_order.pk, state="completed", event_time=now + dt.timedelta(minutes=5))
    question.refresh_from_db()
    assert question.closed_at is not None
    assert not open_questions_for(ops).exists()
    assert WorkOrderAction.INFORMATION_CLOSED in [e.action for e in timeline_for(order)]
    with pytest.raises(ApplicationError, match="closed"):
        information_answer(user=ops, question=question, answer="Too late")

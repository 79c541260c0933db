"""Demo launches the SI partners work on: the integrators' portal holds an open work order and a failed one in
manual handling, and an IoT order whose failed work order the provisioning team returned to the account manager to
correct. Made through the real services (the partners' reports are the portal's), so their timelines are real."""

from django.db import transaction
from viewflow.workflow.models import Task

from customers.models import Customer
from keyaccounts.core.models import User
from orders.demo import VPMN_ELEMENTS, demo_order, demo_order_decide
from orders.flows import OrderFlow
from orders.models import Order

from .flows import LaunchFlow
from .models import Launch, WorkOrder
from .nodes import peer_wait_check
from .services import launch_handle_failures, work_order_report_progress

DEMO_NOTE = "Demo launch"
COMMON = {k: VPMN_ELEMENTS[k] for k in ("contact_name", "contact_phone", "contract_no", "sla_grade")}
OTA = {**COMMON, "monthly_fee": "6000", "terminal_count": 300, "acceptance_criteria": "99% 的终端完成升级"}
IOT = {**COMMON, "monthly_fee": "12000", "sim_count": 500, "apn": "cciot.jl", "acceptance_criteria": "物联网卡全部在线"}


def _work_order(order: Order) -> WorkOrder:
    return WorkOrder.objects.get(order_item__order=order)


def _failed(order: Order, *, partner: str, note: str) -> None:
    """The partner reports the work order failed in the portal; the launch goes on to manual handling."""
    work_order_report_progress(
        user=User.objects.get(username=partner), work_order=_work_order(order), state=WorkOrder.State.FAILED, note=note
    )
    waiting = Task.objects.get(process_id=order.launch.process_id, flow_task=LaunchFlow.dispatch)
    peer_wait_check(waiting.pk)  # what the worker does once this commits, done here: the next step needs it


@transaction.atomic
def seed_demo_launches() -> None:
    if Order.objects.filter(note=DEMO_NOTE).exists():
        return
    manager = User.objects.get(username="am_changchun")
    customer = Customer.objects.filter(account_manager=manager, status=Customer.Status.VALIDATED).first()
    if customer is None:
        return

    def accepted(product: str, elements: dict) -> Order:
        order = demo_order(manager=manager, customer=customer, product=product, elements=elements, note=DEMO_NOTE)
        demo_order_decide(order, OrderFlow.accept, username="bo_changchun")
        order.refresh_from_db()
        if order.needs_approval:  # an IoT solution: the supervisor approves
            demo_order_decide(order, OrderFlow.approve, username="sup_changchun")
        return Order.objects.select_related("launch").get(pk=order.pk)

    # An open work order in the integrator's portal, and a failed one the provisioning team is to handle.
    accepted("industry-ota", OTA)
    _failed(accepted("industry-ota", OTA), partner="si_jlsmart", note="终端固件版本过旧")
    # An IoT order the provisioning team returned to the account manager to correct.
    iot = accepted("m2m-iot", IOT)
    _failed(iot, partner="si_neiot", note="核心网未开通 APN cciot.jl")
    manual = Task.objects.get(process_id=iot.launch.process_id, flow_task=LaunchFlow.manual)
    launch_handle_failures(
        user=User.objects.get(username="ops_changchun"),
        task_pk=manual.pk,
        decision=Launch.Decision.RETURN,
        note="请向客户确认其设备使用的 APN",
    )

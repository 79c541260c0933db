"""Service launch, first cut: an order item goes out by its product's route and comes back finished.

T1 activates at once in our own systems; T2 sends a TMF641 service order to EOMS, T3 and T4 to the SI
peer (platforms and integrators), through the outbox. `work_orders_reconcile` reads the peers' truth
back (GET) and finishes the items. The full launch flow (L1–L8: resources, construction, acceptance,
billing) replaces this in the service-launch issue.
"""

import logging
import time
from datetime import date, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from keyaccounts.catalogue import services as catalogue
from keyaccounts.catalogue.models import Product, Service
from keyaccounts.catalogue.selectors import services_billing_due
from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.models import SiCompany
from keyaccounts.core.timeline import TimelineRow, timeline_event, timeline_record, timeline_save
from keyaccounts.core.workflow import OPEN_STATUSES, human_task, steps_follow
from keyaccounts.peers.client import PeerError, peer_retrieve
from keyaccounts.peers.models import OutboxMessage, Peer
from keyaccounts.peers.outbox import outbox_enqueue
from orders.models import Order, OrderItem
from orders.selectors import order_main_product
from orders.services import order_item_correct_elements, order_item_started
from sla.services import sla_clock_start, sla_clock_stop

from .access import may_handle_launch
from .lifecycle import (
    work_order_create,
    work_order_may_move,
    work_order_move,
    work_order_move_unsaved,
    work_orders_save,
)
from .models import (
    FINAL_WORK_ORDER_STATES,
    WORK_ORDER_STATES,
    InformationRequest,
    Launch,
    WorkOrder,
)
from .timeline import WorkOrderAction

logger = logging.getLogger(__name__)
SERVICE_ORDER = "serviceOrder"
CANCEL_SERVICE_ORDER = "cancelServiceOrder"
PEER_OF_ROUTE = {Product.Route.EOMS: Peer.EOMS, Product.Route.PLATFORM: Peer.SI, Product.Route.SI: Peer.SI}
RECONCILE_BATCH = 200  # per run: beat comes back for the rest
WAITING = ("SCHEDULED", "STARTED")  # a PeerWait step's statuses while it waits
TMF_ACTION = {OrderItem.Action.ADD: "add", OrderItem.Action.MODIFY: "modify", OrderItem.Action.DELETE: "delete"}


def service_order_payload(work_order: WorkOrder, item: OrderItem) -> dict:
    """TMF641 ServiceOrder for one order item: the product's elements become service characteristics."""
    order = item.order
    return {
        "externalId": work_order.external_id,
        "description": f"{order.number} {item.product.name_en}",
        "requestedStartDate": order.requested_start_date.isoformat() if order.requested_start_date else None,
        "relatedParty": [{"role": "customer", "name": order.customer.name, "id": str(order.customer_id)}],
        "serviceOrderItem": [
            {
                "id": "1",
                "action": TMF_ACTION[item.action],
                "quantity": item.quantity,
                "service": {
                    "serviceSpecification": {"id": item.product.code, "name": item.product.name_en},
                    "serviceCharacteristic": [{"name": k, "value": v} for k, v in sorted(item.elements.items())],
                    **({"id": item.service.number} if item.service_id else {}),
                },
            }
        ],
        "@type": "ServiceOrder",
    }


def launch_item(item: OrderItem) -> WorkOrder | None:
    """Hand one item to its route. Called inside the order transfer step's transaction."""
    route = item.product.route
    if route == Product.Route.INSTANT:
        order_item_started(
            item=item, action=WorkOrderAction.ACTIVATED
        )  # the action's label says it, in the reader's language
        return None
    peer = PEER_OF_ROUTE[route]
    attempt = item.work_orders.count() + 1
    receiver = item.routed_si_company_id if peer == Peer.SI else None
    company = SiCompany.objects.filter(pk=receiver).first() if receiver else None
    work_order = work_order_create(
        order_item=item,
        peer=peer,
        si_company=company,
        external_id=f"{item.order.number}-{item.pk:05d}-{attempt}",
    )
    if company is None or not company.works_in_portal:  # a portal company's staff take it from our portal
        outbox_enqueue(
            peer=peer,
            resource=SERVICE_ORDER,
            external_id=work_order.external_id,
            payload=service_order_payload(work_order, item),
        )
    data = {"work_order": work_order.external_id, "peer": peer, **({"si_company": company.code} if company else {})}
    order_item_started(item=item, action=WorkOrderAction.SENT, data=data)
    return work_order


def withdraw_item(item: OrderItem) -> None:
    """A cancelled order withdraws its open work orders (TMF641 CancelServiceOrder through the outbox)."""
    open_ones = item.work_orders.select_for_update(of=("self",)).select_related("si_company")
    for work_order in open_ones.exclude(state__in=FINAL_WORK_ORDER_STATES):
        if work_order.si_company is not None and work_order.si_company.works_in_portal:
            work_order_move(work_order=work_order, to=WorkOrder.State.CANCELLED, action=WorkOrderAction.WITHDRAWN)
            _questions_close([work_order])
            continue  # nothing was sent: the portal shows it withdrawn
        outbox_enqueue(
            peer=work_order.peer,
            resource=CANCEL_SERVICE_ORDER,
            external_id=f"{work_order.external_id}-C",
            payload={
                "externalId": f"{work_order.external_id}-C",
                "serviceOrder": {"id": work_order.external_id},
                "cancellationReason": "order cancelled",
                "@type": "CancelServiceOrder",
            },
        )
        work_order_move(work_order=work_order, to=WorkOrder.State.CANCELLED, action=WorkOrderAction.WITHDRAWN)
        _questions_close([work_order])


def work_orders_reconcile(*, stalled_for: timedelta | None = None) -> int:
    """Read the truth of open work orders no event moved for a while since they reached their peer (a lost
    event, a peer that went quiet), and apply what changed. Returns how many changed."""
    if stalled_for is None:
        stalled_for = timedelta(seconds=settings.WORK_ORDER_STALLED_AFTER)
    cutoff = timezone.now() - stalled_for
    delivered_before = OutboxMessage.objects.filter(external_id=OuterRef("external_id"), sent_at__lte=cutoff)
    open_ones = (
        WorkOrder.objects.exclude(state__in=FINAL_WORK_ORDER_STATES)
        .filter(Exists(delivered_before), updated_at__lte=cutoff)
        .order_by("updated_at")
        .values_list("pk", "external_id")[:RECONCILE_BATCH]
    )
    changed = 0
    for pk, external_id in open_ones:
        message = OutboxMessage.objects.filter(external_id=external_id, status=OutboxMessage.Status.SENT).first()
        if message is None:
            continue
        try:
            truth = peer_retrieve(message.peer, message.resource, message.remote_id).body
        except PeerError as error:
            logger.warning("work order %s not readable: %s", external_id, error)
            continue
        changed += work_order_apply(pk=pk, state=truth.get("state", ""), milestones=truth.get("milestone", []))
    return changed


def _work_order_report(work_order: WorkOrder, *, state: str, milestones, error: str, event_time) -> TimelineRow | None:
    """A peer's state for a work order locked by the caller, if the lifecycle lets it move: changes it in memory and
    returns its timeline line, or None if nothing changes."""
    if state not in WORK_ORDER_STATES:
        logger.warning("work order %s: unknown state %r ignored", work_order.pk, state)
        return None
    if not work_order_may_move(work_order, state, event_time=event_time):
        return None
    line = work_order_move_unsaved(work_order, to=state, event_time=event_time)
    if milestones:
        at = (event_time or timezone.now()).isoformat()
        work_order.milestones = [*work_order.milestones, {"at": at, "milestone": milestones}]
    work_order.error_message = error
    return line


def _order_type_id() -> int:
    from orders.models import Order

    return ContentType.objects.get_for_model(Order).pk


def _orders_answered(order_ids) -> set[int]:
    """Of these orders, those with no open work order left (their launch may go on)."""
    open_ones = WorkOrder.objects.filter(order_item__order_id=OuterRef("pk")).exclude(state__in=FINAL_WORK_ORDER_STATES)
    from orders.models import Order

    return set(Order.objects.filter(pk__in=order_ids).exclude(Exists(open_ones)).values_list("pk", flat=True))


def work_order_apply(*, pk: int, state: str, milestones: list | None = None, error: str = "", event_time=None) -> bool:
    """Apply the peer's state if it is known, newer than what was applied, and moves an open work order on;
    finish the item when the state is final. Returns whether anything changed."""
    if state not in WORK_ORDER_STATES:
        logger.warning("work order %s: unknown state %r ignored", pk, state)
        return False
    with transaction.atomic():
        work_order = WorkOrder.objects.select_for_update(of=("self",)).select_related("order_item").get(pk=pk)
        line = _work_order_report(work_order, state=state, milestones=milestones, error=error, event_time=event_time)
        if line is None:
            return False
        work_orders_save([work_order], [line])
        _questions_close([work_order])
        _check_launch_if_answered(work_order)
    return True


def _check_launch_if_answered(work_order: WorkOrder) -> None:
    order_id = work_order.order_item.order_id
    if work_order.is_final and _orders_answered([order_id]):
        _check_launches_after_commit([order_id])  # the last answer of the order: its launch may go on


NOTE_ACTIONS = {
    "milestone": WorkOrderAction.MILESTONE,
    "jeopardy": WorkOrderAction.JEOPARDY,
    "information": WorkOrderAction.INFORMATION_REQUIRED,
}


def _work_order_annotate(work_order: WorkOrder, *, kind: str, detail: dict, event_time) -> TimelineRow:
    """A note on a work order locked by the caller (in memory); a question also opens an InformationRequest
    with its SLA clock. Returns the unsaved timeline event."""
    entry = {"at": event_time.isoformat(), **{k: detail.get(k) for k in ("milestone", "jeopardyAlert", "note")}}
    if kind == "jeopardy":
        work_order.jeopardy = [*work_order.jeopardy, entry]
    else:
        work_order.milestones = [*work_order.milestones, entry]
    if kind == "milestone":
        _construction_clock_follow(work_order, detail.get("milestone") or [], event_time)
    moved = None
    if kind == "information" and not work_order.is_final:
        if work_order_may_move(work_order, WorkOrder.State.PENDING, event_time=event_time):
            moved = work_order_move_unsaved(
                work_order,
                to=WorkOrder.State.PENDING,
                action=NOTE_ACTIONS[kind],
                event_time=event_time,
                data=entry,
            )
        question = InformationRequest.objects.create(
            work_order=work_order,
            question=str(detail.get("note") or _("The peer needs more information.")),
            asked_at=event_time,
        )
        _work_order_clock_start(work_order, subject=question, step=INFORMATION_STEP)
    return moved or timeline_event(
        subject_type_id=_order_type_id(),
        subject_id=work_order.order_item.order_id,
        action=NOTE_ACTIONS[kind],
        data={"work_order": work_order.external_id, **entry},
    )


# EOMS's milestones that open and close the construction a missing resource needs (`launch.construction`).
CONSTRUCTION_STARTED, CONSTRUCTION_FINISHED = "construction started", "construction finished"
CONSTRUCTION_STEP = "launch.construction"


def _construction_clock_follow(work_order: WorkOrder, milestones: list, event_time) -> None:
    """Time the construction from EOMS's milestones: started → the clock runs on the work order, finished →
    it stops (met or breached). Read only for milestone events, so the hot path of state changes is spared."""
    names = " | ".join(str(m.get("name", "")).lower() for m in milestones if isinstance(m, dict))
    if CONSTRUCTION_FINISHED in names:
        sla_clock_stop(subject=work_order, step=CONSTRUCTION_STEP, now=event_time)
    elif CONSTRUCTION_STARTED in names:
        _work_order_clock_start(work_order, subject=work_order, step=CONSTRUCTION_STEP, now=event_time)


def _work_order_clock_start(work_order: WorkOrder, *, subject, step: str, now=None) -> None:
    """Start a clock for something a work order waits on, with its order's customer, city and product."""
    item = OrderItem.objects.select_related("product", "order__customer", "order__city", "order__account_manager").get(
        pk=work_order.order_item_id
    )
    order = item.order
    sla_clock_start(
        subject=subject,
        step=step,
        level=order.customer.level,
        city=order.city,
        customer=order.customer,
        product=item.product,
        account_manager=order.account_manager,
        now=now,
    )


def work_order_note(*, pk: int, kind: str, detail: dict, event_time) -> None:
    """A milestone, a jeopardy alert or a request for information: kept on the work order and the timeline."""
    with transaction.atomic():
        work_order = WorkOrder.objects.select_for_update(of=("self",)).select_related("order_item").get(pk=pk)
        note = _work_order_annotate(work_order, kind=kind, detail=detail, event_time=event_time)
        work_orders_save([work_order], [note])


EVENT_NOTES = {
    "ServiceOrderMilestoneEvent": "milestone",
    "ServiceOrderJeopardyEvent": "jeopardy",
    "ServiceOrderInformationRequiredEvent": "information",
}


ITEM_FIELDS_NOT_NEEDED = ("elements", "element_definition")


def work_orders_apply_events(*, events: list) -> None:
    """Apply stored peer events (locked by the caller, in arrival order) with the rules of `work_order_apply`
    and `work_order_note`, in a few statements for the whole batch: the work orders are locked once (in pk
    order, so concurrent batches cannot deadlock), changed in memory, and written back together. Sets each
    event's `outcome`; the caller marks them applied in the same transaction."""
    refs = {(e.peer, e.body["event"]["serviceOrder"]["externalId"]) for e in events}
    work_orders = {
        (w.peer, w.external_id): w
        for w in WorkOrder.objects.select_for_update(of=("self",))
        .select_related("order_item")
        .defer(*(f"order_item__{name}" for name in ITEM_FIELDS_NOT_NEEDED))  # only its order is read here
        .filter(external_id__in={external_id for _peer, external_id in refs})
        .order_by("pk")
    }
    changed: dict[int, WorkOrder] = {}
    timeline: list[TimelineRow] = []
    # Questions are open only on work orders that were pending or asked now: the others need no look for them.
    asked = {w.pk for w in work_orders.values() if w.state == WorkOrder.State.PENDING}
    for event in events:
        order = event.body["event"]["serviceOrder"]
        work_order = work_orders.get((event.peer, order["externalId"]))
        if work_order is None:
            event.outcome = "ignored: unknown work order"
        elif event.event_type == "ServiceOrderStateChangeEvent":
            line = _work_order_report(
                work_order,
                state=order.get("state", ""),
                milestones=order.get("milestone"),
                error=_error_text(order),
                event_time=event.event_time,
            )
            if line is None:
                event.outcome = "ignored: not newer, not legal or no change"
            else:
                event.outcome = "applied"
                timeline.append(line)
                changed[work_order.pk] = work_order
        else:
            kind = EVENT_NOTES[event.event_type]
            timeline.append(_work_order_annotate(work_order, kind=kind, detail=order, event_time=event.event_time))
            event.outcome = f"applied: {kind}"
            changed[work_order.pk] = work_order
            if kind == "information":
                asked.add(work_order.pk)
    work_orders_save(list(changed.values()), timeline)
    _questions_close([w for pk, w in changed.items() if pk in asked])
    finished = {w.order_item.order_id for w in changed.values() if w.is_final}
    if finished:
        _check_launches_after_commit(_orders_answered(finished))


def _error_text(order: dict) -> str:
    return "; ".join(str(e.get("reason") or e.get("message") or e) for e in order.get("errorMessage") or [])


def _questions_close(work_orders: list[WorkOrder]) -> None:
    """A peer's open questions close once their work order goes on without them or finishes: nobody is left
    waiting on the answer, and their clocks stop."""
    gone_on = [w.pk for w in work_orders if w.is_final or w.state == WorkOrder.State.IN_PROGRESS]
    if not gone_on:
        return
    questions = list(
        InformationRequest.objects.select_for_update()
        .filter(work_order_id__in=gone_on, closed_at=None)
        .select_related("work_order__order_item")
    )
    if not questions:
        return
    now = timezone.now()
    for question in questions:
        sla_clock_stop(subject=question, step=INFORMATION_STEP, now=now)
    InformationRequest.objects.filter(pk__in=[q.pk for q in questions]).update(closed_at=now)
    timeline_save(
        [
            timeline_event(
                subject_type_id=_order_type_id(),
                subject_id=q.work_order.order_item.order_id,
                action=WorkOrderAction.INFORMATION_CLOSED,
                reason=q.question,
                data={"work_order": q.work_order.external_id},
            )
            for q in questions
        ]
    )


def work_order_report_progress(*, user, work_order: WorkOrder, state: str, note: str = "", report=None) -> bool:
    """An SI partner moves a work order from the portal: the same state machine as the peer's events."""
    from .access import si_work_orders
    from .models import WorkOrderReport

    if not si_work_orders(user).filter(pk=work_order.pk).exists():
        raise PermissionDenied
    with transaction.atomic():
        work_order = (
            WorkOrder.objects.select_for_update(of=("self",)).select_related("order_item__order").get(pk=work_order.pk)
        )
        if report is not None:
            attachment = WorkOrderReport(work_order=work_order, file=report, uploaded_by=user)
            attachment.full_clean()
            attachment.save()
        # The same open state again is a progress note (a report attached); anything else is a move, or refused.
        moves = work_order.is_final or state != work_order.state
        if moves:
            line = work_order_move_unsaved(work_order, to=state, event_time=timezone.now())
            work_order.error_message = note if state == WorkOrder.State.FAILED else ""
            work_orders_save([work_order], [line])
            _questions_close([work_order])
            _check_launch_if_answered(work_order)
        timeline_record(
            subject=work_order.order_item.order,
            action=WorkOrderAction.PARTNER_REPORTED,
            actor=user,
            reason=note,
            data={"work_order": work_order.external_id, "state": state, "report": bool(report)},
        )
    return moves


# ---------------------------------------------------------------------------- the launch flow
def launch_start(*, order, items=None) -> Launch:
    """The order transfer hands the order to service launch: one launch process per order. `items`: the order's
    items with their products, when the caller has read them (the first dispatch uses them)."""
    from .flows import LaunchFlow

    launch = LaunchFlow.start.run(order=order, items=items).launch
    _sla_follow(launch, items)
    return launch


def launch_link(*, order, process, items=None) -> Launch:
    """The launch of a new launch process (`process.launch` is this one). `items`: as `launch_start`'s, the rows
    `_items` would read."""
    launch = Launch.objects.create(order=order, process=process)
    if items is not None:
        launch._items = _with_work_orders(items)
    return launch


def _with_work_orders(items: list[OrderItem]) -> list[OrderItem]:
    """The items with their work orders, read in one query for the items that have any (an instant activation
    sends none, so an order of instant activations reads none)."""
    prefetch_related_objects([item for item in items if item.product.route != Product.Route.INSTANT], "work_orders")
    return items


def _latest_work_order(item: OrderItem) -> WorkOrder | None:
    if item.product.route == Product.Route.INSTANT:
        return None  # activated at once in our own systems
    return max(item.work_orders.all(), key=lambda w: w.pk, default=None)


def _items(launch: Launch) -> list[OrderItem]:
    """The order's items with their products and work orders, read once per launch object: the flow's
    switches and steps of one run ask several times. Sending work orders forgets them."""
    if "_items" not in launch.__dict__:
        launch._items = _with_work_orders(list(launch.order.items.select_related("product").order_by("pk")))
    return launch._items


def _external_answers(launch: Launch) -> list[str | None]:
    """The state of each external item's latest work order (None: none sent yet), read in one query of
    values: the launch's checks run for every order whose last answer comes in, on orders of many items.
    Read once per launch object, like `_items`: the switches after the waiting step ask what the step's own
    check has just read under the flow lock (a final answer does not change; sending work orders forgets)."""
    if "_answers" not in launch.__dict__:
        latest = WorkOrder.objects.filter(order_item=OuterRef("pk")).order_by("-pk").values("state")[:1]
        launch._answers = list(
            OrderItem.objects.filter(order_id=launch.order_id)
            .exclude(product__route=Product.Route.INSTANT)
            .exclude(state=OrderItem.State.CANCELLED)
            .annotate(latest_state=Subquery(latest))
            .order_by()
            .values_list("latest_state", flat=True)
        )
    return launch._answers


def launch_dispatch(*, launch: Launch) -> None:
    """Send what still needs sending: everything at first; after manual handling, what failed (or, after a
    failed acceptance test, every work order again)."""
    resend_all = launch.test_passed is False
    items = _items(launch)
    for item in items:
        latest = _latest_work_order(item)
        if item.product.route == Product.Route.INSTANT:
            if item.state == OrderItem.State.ACKNOWLEDGED:
                launch_item(item)
        elif latest is None or resend_all or latest.state != WorkOrder.State.COMPLETED:
            launch_item(item)
    launch.__dict__.pop("_items", None)  # new work orders
    if all(item.product.route == Product.Route.INSTANT for item in items):
        launch._answers = []  # no item waits for a peer's answer
    else:
        launch.__dict__.pop("_answers", None)
    if launch.manual_decision or launch.test_passed is not None:  # a first dispatch has nothing to reset
        launch.manual_decision = ""
        launch.test_passed = None
        launch.save(update_fields=["manual_decision", "test_passed"])


def launch_answers_in(*, launch: Launch) -> bool:
    return all(state in FINAL_WORK_ORDER_STATES for state in _external_answers(launch))


def launch_answers_applied(*, launch: Launch) -> None:
    """Every answer is in and the flow has moved on: the configuration clock stops and the next step's starts
    (an instant activation has no next step; its launch is finished)."""
    _sla_follow(launch)


def launch_has_failures(launch: Launch) -> bool:
    return any(state != WorkOrder.State.COMPLETED for state in _external_answers(launch))


def launch_has_successes(launch: Launch) -> bool:
    if launch.test_passed is False:
        return False
    return any(
        i.product.route == Product.Route.INSTANT or _latest_work_order(i).state == WorkOrder.State.COMPLETED
        for i in _items(launch)
    )


def launch_needs_tests(launch: Launch) -> bool:
    """Network and platform services are tested and accepted; an instant activation is not."""
    return bool(_external_answers(launch))


def launch_billing_starts_on(launch: Launch) -> date:
    """The contract's day: the later of the customer's acceptance (an instant activation's, now) and the order's
    requested start date."""
    accepted = timezone.localdate(launch.customer_accepted_at or timezone.now())
    requested = launch.order.requested_start_date
    return max(accepted, requested) if requested else accepted


def launch_start_billing(*, launch: Launch) -> None:
    """The services this launch created are billed from the contract's day: today, or that day by the beat job
    (`billing_start_due`). A change bills on as before; a cancellation's service stopped billing when it was
    terminated and starts nothing here."""
    starts_on = launch_billing_starts_on(launch)
    created = Service.objects.filter(
        origin__order_id=launch.order_id, origin__action=OrderItem.Action.ADD, billing_starts_on=None
    )
    for service in created.order_by("pk"):
        started = catalogue.service_billing_schedule(service_id=service.pk, starts_on=starts_on)
        timeline_record(
            subject=launch.order,
            action=WorkOrderAction.BILLING_STARTED if started else WorkOrderAction.BILLING_SCHEDULED,
            data={"service": service.number, "starts_on": starts_on.isoformat()},
        )


def billing_start_due(*, now=None) -> int:
    """Beat's work on each day: start the billing of the running services whose day has come, each with its line
    on its order's timeline; returns how many started. Idempotent: a service started already, or terminated
    meanwhile, is skipped."""
    now = now or timezone.now()
    order_type = ContentType.objects.get_for_model(Order)
    with transaction.atomic():
        lines = [
            timeline_event(
                subject_type_id=order_type.pk,
                subject_id=service.origin.order_id,
                action=WorkOrderAction.BILLING_STARTED,
                data={"service": service.number, "starts_on": service.billing_starts_on.isoformat()},
            )
            for service in services_billing_due(today=timezone.localdate(now)).select_related("origin")
            if catalogue.service_billing_start(service_id=service.pk, now=now)
        ]
        timeline_save(lines)
    return len(lines)


def launch_finish(*, launch: Launch) -> None:
    """Each item ends completed (its service runs) or failed; the order flow then rolls the order up."""
    from orders.services import order_fulfil_if_done, order_item_finished

    for item in _items(launch):
        if item.state in (OrderItem.State.COMPLETED, OrderItem.State.FAILED, OrderItem.State.CANCELLED):
            continue
        latest = _latest_work_order(item)
        succeeded = launch.test_passed is not False and (
            item.product.route == Product.Route.INSTANT or (latest and latest.state == WorkOrder.State.COMPLETED)
        )
        order_item_finished(
            item=item,
            state=OrderItem.State.COMPLETED if succeeded else OrderItem.State.FAILED,
            note=latest.external_id if latest else "",
        )
    order_fulfil_if_done(launch.order)


def _check_launches_after_commit(order_ids) -> None:
    """Work orders finished: the launches' waiting steps are checked by Celery once this commits."""
    from viewflow.workflow.models import Task

    from .flows import LaunchFlow
    from .nodes import schedule_check

    if not order_ids:
        return
    for pk in Task.objects.filter(
        process__launch__order_id__in=order_ids, flow_task=LaunchFlow.dispatch, status__in=WAITING
    ).values_list("pk", flat=True):
        transaction.on_commit(lambda pk=pk: schedule_check(pk))


# Well under the sweep task's soft time limit: an exception raised inside a flow step marks it failed.
LAUNCH_SWEEP_SECONDS = 20


def launch_sweep() -> int:
    """Beat's safety net: every waiting launch step is checked (a lost Celery message only delays it)."""
    from viewflow.workflow.models import Task

    from .flows import LaunchFlow
    from .nodes import peer_wait_check

    # Only launches whose work orders have all answered can go on (the condition the events check on).
    open_ones = WorkOrder.objects.filter(order_item__order_id=OuterRef("process__launch__order_id")).exclude(
        state__in=FINAL_WORK_ORDER_STATES
    )
    waiting = Task.objects.filter(flow_task=LaunchFlow.dispatch, status__in=WAITING).exclude(Exists(open_ones))
    done, deadline = 0, time.monotonic() + LAUNCH_SWEEP_SECONDS
    for pk in waiting.values_list("pk", flat=True):
        if time.monotonic() > deadline:  # the next run goes on; never cut a launch's step off mid-way
            break
        done += peer_wait_check(pk) == "done"
    return done


def _sla_follow(launch: Launch, items=None) -> None:
    from .flows import SLA_STEPS

    order = launch.order
    steps_follow(
        subject=launch,
        process_id=launch.process_id,
        steps=SLA_STEPS,
        statuses=[*OPEN_STATUSES, *WAITING],  # the job node's wait is timed too
        level=lambda: order.customer.level,
        city_id=order.city_id,
        customer_id=order.customer_id,
        product=lambda: order_main_product(order, items),
        account_manager_id=order.account_manager_id,
    )


# Read with the task under the flow lock (`human_task`): the launch and its order, fresh.
LAUNCH_OF_TASK = ("process__launch__order",)


def launch_items_to_correct(launch: Launch) -> list[OrderItem]:
    """The items whose work orders are sent again after manual handling: those that did not complete (every
    external one after a failed acceptance test), with their products; their elements may be corrected first."""
    return [
        item
        for item in _items(launch)
        if item.product.route != Product.Route.INSTANT
        and item.state == OrderItem.State.IN_PROGRESS
        and (launch.test_passed is False or _latest_work_order(item).state != WorkOrder.State.COMPLETED)
    ]


def _correct_items(launch: Launch, *, user, corrections: dict[int, dict], note: str) -> None:
    """Each item's corrected elements (`corrections`: values by element code, by item id), through order
    management; refused, changing nothing, when an element is wrong or nothing changed."""
    changed = False
    for item in launch_items_to_correct(launch):
        if item.pk in corrections:
            changed |= order_item_correct_elements(item=item, values=corrections[item.pk], actor=user, reason=note)
    if not changed:
        raise ApplicationError(_("Nothing was changed: correct at least one element of a failed item."))


def launch_handle_failures(
    *, user, task_pk: int, decision: str, note: str = "", corrections: dict[int, dict] | None = None
) -> Launch:
    """Manual handling of what failed: correct the items' elements and send new work orders, return the items
    to the account manager to correct, send them again unchanged, or give them up and go on with the rest."""
    if decision not in Launch.Decision.values:
        raise ApplicationError(_("Choose a decision."), field="decision")
    if not note.strip():
        raise ApplicationError(_("Say what was done or why."), field="note")
    with human_task(
        task_pk, user=user, may_act=lambda t: may_handle_launch(user, t.process.launch.order), related=LAUNCH_OF_TASK
    ) as act:
        launch = act.task.process.launch
        timeline_record(
            subject=launch.order,
            action=WorkOrderAction.MANUALLY_HANDLED,
            actor=user,
            reason=note,
            data={"decision": decision},
        )
        if decision == Launch.Decision.CORRECT:
            _correct_items(launch, user=user, corrections=corrections or {}, note=note)
        launch.manual_decision = decision
        launch.correction_request = note if decision == Launch.Decision.RETURN else ""
        launch.save(update_fields=["manual_decision", "correction_request"])
        act.execute()
        _sla_follow(launch)
    return launch


def launch_send_back_corrected(*, user, task_pk: int, note: str, corrections: dict[int, dict]) -> Launch:
    """The account manager corrects the elements the provisioning team returned, and new work orders go out."""
    if not note.strip():
        raise ApplicationError(_("Say what was corrected."), field="note")
    with human_task(task_pk, user=user, may_act=lambda t: t.owner_id == user.pk, related=LAUNCH_OF_TASK) as act:
        launch = act.task.process.launch
        _correct_items(launch, user=user, corrections=corrections, note=note)
        timeline_record(subject=launch.order, action=WorkOrderAction.CORRECTION_SENT_BACK, actor=user, reason=note)
        act.execute()
        _sla_follow(launch)
    return launch


def launch_record_test(*, user, task_pk: int, passed: bool, note: str) -> Launch:
    """The acceptance test against the product's criteria; a failure goes to manual handling."""
    if not note.strip():
        raise ApplicationError(_("Record what was tested and the result."), field="note")
    with human_task(
        task_pk, user=user, may_act=lambda t: may_handle_launch(user, t.process.launch.order), related=LAUNCH_OF_TASK
    ) as act:
        launch = act.task.process.launch
        launch.test_passed = passed
        launch.test_note = note
        launch.save(update_fields=["test_passed", "test_note"])
        timeline_record(
            subject=launch.order,
            action=WorkOrderAction.TESTED,
            actor=user,
            reason=note,
            data={"passed": passed},
        )
        act.execute()
        _sla_follow(launch)
    return launch


def launch_record_customer_acceptance(*, user, task_pk: int, note: str) -> Launch:
    """The account manager records that the customer accepted the service; billing starts next."""
    if not note.strip():
        raise ApplicationError(_("Record who accepted and how (e.g. the signed acceptance form)."), field="note")
    with human_task(task_pk, user=user, may_act=lambda t: t.owner_id == user.pk, related=LAUNCH_OF_TASK) as act:
        launch = act.task.process.launch
        launch.customer_accepted_at = timezone.now()
        launch.customer_note = note
        launch.save(update_fields=["customer_accepted_at", "customer_note"])
        timeline_record(subject=launch.order, action=WorkOrderAction.CUSTOMER_ACCEPTED, actor=user, reason=note)
        act.execute()
        _sla_follow(launch)
    return launch


INFORMATION_STEP = "launch.information"
ANSWER_RESOURCE = "serviceOrderInformation"


def information_answer(*, user, question: InformationRequest, answer: str) -> InformationRequest:
    """The provisioning team answers the peer (through the outbox); the question's clock stops."""
    if not answer.strip():
        raise ApplicationError(_("Write the answer the peer needs."), field="answer")
    with transaction.atomic():
        question = (
            InformationRequest.objects.select_for_update()
            .select_related("work_order__order_item__order")
            .get(pk=question.pk)
        )
        order = question.work_order.order_item.order
        if not may_handle_launch(user, order):
            raise PermissionDenied
        if question.answered_at:
            raise ApplicationError(_("This question was answered already."))
        if question.closed_at:
            raise ApplicationError(_("This question is closed: its work order went on without the answer."))
        question.answer, question.answered_by = answer, user
        question.answered_at = question.closed_at = timezone.now()
        question.save()
        reference = f"{question.work_order.external_id}-I{question.pk}"
        outbox_enqueue(
            peer=question.work_order.peer,
            resource=ANSWER_RESOURCE,
            external_id=reference,
            payload={"externalId": reference, "serviceOrder": {"id": question.work_order.external_id}, "note": answer},
        )
        sla_clock_stop(subject=question, step=INFORMATION_STEP)
        timeline_record(
            subject=order,
            action=WorkOrderAction.INFORMATION_GIVEN,
            actor=user,
            reason=answer,
            data={"work_order": question.work_order.external_id},
        )
    return question

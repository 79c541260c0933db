"""Every write of order management. Each service is one transaction; a refusal saves nothing."""

import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task

from customers.models import Customer
from keyaccounts.catalogue import services as catalogue
from keyaccounts.catalogue.elements import definition_elements, definition_snapshot
from keyaccounts.catalogue.models import Product, Service
from keyaccounts.core.exceptions import ApplicationError, StaleRecordError
from keyaccounts.core.models import in_each_language
from keyaccounts.core.timeline import timeline_record
from keyaccounts.core.workflow import OPEN_STATUSES, handle_run_first, human_task, steps_follow

from . import access
from .elements import validate_element_values
from .fulfilment import fulfilment
from .lifecycle import CANCELLABLE, order_item_move, order_move
from .models import (
    FINAL_ITEM_STATES,
    BillingAccount,
    Order,
    OrderApprovalRule,
    OrderAttachment,
    OrderCancellation,
    OrderItem,
)
from .selectors import order_main_product
from .timeline import OrderAction

APPROVE, REJECT = "approve", "reject"
DRAFT_HEADER = ("contract_reference", "billing_account", "requested_start_date", "note")


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _locked(order: Order, version: int | None, related: tuple[str, ...] = ()) -> Order:
    """The order locked, checked against the version the user saw; `related`: rows read with it (not locked)."""
    fresh = Order.objects.select_related(*related).select_for_update(of=("self",)).get(pk=order.pk)
    if version is not None and fresh.version != version:
        raise StaleRecordError
    return fresh


# ---------------------------------------------------------------------------- drafts
@dataclass(frozen=True)
class ItemInput:
    product: Product
    quantity: int = 1
    unit_price: Decimal | None = None  # the list price when not agreed otherwise
    action: str = OrderItem.Action.ADD
    service: Service | None = None
    elements: dict | None = None


def _require_sane_line(product: Product, quantity, unit_price: Decimal, *, field: str = "quantity") -> None:
    """A quantity within the product's bounds and an amount that is possible, or a refusal saying which."""
    if problem := product.line_error(quantity, unit_price):
        raise ApplicationError(problem, field=field)


def _new_item(order: Order, item: ItemInput) -> OrderItem:
    if not item.product.is_active and item.action == OrderItem.Action.ADD:
        raise ApplicationError(_("%(product)s is not offered any more.") % {"product": item.product}, field="product")
    unit_price = item.product.list_price if item.unit_price is None else item.unit_price
    _require_sane_line(item.product, item.quantity, unit_price)
    if item.action != OrderItem.Action.ADD:
        if item.service is None or item.service.customer_id != order.customer_id:
            raise ApplicationError(_("Choose a running service of this customer."), field="service")
        if item.service.status != Service.Status.ACTIVE:
            raise ApplicationError(_("This service is not running any more."), field="service")
    new = OrderItem(
        order=order,
        product=item.product,
        action=item.action,
        quantity=item.quantity,
        unit_price=unit_price,
        service=item.service,
        elements=item.elements or {},
    )
    new.save()
    return new


def _billing_account_of(customer: Customer) -> BillingAccount | None:
    """The customer's first active account by number, which a new order is charged to."""
    return (
        BillingAccount.objects.filter(customer=customer, state=BillingAccount.State.ACTIVE).order_by("number").first()
    )


def order_create(*, user, customer: Customer, items: list[ItemInput]) -> Order:
    """A draft order entered by the account manager (E3), or a change of running services (E4)."""
    with transaction.atomic():
        _require(access.may_enter(user))
        if customer.status != Customer.Status.VALIDATED:
            raise ApplicationError(_("Only an archived customer can order."), field="customer")
        if customer.account_manager_id != user.pk:
            raise ApplicationError(_("Choose one of your own customers."), field="customer")
        if not items:
            raise ApplicationError(_("Add at least one product."), field="products")
        order = Order(
            customer=customer,
            city_id=customer.city_id,
            account_manager=user,
            billing_account=_billing_account_of(customer),
        )
        order.save()
        for item in items:
            _new_item(order, item)
        timeline_record(subject=order, action=OrderAction.DRAFTED, actor=user)
    return order


def order_draft_for_opportunity(*, opportunity, items: list[ItemInput]) -> Order:
    """A won opportunity's draft order (E2) for its account manager, with its customer, products, agreed
    prices and the elements the opportunity knows; called inside the opportunity's win step."""
    customer = opportunity.customer
    for item in items:  # the quote refused these already; an API or a later change of bounds may not have
        _require_sane_line(item.product, item.quantity, item.unit_price)
    order = Order(
        customer=customer,
        city_id=opportunity.city_id,
        account_manager_id=opportunity.account_manager_id,
        opportunity=opportunity,
        billing_account=_billing_account_of(customer),
    )
    order.save()
    # The integrator the pre-sales solution chose routes the SI work orders (T4); a platform product (T3) keeps
    # its platform.
    integrator = opportunity.solution_si_company_id
    OrderItem.objects.bulk_create(
        OrderItem(
            order=order,
            product=item.product,
            quantity=item.quantity,
            unit_price=item.unit_price,
            elements=item.elements or {},
            si_company_id=integrator if item.product.route == Product.Route.SI else None,
        )
        for item in items
    )
    timeline_record(subject=order, action=OrderAction.DRAFTED, data={"opportunity": opportunity.number})
    return order


def order_change_service(*, user, service: Service, action: str) -> Order:
    """E4: a draft that changes (bandwidth, members, features) or cancels a running service."""
    if action not in (OrderItem.Action.MODIFY, OrderItem.Action.DELETE):
        raise ApplicationError(_("Choose a change or a cancellation."))
    return order_create(
        user=user,
        customer=service.customer,
        items=[
            ItemInput(
                product=service.product,
                quantity=service.quantity,
                unit_price=service.origin.unit_price if action == OrderItem.Action.MODIFY else Decimal(0),
                action=action,
                service=service,
                elements=dict(service.elements),
            )
        ],
    )


def order_save_draft(
    *, user, order: Order, version: int, header: dict, elements: dict[int, dict], quantities: dict[int, int]
) -> Order:
    """Keep what the account manager typed, complete or not: values are checked for type, not completeness."""
    with transaction.atomic():
        order = _locked(order, version)
        _require(access.may_change(user, order))
        billing_account = header.get("billing_account")
        if billing_account is not None and billing_account.customer_id != order.customer_id:
            raise ApplicationError(_("This billing account belongs to another customer."), field="billing_account")
        for name in DRAFT_HEADER:
            if name in header:
                setattr(order, name, header[name])
        for item in order.items.select_related("product"):
            item.elements = elements.get(item.pk, item.elements)
            item.quantity = quantities.get(item.pk, item.quantity)
            _require_sane_line(item.product, item.quantity, item.unit_price, field=f"quantity{item.pk}")
            item.save(update_fields=["elements", "quantity"])
        order.version += 1
        # Never the status: only the lifecycle writes it.
        order.save(update_fields=[*DRAFT_HEADER, "version", "updated_at"])
        timeline_record(subject=order, action=OrderAction.DRAFT_SAVED, actor=user)
    return order


def order_remove_item(*, user, order: Order, version: int, item_pk: int) -> Order:
    with transaction.atomic():
        order = _locked(order, version)
        _require(access.may_change(user, order))
        if order.items.count() == 1:
            raise ApplicationError(_("An order keeps at least one item; cancel the draft instead."))
        order.items.filter(pk=item_pk).delete()
        order.version += 1
        order.save(update_fields=["version", "updated_at"])
    return order


def order_add_item(*, user, order: Order, version: int, item: ItemInput) -> Order:
    with transaction.atomic():
        order = _locked(order, version)
        _require(access.may_change(user, order))
        _new_item(order, item)
        order.version += 1
        order.save(update_fields=["version", "updated_at"])
    return order


def order_submit(*, user, order: Order, version: int) -> Order:
    """Freeze each item's element definition and start the order flow (check → acceptance…)."""
    with transaction.atomic():
        # With what the flow's check reads of it.
        order = _locked(order, version, related=("customer", "billing_account"))
        _require(access.may_edit(user, order))
        _require_chargeable(order)  # refused here, not after a green "submitted"
        items = order_items(order)
        for item in items:
            item.element_definition = definition_snapshot(item.product)
            item.save(update_fields=["element_definition"])
        order.submitted_at = timezone.now()
        order.version += 1
        timeline_record(subject=order, action=OrderAction.SUBMITTED, actor=user)
        from .flows import OrderFlow

        OrderFlow.start.run(order=order)  # its first step saves the order with its process and these changes
        _sla_follow(order, items)
    return order


def order_discard_draft(*, user, order: Order, version: int) -> Order:
    with transaction.atomic():
        order = _locked(order, version)
        _require(access.may_edit(user, order))
        order_move(order=order, to=Order.Status.CANCELLED, action=OrderAction.CANCELLED, actor=user)
    return order


def order_attach(*, user, order: Order, kind: str, upload) -> OrderAttachment:
    with transaction.atomic():
        _require(access.may_attach(user, order))
        attachment = OrderAttachment(order=order, kind=kind, file=upload, uploaded_by=user)
        attachment.full_clean()
        attachment.save()
        timeline_record(
            subject=order,
            action=OrderAction.ATTACHED,
            actor=user,
            data={"file": attachment.file.name.rsplit("/", 1)[-1], "kind": kind},
        )
    return attachment


# ---------------------------------------------------------------------------- the flow's automatic steps
def order_items(order: Order) -> list[OrderItem]:
    """The order's items with their products and services, read once per order object: a submission's check
    runs on the items the submission has just read (an order's items are fixed once it is submitted)."""
    if "_items" not in order.__dict__:
        order._items = list(order.items.select_related("product", "service").order_by("pk"))
    return order._items


def order_check_findings(order: Order, items: list[OrderItem] | None = None) -> list[dict]:
    """The business-consistency check: every reason the order cannot be accepted, in words people act on, each
    kept in every shipped language (the check runs in whoever's language; its reader may have another).
    `items`: the order's items with their products and services, when the caller has them."""
    if items is None:
        items = list(order.items.select_related("product", "service"))
    worded = in_each_language(lambda: _check_findings(order, items))
    return [dict(zip(worded, texts, strict=True)) for texts in zip(*worded.values(), strict=True)]


def _check_findings(order: Order, items: list[OrderItem]) -> list[str]:
    findings = []
    customer = order.customer
    if customer.status != Customer.Status.VALIDATED:
        findings.append(
            _("The customer is not archived (status: %(status)s).") % {"status": customer.get_status_display()}
        )
    findings.extend(order_account_findings(order))
    if not items:
        findings.append(_("The order has no item."))
    for item in items:
        if problem := item.product.line_error(item.quantity, item.unit_price):  # its bounds changed since
            findings.append(problem)
        try:
            validate_element_values(item.product, item.elements, definition=item.element_definition)
        except ValidationError as exc:
            findings.append(_element_problems(item, exc))
        if item.product.routes_to_si and not item.routed_si_company_id:
            findings.append(
                _("%(product)s: no SI partner or platform is named to receive its work orders; ask an administrator.")
                % {"product": item.product}
            )
        if item.action != OrderItem.Action.ADD and (
            item.service is None or item.service.status != Service.Status.ACTIVE
        ):
            findings.append(_("%(product)s: the service to change is not running.") % {"product": item.product})
    return findings


def _element_problems(item: OrderItem, exc: ValidationError) -> str:
    """The element errors of an item in words, each naming the field."""
    problems = (
        "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items())
        if hasattr(exc, "error_dict")
        else " ".join(exc.messages)
    )
    return _("%(product)s: %(problems)s") % {"product": item.product, "problems": problems}


def order_account_findings(order: Order) -> list[str]:
    """The check's account rule (an active account of the customer, arrears within its credit limit): the one
    submission applies before it answers, so that an order is never "submitted" only to be refused."""
    account: BillingAccount | None = order.billing_account
    if account is None:
        return [_("No billing account is given: open one for the customer first.")]
    if not account.is_active or account.customer_id != order.customer_id:
        return [_("Billing account %(number)s cannot be charged.") % {"number": account.number}]
    if account.over_credit_limit:
        return [
            _("Billing account %(number)s is in arrears (%(arrears)s, credit limit %(limit)s).")
            % {"number": account.number, "arrears": account.arrears, "limit": account.credit_limit}
        ]
    return []


def _require_chargeable(order: Order) -> None:
    if findings := order_account_findings(order):
        raise ApplicationError(" ".join(findings), field="billing_account")


def approval_rule_for(*, total: Decimal, level: str, product_ids: set[int]) -> OrderApprovalRule | None:
    """The first active rule an order or a quote of `total` per year, for a customer of `level`, with these
    products, falls under (None: it needs no approval)."""
    rules = OrderApprovalRule.objects.filter(is_active=True).select_related("product")
    return next((rule for rule in rules if rule.applies(total=total, level=level, product_ids=product_ids)), None)


def order_approval_rule(order: Order, items: list[OrderItem] | None = None) -> OrderApprovalRule | None:
    """The administrator's rule the order falls under (amount, customer level, product), if any."""
    items = list(order.items.all()) if items is None else items
    return approval_rule_for(
        total=Order.total_of(items),  # from the items read once here
        level=order.customer.level,
        product_ids={item.product_id for item in items},
    )


def order_needs_approval(order: Order, items: list[OrderItem] | None = None) -> bool:
    return order_approval_rule(order, items) is not None


def order_check(*, order: Order) -> None:
    items = order_items(order)
    order.check_findings = order_check_findings(order, items)
    order.needs_approval = not order.check_findings and order_needs_approval(order, items)
    if order.check_findings:
        order.save(update_fields=["check_findings", "needs_approval", "updated_at"])
        timeline_record(subject=order, action=OrderAction.CHECK_FAILED, data={"findings": order.check_findings})
    else:  # the move saves the findings with the new state
        order_move(
            order=order,
            to=Order.Status.ACKNOWLEDGED,
            action=OrderAction.CHECKED,
            data={"needs_approval": order.needs_approval},
            also=("check_findings", "needs_approval"),
        )


def _refusal(order: Order) -> dict:
    """Why the order was refused, for its timeline: a person's own words as the line's reason, the check's
    findings (kept in every language) as its data, worded when read."""
    typed = [finding for finding in order.check_findings if not isinstance(finding, dict)]
    worded = [finding for finding in order.check_findings if isinstance(finding, dict)]
    return {"reason": "\n".join(typed), "data": {"findings": worded} if worded else {}}


def order_reject(*, order: Order) -> None:
    order_move(order=order, to=Order.Status.REJECTED, action=OrderAction.REJECTED, **_refusal(order))


def order_transfer(*, order: Order) -> None:
    """订单流转: each item goes to its route's handler; the change of handler is on the timeline."""
    # The launch's dispatch sends from these rows rather than reading them again.
    items = order_items(order)
    order_move(
        order=order,
        to=Order.Status.IN_PROGRESS,
        action=OrderAction.TRANSFERRED,
        data={"handlers": {item.product.code: item.product.route for item in items}},
    )
    fulfilment().start(order=order, items=items)


# ---------------------------------------------------------------------------- what service launch reports
def order_item_started(*, item: OrderItem, action: str, reason: str = "", data=None) -> None:
    """Service launch handed the item (with its order and product) to its route: `action` and `data` say how, on
    the order's timeline. An item sent again (a failed work order retried) is in progress already; only the
    line is written."""
    if item.state == OrderItem.State.IN_PROGRESS:
        timeline_record(
            subject=item.order, action=action, reason=reason, data={"product": item.product.code, **(data or {})}
        )
        return
    order_item_move(item=item, to=OrderItem.State.IN_PROGRESS, action=action, reason=reason, data=data)


def order_item_correct_elements(*, item: OrderItem, values: dict, actor, reason: str) -> bool:
    """Correct the order elements of an item in fulfilment (with its order and product), e.g. the data a peer
    failed on, checked against the definition the item kept; on the order's timeline with the reason. Returns
    whether anything changed; bad values raise a clear error and change nothing. Who may correct is the
    caller's to check (the provisioning team, or the account manager the item was returned to)."""
    if not reason.strip():
        raise ApplicationError(_("Say why the elements are corrected."), field="note")
    if item.state in FINAL_ITEM_STATES:
        raise ApplicationError(_("This item is finished; its elements cannot change any more."))
    try:
        corrected = validate_element_values(item.product, values, definition=item.element_definition)
    except ValidationError as exc:
        raise ApplicationError(_element_problems(item, exc)) from None
    before = item.elements
    changed = [
        code
        for code in (*before, *(c for c in corrected if c not in before))
        if before.get(code) != corrected.get(code)
    ]
    if not changed:
        return False
    labels = {e.code: e.label for e in definition_elements(item.product, item.element_definition)}
    item.elements = corrected
    item.save(update_fields=["elements"])
    timeline_record(
        subject=item.order,
        action=OrderAction.ITEM_CORRECTED,
        actor=actor,
        reason=reason,
        data={
            "item": item.pk,
            "product": item.product.code,
            "changed": "; ".join(
                f"{labels.get(code, code)}: {before.get(code, '—')} → {corrected.get(code, '—')}" for code in changed
            ),
        },
    )
    return True


def order_item_finished(*, item: OrderItem, state: str, note: str = "") -> None:
    """Service launch finished an item (completed: its service runs; failed): record it and keep the inventory
    true. `item` with its order and product, as the caller read them (fixed once the order is submitted); an
    item finished or cancelled meanwhile stays as it is."""
    if state not in (OrderItem.State.COMPLETED, OrderItem.State.FAILED):
        raise ValueError(f"an item finishes completed or failed, not {state!r}")
    moved = order_item_move(
        item=item, to=state, action=OrderAction.ITEM_FINISHED, reason=note, data={"action": item.action}
    )
    if moved and state == OrderItem.State.COMPLETED:
        _apply_to_inventory(item)


def _apply_to_inventory(item: OrderItem) -> None:
    if item.action == OrderItem.Action.ADD:
        catalogue.service_create(
            customer_id=item.order.customer_id,
            product=item.product,
            origin=item,
            quantity=item.quantity,
            elements=item.elements,
        )
    elif item.action == OrderItem.Action.MODIFY:
        catalogue.service_change(service_id=item.service_id, quantity=item.quantity, elements=item.elements)
    else:
        from sla.quality import quality_monitoring_end

        catalogue.service_terminate(service_id=item.service_id)
        quality_monitoring_end(service_ids=[item.service_id])  # a torn-down service is nobody's to fix or measure


def order_fulfil_if_done(order: Order) -> bool:
    """Run the flow's fulfilment step once every item is finished (and no cancellation is being assessed)."""
    from .flows import OrderFlow

    if not order.process_id:
        return False
    # Under the flow lock, one read for the three conditions, from the rows as they are (the caller's object may
    # be stale), for the finished items' states, which no longer change, and for the task with the order.
    items = OrderItem.objects.filter(order=order.pk)
    tasks = (
        Task.objects.filter(process_id=order.process_id, flow_task=OrderFlow.fulfil, status__in=OPEN_STATUSES)
        .filter(Exists(Order.objects.filter(pk=order.pk, status=Order.Status.IN_PROGRESS)))
        .filter(~Exists(items.exclude(state__in=FINAL_ITEM_STATES)))
        .annotate(
            any_completed=Exists(items.filter(state=OrderItem.State.COMPLETED)),
            any_failed=Exists(items.filter(state=OrderItem.State.FAILED)),
        )
    )

    def item_states(task: Task) -> dict:
        states = (OrderItem.State.COMPLETED, OrderItem.State.FAILED)
        found = (task.any_completed, task.any_failed)
        return {"item_states": {state for state, was in zip(states, found, strict=True) if was}}

    return handle_run_first(OrderFlow.fulfil, order.process_id, tasks, item_states, related=("process__order",))


def order_roll_up(*, order: Order, item_states: set[str]) -> None:
    """The order's state from its items' (`item_states`: the states its items ended in, cancelled aside): all
    completed, all failed, or partial."""
    if item_states == {OrderItem.State.COMPLETED}:
        to = Order.Status.COMPLETED
    elif item_states == {OrderItem.State.FAILED}:
        to = Order.Status.FAILED
    else:
        to = Order.Status.PARTIAL
    order_move(order=order, to=to, action=OrderAction.COMPLETED)


# ---------------------------------------------------------------------------- human decisions
def _sla_follow(order: Order, items: list[OrderItem] | None = None) -> None:
    """`items`: the order's items with their products, when the caller has them."""
    from .flows import SLA_STEPS

    steps_follow(
        subject=order,
        process_id=order.process_id,
        steps=SLA_STEPS,
        level=lambda: order.customer.level,
        city_id=order.city_id,
        customer_id=order.customer_id,
        product=lambda: order_main_product(order, items),
        account_manager_id=order.account_manager_id,
    )


def _order_of(task: Task) -> Order:
    """The order the flow's switches read, fresh: `human_task` reads it with the task under the flow lock."""
    order = task.process.order
    if order.status == Order.Status.ASSESSING_CANCELLATION:
        raise ApplicationError(_("A cancellation of this order is being assessed; wait for its decision."))
    return order


def _decide(*, user, task_pk: int, decision: str, reason: str, may_act, action_by_decision: dict) -> Order:
    if decision not in (APPROVE, REJECT):
        raise ApplicationError(_("Choose a decision."), field="decision")
    if decision == REJECT and not reason.strip():
        raise ApplicationError(_("Give a reason: the account manager will read it."), field="reason")
    # With its customer: the launch's first SLA clock asks the customer's level.
    related = ("process__order__customer",)
    with human_task(task_pk, user=user, may_act=lambda t: may_act(user, t.process.order), related=related) as act:
        order = _order_of(act.task)
        order.decision = decision
        if decision == REJECT:
            order.check_findings = [reason]
        order.save(update_fields=["decision", "check_findings", "updated_at"])
        timeline_record(subject=order, action=action_by_decision[decision], actor=user, reason=reason)
        act.execute()
        _sla_follow(order)
    return order


def order_accept(*, user, task_pk: int, decision: str, reason: str = "") -> Order:
    """The order-acceptance team takes the order on, or refuses it with a reason."""
    return _decide(
        user=user,
        task_pk=task_pk,
        decision=decision,
        reason=reason,
        may_act=access.may_accept,
        action_by_decision={APPROVE: OrderAction.ACCEPTED, REJECT: OrderAction.REJECTED},
    )


def order_approve(*, user, task_pk: int, decision: str, reason: str = "") -> Order:
    return _decide(
        user=user,
        task_pk=task_pk,
        decision=decision,
        reason=reason,
        may_act=access.may_approve,
        action_by_decision={APPROVE: OrderAction.APPROVED, REJECT: OrderAction.REJECTED},
    )


# ---------------------------------------------------------------------------- cancellation
def _cancellation_follow(cancellation: OrderCancellation) -> None:
    """The assessment's SLA clock runs while its task waits, and the inbox lists it as it is now."""
    from .flows import CANCELLATION_SLA_STEPS

    order = cancellation.order
    steps_follow(
        subject=cancellation,
        process_id=cancellation.process_id,
        steps=CANCELLATION_SLA_STEPS,
        level=lambda: order.customer.level,
        city_id=order.city_id,
        customer_id=order.customer_id,
        product=lambda: order_main_product(order),
        account_manager_id=order.account_manager_id,
    )


def order_request_cancellation(*, user, order: Order, reason: str) -> Order:
    """An order in progress is not simply dropped: its cancellation becomes a task of the order-acceptance team,
    who assess it (`order_assess_cancellation`); meanwhile the order's own steps wait."""
    if not reason.strip():
        raise ApplicationError(_("Say why the order is cancelled."), field="reason")
    with transaction.atomic():
        order = _locked(order, None, related=("customer",))
        _require(access.may_request_cancellation(user, order))
        if order.status not in CANCELLABLE:
            raise ApplicationError(_("An order in this state cannot be cancelled."))
        order.status_before_cancellation = order.status
        order_move(
            order=order,
            to=Order.Status.ASSESSING_CANCELLATION,
            action=OrderAction.CANCELLATION_REQUESTED,
            actor=user,
            reason=reason,
            also=("status_before_cancellation",),
        )
        cancellation = OrderCancellation.objects.create(order=order, requested_by=user, reason=reason.strip())
        from .flows import OrderCancellationFlow

        OrderCancellationFlow.start.run(cancellation=cancellation)
        _cancellation_follow(cancellation)
    return order


def order_cancellation_task(order: Order) -> Task | None:
    """The open "assess the cancellation" task of the order, if a cancellation waits for a decision."""
    from .flows import OrderCancellationFlow

    return Task.objects.filter(
        process__order_cancellation__order=order, flow_task=OrderCancellationFlow.assess, status__in=OPEN_STATUSES
    ).first()


def order_assess_cancellation(*, user, order: Order, accept: bool, reason: str = "") -> Order:
    """The decision on the order's pending cancellation, by whoever may take its task (`order_decide_cancellation`)."""
    task = order_cancellation_task(order)
    if task is None:
        raise ApplicationError(_("No cancellation of this order waits for a decision."))
    return order_decide_cancellation(user=user, task_pk=task.pk, accept=accept, reason=reason)


def order_decide_cancellation(*, user, task_pk: int, accept: bool, reason: str = "") -> Order:
    """Accepted: open work orders are withdrawn and the order is cancelled (`order_cancel`). Refused, with a
    reason the account manager reads: the order goes on from where it was (`order_resume`)."""
    if not accept and not reason.strip():
        raise ApplicationError(_("Give a reason: the account manager will read it."), field="reason")
    related = ("process__order_cancellation__order__customer",)
    with human_task(
        task_pk,
        user=user,
        may_act=lambda t: access.may_assess_cancellation(user, t.process.order_cancellation.order),
        related=related,
    ) as act:
        cancellation = act.task.process.order_cancellation
        cancellation.decision = OrderCancellation.Decision.CANCEL if accept else OrderCancellation.Decision.REFUSE
        cancellation.decided_by = user
        cancellation.decision_reason = reason.strip()
        cancellation.save(update_fields=["decision", "decided_by", "decision_reason", "updated_at"])
        act.execute()  # the flow carries the decision out
        _cancellation_follow(cancellation)
    return cancellation.order


def order_cancel(*, cancellation: OrderCancellation) -> None:
    """The cancellation accepted: the open items are withdrawn from their routes, the order's and its launch's
    processes cancelled, the order cancelled."""
    order = _locked(cancellation.order, None)
    actor, reason = cancellation.decided_by, cancellation.decision_reason or cancellation.reason
    order_move(
        order=order,
        to=Order.Status.PENDING_CANCELLATION,
        action=OrderAction.CANCELLATION_ACCEPTED,
        actor=actor,
        reason=reason,
    )
    for item in order.items.select_related("product").exclude(state__in=FINAL_ITEM_STATES):
        fulfilment().withdraw_item(item)
        order_item_move(item=item, to=OrderItem.State.CANCELLED, action=OrderAction.ITEM_CANCELLED, reason=reason)
    if order.process_id:
        from .flows import OrderFlow

        OrderFlow.instance.cancel(order.process)
    fulfilment().cancel(order)
    order_move(order=order, to=Order.Status.CANCELLED, action=OrderAction.CANCELLED, actor=actor, reason=reason)
    _sla_follow(order)


def order_resume(*, cancellation: OrderCancellation) -> None:
    """The cancellation refused: the order goes back where it was, and on to its roll-up if its items finished
    meanwhile."""
    order = _locked(cancellation.order, None)
    order_move(
        order=order,
        to=order.status_before_cancellation,
        action=OrderAction.CANCELLATION_REFUSED,
        actor=cancellation.decided_by,
        reason=cancellation.decision_reason,
    )
    order_fulfil_if_done(order)


# ---------------------------------------------------------------------------- the correction loop
RESUBMIT, ABANDON = "resubmit", "abandon"


def order_return_for_correction(*, order: Order) -> None:
    """The check or the acceptance refused the order: it goes back to its account manager, with the reasons."""
    if order.status == Order.Status.PENDING:  # refused again by the check after a correction
        timeline_record(subject=order, action=OrderAction.RETURNED, **_refusal(order))
        return
    order_move(order=order, to=Order.Status.PENDING, action=OrderAction.RETURNED, **_refusal(order))


def _correction(user, task_pk: int):
    return human_task(
        task_pk,
        user=user,
        may_act=lambda t: t.owner_id == user.pk and access.may_change(user, t.process.order),
        related=("process__order__customer", "process__order__billing_account"),
    )


def order_correct(*, user, task_pk: int, version: int | None = None) -> Order:
    """The account manager sends the corrected order (saved with `order_save_draft`) to the check again; an
    account that cannot be charged is refused here, and the task stays theirs."""
    with _correction(user, task_pk) as act:
        order = act.task.process.order
        if version is not None and order.version != version:
            raise StaleRecordError
        _require_chargeable(order)
        for item in order_items(order):
            item.element_definition = definition_snapshot(item.product)
            item.save(update_fields=["element_definition"])
        order.decision, order.check_findings = RESUBMIT, []
        order.version += 1
        order.save(update_fields=["decision", "check_findings", "version", "updated_at"])
        timeline_record(subject=order, action=OrderAction.CORRECTED, actor=user)
        act.execute()
        _sla_follow(order)
    return order


def order_abandon(*, user, task_pk: int, reason: str = "") -> Order:
    """The account manager gives the refused order up: it is rejected, with their reason or the refusal's."""
    with _correction(user, task_pk) as act:
        order = act.task.process.order
        order.decision = ABANDON
        if reason.strip():
            order.check_findings = [reason.strip()]
        order.save(update_fields=["decision", "check_findings", "updated_at"])
        timeline_record(subject=order, action=OrderAction.ABANDONED, actor=user, reason=reason)
        act.execute()
        _sla_follow(order)
    return order


def order_correction_task(order: Order) -> Task | None:
    """The open "correct the order" task of an order returned to its account manager."""
    from .flows import OrderFlow

    if order.status != Order.Status.PENDING or not order.process_id:
        return None
    return Task.objects.filter(
        process_id=order.process_id, flow_task=OrderFlow.correct, status__in=OPEN_STATUSES
    ).first()


# ---------------------------------------------------------------------------- billing accounts
def billing_account_open(
    *,
    user,
    customer: Customer,
    payer_name: str,
    billing_address: str,
    payment_method: str,
    credit_limit: Decimal,
) -> BillingAccount:
    """The customer's account manager opens a billing account (TMF666); its number is generated, never typed."""
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        _require(access.may_open_billing_account(user, customer))
        account = BillingAccount(
            customer=customer,
            number=billing_account_placeholder(),
            payer_name=payer_name.strip(),
            billing_address=billing_address.strip(),
            payment_method=payment_method,
            credit_limit=credit_limit,
            created_by=user,
        )
        try:
            account.full_clean(exclude=["number"])
        except ValidationError as exc:
            field, messages = next(iter(exc.message_dict.items()))
            raise ApplicationError(" ".join(messages), field=field) from None
        if not account.payer_name or not account.billing_address:
            raise ApplicationError(_("Give the payer and the billing address."), field="payer_name")
        account.save()
        billing_account_number(account)
        timeline_record(
            subject=customer,
            action=OrderAction.BILLING_ACCOUNT_OPENED,
            actor=user,
            data={"number": account.number, "payer": account.payer_name},
        )
    return account


def billing_account_placeholder() -> str:
    """Unique until the row has its id, which the number is made of."""
    return f"new-{uuid.uuid4().hex}"


def billing_account_number(account: BillingAccount) -> None:
    """`BA` and the row's id, ten digits: unique and in the order accounts were opened."""
    account.number = f"BA{account.pk:010d}"
    account.save(update_fields=["number"])

"""Order management (订单管理): submission → consistency check → acceptance → [approval] → order transfer
by route → the items' fulfilment → the order's state rolled up from its items. An order the check or the
acceptance refuses goes back to its account manager to correct and resubmit, or abandon (the correction loop).

Nodes only route; every write is a service in `services.py`. The `fulfil` Handle waits until service
launch has finished every item; `services.order_item_finished` runs it.
"""

from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from keyaccounts.core.workflow import BaseFlow

from . import services
from .models import Order, OrderCancellation, OrderCancellationProcess, OrderProcess

SLA_STEPS = {"accept": "order.acceptance", "approve": "order.approval", "correct": "order.correction"}
CANCELLATION_SLA_STEPS = {"assess": "order.cancellation"}


def open_task_page(request, **kwargs):
    return redirect("orders:detail", pk=request.activation.process.order.pk)


def _order(activation) -> Order:
    return activation.process.order


def open_cancellation_page(request, **kwargs):
    return redirect("orders:detail", pk=request.activation.process.order_cancellation.order_id)


def _cancellation(activation) -> OrderCancellation:
    return activation.process.order_cancellation


class OrderFlow(BaseFlow):
    process_class = OrderProcess
    process_title = _("Order")
    process_description = _("Check, accept, approve where rules say, and transfer an order to fulfilment.")

    start = flow.StartHandle(this.link_order).Annotation(title=_("Start")).Next(this.check)
    check = flow.Function(this.run_check).Annotation(title=_("Check the order")).Next(this.after_check)
    after_check = (
        flow.Switch()
        .Case(this.return_for_correction, lambda a: bool(_order(a).check_findings))
        .Default(this.accept)
        .Annotation(title=_("By the check's findings"))
    )
    accept = (
        flow.View(open_task_page)
        .Permission("orders.accept_order")
        .Annotation(title=_("Accept the order"))
        .Next(this.after_accept)
    )
    after_accept = (
        flow.Switch()
        .Annotation(title=_("By the acceptance decision"))
        .Case(this.return_for_correction, lambda a: _order(a).decision == services.REJECT)
        .Case(this.approve, lambda a: _order(a).needs_approval)
        .Default(this.transfer)
    )
    approve = (
        flow.View(open_task_page)
        .Permission("orders.approve_order")
        .Annotation(title=_("Approve the order"))
        .Next(this.after_approve)
    )
    after_approve = (
        flow.Switch()
        .Case(this.transfer, lambda a: _order(a).decision == services.APPROVE)
        .Default(this.reject)
        .Annotation(title=_("By the approval's decision"))
    )
    return_for_correction = (
        flow.Function(this.run_return).Annotation(title=_("Return for correction")).Next(this.correct)
    )
    correct = (
        flow.View(open_task_page)
        .Assign(lambda a: _order(a).account_manager)
        .Annotation(title=_("Correct the order"))
        .Next(this.after_correct)
    )
    after_correct = (
        flow.Switch()
        .Case(this.reject, lambda a: _order(a).decision == services.ABANDON)
        .Default(this.check)
        .Annotation(title=_("By the correction"))
    )
    transfer = flow.Function(this.run_transfer).Annotation(title=_("Transfer to fulfilment")).Next(this.fulfil)
    fulfil = flow.Handle(this.run_fulfil).Annotation(title=_("Wait for service launch")).Next(this.end)
    reject = flow.Function(this.run_reject).Annotation(title=_("Reject the order")).Next(this.end)
    end = flow.End().Annotation(title=_("End"))

    def link_order(self, activation, order: Order):
        activation.process.save()
        order.process = activation.process
        # With what the submission changed: only `order_submit` starts the flow, and saves the order here once.
        order.save(update_fields=["process", "submitted_at", "version", "updated_at"])
        return activation.process

    def run_check(self, activation):
        services.order_check(order=_order(activation))

    def run_return(self, activation):
        services.order_return_for_correction(order=_order(activation))

    def run_transfer(self, activation):
        services.order_transfer(order=_order(activation))

    def run_fulfil(self, activation, item_states: set[str]):
        services.order_roll_up(order=_order(activation), item_states=item_states)

    def run_reject(self, activation):
        services.order_reject(order=_order(activation))


class OrderCancellationFlow(BaseFlow):
    """A cancellation requested while the order is in progress (E4 of an order not yet fulfilled): its own short
    process beside the order's, so that its assessment is a task in the order-acceptance team's queue, timed
    and notified like every step, whichever step the order's own process is waiting at."""

    process_class = OrderCancellationProcess
    process_title = _("Order cancellation")
    process_description = _("The order-acceptance team decides on an account manager's request to cancel an order.")

    start = flow.StartHandle(this.link_request).Annotation(title=_("Start")).Next(this.assess)
    assess = (
        flow.View(open_cancellation_page)
        .Permission("orders.assess_cancellation")
        .Annotation(title=_("Assess the cancellation"))
        .Next(this.after_assess)
    )
    after_assess = (
        flow.Switch()
        .Annotation(title=_("By the assessment"))
        .Case(this.cancel, lambda a: _cancellation(a).decision == OrderCancellation.Decision.CANCEL)
        .Default(this.resume)
    )
    cancel = flow.Function(this.run_cancel).Annotation(title=_("Cancel the order")).Next(this.end)
    resume = flow.Function(this.run_resume).Annotation(title=_("Resume the order")).Next(this.end)
    end = flow.End().Annotation(title=_("End"))

    def link_request(self, activation, cancellation: OrderCancellation):
        activation.process.save()
        cancellation.process = activation.process
        cancellation.save(update_fields=["process", "updated_at"])
        return activation.process

    def run_cancel(self, activation):
        services.order_cancel(cancellation=_cancellation(activation))

    def run_resume(self, activation):
        services.order_resume(cancellation=_cancellation(activation))

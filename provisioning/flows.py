"""Service launch (业务开通): work orders out by route (T1 at once; EOMS and SI in parallel, joined before
acceptance) → failed ones to manual handling (their elements corrected by the provisioning team, or by the
account manager they are returned to, and sent again) → acceptance test → customer acceptance → the order's
items are finished (their services run) → their billing starts, or is scheduled for the requested start date.
Nodes only route; every write is a service in `services.py`.
"""

from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from keyaccounts.core.workflow import BaseFlow

from . import services
from .models import Launch, LaunchProcess
from .nodes import PeerWait

SLA_STEPS = {
    "dispatch": "launch.configuration",
    "manual": "launch.manual_handling",
    "correction": "launch.correction",
    "acceptance_test": "launch.acceptance",
    "customer_acceptance": "launch.customer_acceptance",
}


SEND_AGAIN = (Launch.Decision.CORRECT, Launch.Decision.RESEND)


def open_task_page(request, **kwargs):
    return redirect("orders:detail", pk=request.activation.process.launch.order_id)


def _launch(activation) -> Launch:
    return activation.process.launch


class LaunchFlow(BaseFlow):
    process_class = LaunchProcess
    process_title = _("Service launch")
    process_description = _("Work orders to EOMS and SI, tests, customer acceptance and the start of billing.")

    start = flow.StartHandle(this.link_launch).Annotation(title=_("Start")).Next(this.dispatch)
    dispatch = (
        PeerWait(
            send=this.send_work_orders,
            done=this.answers_in,
            after=this.answers_applied,
            related=services.LAUNCH_OF_TASK,
        )
        .Annotation(title=_("Wait for EOMS and SI"))
        .Next(this.after_dispatch)
    )
    after_dispatch = (
        flow.Switch()
        .Annotation(title=_("By the work orders' results"))
        .Case(this.manual, lambda a: services.launch_has_failures(_launch(a)))
        .Case(this.finish, lambda a: not services.launch_needs_tests(_launch(a)))
        .Default(this.acceptance_test)
    )
    manual = (
        flow.View(open_task_page)
        .Permission("provisioning.handle_launch")
        .Annotation(title=_("Handle the failed work orders"))
        .Next(this.after_manual)
    )
    after_manual = (
        flow.Switch()
        .Annotation(title=_("By the manual handling"))
        .Case(this.dispatch, lambda a: _launch(a).manual_decision in SEND_AGAIN)
        .Case(this.correction, lambda a: _launch(a).manual_decision == Launch.Decision.RETURN)
        .Case(
            this.finish,
            lambda a: not services.launch_has_successes(_launch(a)) or not services.launch_needs_tests(_launch(a)),
        )
        .Default(this.acceptance_test)
    )
    correction = (
        flow.View(open_task_page)
        .Assign(lambda a: _launch(a).order.account_manager)
        .Annotation(title=_("Correct the order elements of the failed items"))
        .Next(this.dispatch)
    )
    acceptance_test = (
        flow.View(open_task_page)
        .Permission("provisioning.handle_launch")
        .Annotation(title=_("Test against the acceptance criteria"))
        .Next(this.after_test)
    )
    after_test = (
        flow.Switch()
        .Annotation(title=_("By the test's result"))
        .Case(this.customer_acceptance, lambda a: _launch(a).test_passed)
        .Default(this.manual)
    )
    customer_acceptance = (
        flow.View(open_task_page)
        .Assign(lambda a: _launch(a).order.account_manager)
        .Annotation(title=_("Record the customer's acceptance"))
        .Next(this.finish)
    )
    # Billing after the items are finished: the services it bills exist only then.
    finish = flow.Function(this.finish_items).Annotation(title=_("Finish the items")).Next(this.billing)
    billing = flow.Function(this.start_billing).Annotation(title=_("Start billing")).Next(this.end)
    end = flow.End().Annotation(title=_("End"))

    def link_launch(self, activation, order, items=None):
        activation.process.save()
        services.launch_link(order=order, process=activation.process, items=items)
        return activation.process

    def send_work_orders(self, activation):
        services.launch_dispatch(launch=_launch(activation))

    def answers_in(self, activation) -> bool:
        return services.launch_answers_in(launch=_launch(activation))

    def answers_applied(self, activation):
        services.launch_answers_applied(launch=_launch(activation))

    def start_billing(self, activation):
        services.launch_start_billing(launch=_launch(activation))

    def finish_items(self, activation):
        services.launch_finish(launch=_launch(activation))

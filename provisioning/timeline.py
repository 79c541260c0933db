from django.db import models
from django.utils.translation import gettext_lazy as _

from keyaccounts.core.timeline import register_actions, register_values
from keyaccounts.peers.models import Peer

from .models import Launch, WorkOrder


class WorkOrderAction(models.TextChoices):
    SENT = "workorder.sent", _("Work order sent")
    STATE_CHANGED = "workorder.state_changed", _("Work order progressed")
    WITHDRAWN = "workorder.withdrawn", _("Work order withdrawn")
    MILESTONE = "workorder.milestone", _("Work order milestone")
    ACTIVATED = "launch.activated", _("Activated at once")
    MANUALLY_HANDLED = "launch.manually_handled", _("Failed work orders handled")
    TESTED = "launch.tested", _("Acceptance test recorded")
    CUSTOMER_ACCEPTED = "launch.customer_accepted", _("Customer accepted the service")
    BILLING_STARTED = "launch.billing_started", _("Billing started")
    BILLING_SCHEDULED = "launch.billing_scheduled", _("Billing scheduled for the requested start date")
    PARTNER_REPORTED = "workorder.partner_reported", _("SI partner reported progress")
    JEOPARDY = "workorder.jeopardy", _("Work order in jeopardy")
    INFORMATION_REQUIRED = "workorder.information_required", _("The peer needs information")
    INFORMATION_GIVEN = "workorder.information_given", _("Information given to the peer")
    INFORMATION_CLOSED = "workorder.information_closed", _("The peer's question closed: its work order went on")
    CORRECTION_SENT_BACK = "launch.correction_sent_back", _("Corrected by the account manager and sent back")


_WORK_ORDER = "provisioning/timeline/work_order.html"
register_actions(
    WorkOrderAction,
    states=WorkOrder.State,
    templates={
        WorkOrderAction.SENT: "orders/timeline/item.html",
        WorkOrderAction.ACTIVATED: "orders/timeline/item.html",
        WorkOrderAction.STATE_CHANGED: _WORK_ORDER,
        WorkOrderAction.WITHDRAWN: _WORK_ORDER,
        WorkOrderAction.MILESTONE: _WORK_ORDER,
        WorkOrderAction.JEOPARDY: _WORK_ORDER,
        WorkOrderAction.INFORMATION_REQUIRED: _WORK_ORDER,
        WorkOrderAction.INFORMATION_GIVEN: _WORK_ORDER,
        WorkOrderAction.PARTNER_REPORTED: _WORK_ORDER,
        WorkOrderAction.MANUALLY_HANDLED: "provisioning/timeline/manual.html",
        WorkOrderAction.TESTED: "provisioning/timeline/tested.html",
    },
)
register_values("provisioning.work_order_state", WorkOrder.State)
register_values("provisioning.manual_decision", Launch.Decision)
register_values("peers.peer", Peer)

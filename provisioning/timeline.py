from django.db import models
from django.utils.translation import gettext_lazy as _

from keyaccounts.core.timeline import register_actions


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


register_actions(WorkOrderAction)

from django.db import models
from django.utils.translation import gettext_lazy as _

from keyaccounts.catalogue.models import Product
from keyaccounts.core.timeline import register_actions, register_values

from .models import Order, OrderAttachment, OrderItem


class OrderAction(models.TextChoices):
    DRAFTED = "order.drafted", _("Draft order created")
    DRAFT_SAVED = "order.draft_saved", _("Draft saved")
    ATTACHED = "order.attached", _("Document attached")
    SUBMITTED = "order.submitted", _("Submitted")
    CHECKED = "order.checked", _("Consistency check passed")
    CHECK_FAILED = "order.check_failed", _("Refused by the consistency check")
    ACCEPTED = "order.accepted", _("Accepted")
    APPROVED = "order.approved", _("Approved")
    REJECTED = "order.rejected", _("Rejected")
    TRANSFERRED = "order.transferred", _("Transferred to fulfilment")
    ITEM_FINISHED = "order.item_finished", _("Item fulfilled")
    ITEM_CANCELLED = "order.item_cancelled", _("Item cancelled")
    ITEM_CORRECTED = "order.item_corrected", _("Order elements corrected")
    COMPLETED = "order.completed", _("Order finished")
    CANCELLATION_REQUESTED = "order.cancellation_requested", _("Cancellation requested")
    CANCELLATION_ACCEPTED = "order.cancellation_accepted", _("Cancellation accepted")
    CANCELLATION_REFUSED = "order.cancellation_refused", _("Cancellation refused")
    CANCELLED = "order.cancelled", _("Cancelled")
    RETURNED = "order.returned", _("Returned to the account manager for correction")
    CORRECTED = "order.corrected", _("Corrected and submitted again")
    ABANDONED = "order.abandoned", _("Abandoned by the account manager")
    BILLING_ACCOUNT_OPENED = "order.billing_account_opened", _("Billing account opened")


_ITEM = "orders/timeline/item.html"
_FINDINGS = "orders/timeline/findings.html"
register_actions(
    OrderAction,
    states=Order.Status,
    templates={
        OrderAction.DRAFTED: "orders/timeline/drafted.html",
        OrderAction.ATTACHED: "orders/timeline/attached.html",
        OrderAction.CHECK_FAILED: _FINDINGS,
        OrderAction.REJECTED: _FINDINGS,
        OrderAction.RETURNED: _FINDINGS,
        OrderAction.CHECKED: "orders/timeline/checked.html",
        OrderAction.TRANSFERRED: "orders/timeline/transferred.html",
        OrderAction.ITEM_FINISHED: _ITEM,
        OrderAction.ITEM_CANCELLED: _ITEM,
        OrderAction.ITEM_CORRECTED: "orders/timeline/corrected.html",
        OrderAction.BILLING_ACCOUNT_OPENED: "orders/timeline/billing_account.html",
    },
)
register_values("orders.item_state", OrderItem.State)
register_values("orders.item_action", OrderItem.Action)
register_values("orders.attachment_kind", OrderAttachment.Kind)
register_values("catalogue.route", Product.Route)

"""Service launch: work orders to EOMS and SI, their reports, launches and the peers' questions."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from keyaccounts.core.files import attachment_type_validator
from keyaccounts.peers.models import WORK_ORDER_PEERS


class WorkOrder(models.Model):
    """A work order to EOMS or SI for one order item (TMF641 ServiceOrder), kept as the peer reports it."""

    class State(models.TextChoices):  # TMF641 ServiceOrder states
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        IN_PROGRESS = "inProgress", _("In progress")
        PENDING = "pending", _("Pending: needs information")
        HELD = "held", _("Held")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")
        PARTIAL = "partial", _("Partially completed")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    order_item = models.ForeignKey("orders.OrderItem", on_delete=models.PROTECT, related_name="work_orders")
    peer = models.CharField(_("peer"), max_length=10, choices=WORK_ORDER_PEERS)
    si_company = models.ForeignKey(
        "core.SiCompany",
        verbose_name=_("SI company"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    external_id = models.CharField(_("our reference"), max_length=80, unique=True)
    state = models.CharField(_("state"), max_length=14, choices=State.choices, default=State.ACKNOWLEDGED)
    milestones = models.JSONField(_("milestones"), default=list, blank=True)
    jeopardy = models.JSONField(_("jeopardy alerts"), default=list, blank=True)
    error_message = models.TextField(_("error"), blank=True)
    # The time of the newest peer event applied: an older event arriving late changes nothing.
    last_event_at = models.DateTimeField(_("last event"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        permissions = [("work_si_orders", _("Can work the work orders sent to one's SI company"))]

    def __str__(self) -> str:
        return self.external_id

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_WORK_ORDER_STATES


WORK_ORDER_STATES = frozenset(WorkOrder.State.values)  # as PEERS: read once
FINAL_WORK_ORDER_STATES = {
    WorkOrder.State.COMPLETED,
    WorkOrder.State.FAILED,
    WorkOrder.State.PARTIAL,
    WorkOrder.State.REJECTED,
    WorkOrder.State.CANCELLED,
}


class WorkOrderReport(models.Model):
    """A report an SI partner attaches to a work order (test results, acceptance records)."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="reports")
    file = models.FileField(_("file"), upload_to="work-orders/%Y/%m/", validators=[attachment_type_validator])
    uploaded_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("work order report")
        verbose_name_plural = _("work order reports")

    def __str__(self) -> str:
        return self.file.name


class Launch(models.Model):
    """Service launch (业务开通) of one order: its work orders, tests and acceptances, one viewflow process."""

    class Decision(models.TextChoices):
        CORRECT = "correct", _("Correct the order elements and send new work orders")
        RETURN = "return", _("Return to the account manager to correct the order elements")
        RESEND = "resend", _("Send new work orders unchanged (the fault was the peer's)")
        GIVE_UP = "give_up", _("Give up what failed; go on with the rest")

    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="launch")
    process = models.OneToOneField(
        "viewflow.Process", null=True, blank=True, on_delete=models.SET_NULL, related_name="launch"
    )
    manual_decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    # What the provisioning team asked the account manager to correct (a returned launch).
    correction_request = models.TextField(_("what to correct"), blank=True)
    test_passed = models.BooleanField(null=True)
    test_note = models.TextField(_("acceptance test record"), blank=True)
    customer_accepted_at = models.DateTimeField(_("customer accepted at"), null=True, blank=True)
    customer_note = models.TextField(_("customer acceptance record"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("service launch")
        verbose_name_plural = _("service launches")
        permissions = [("handle_launch", _("Can test, accept and hand-handle service launches"))]

    def __str__(self) -> str:
        return f"{_('Launch')} {self.order.number}"


class LaunchProcess(Process):
    class Meta:
        proxy = True
        verbose_name = _("service launch process")
        verbose_name_plural = _("service launch processes")


class InformationRequest(models.Model):
    """A peer asked for information about a work order; the city's provisioning team answers it."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="information_requests")
    question = models.TextField(_("question"))
    asked_at = models.DateTimeField(_("asked at"))
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    # Answered, or no longer asked: its work order went on or finished.
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["asked_at"]
        verbose_name = _("information request")
        verbose_name_plural = _("information requests")

    def __str__(self) -> str:
        return f"{self.work_order}: {self.question[:40]}"

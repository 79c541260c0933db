"""Orders (TMF622 ProductOrder), their items, billing accounts and approval rules."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from customers.models import Level
from keyaccounts.catalogue.models import Product, Service
from keyaccounts.core.files import attachment_type_validator
from keyaccounts.core.models import City, TimeStampedModel


class Order(TimeStampedModel):
    """A customer's order of one or more product items (TMF622 ProductOrder)."""

    class Status(models.TextChoices):  # TMF622 states, with the optional draft
        DRAFT = "draft", _("Draft")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        REJECTED = "rejected", _("Rejected")
        PENDING = "pending", _("Pending")
        HELD = "held", _("Held")
        IN_PROGRESS = "inProgress", _("In progress")
        CANCELLED = "cancelled", _("Cancelled")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")
        PARTIAL = "partial", _("Partially completed")
        ASSESSING_CANCELLATION = "assessingCancellation", _("Assessing cancellation")
        PENDING_CANCELLATION = "pendingCancellation", _("Pending cancellation")

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="orders"
    )
    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="+")
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account manager"), on_delete=models.PROTECT, related_name="orders"
    )
    opportunity = models.OneToOneField(
        "opportunities.Opportunity",
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="order",
    )
    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.DRAFT)
    # Where a refused cancellation returns the order to.
    status_before_cancellation = models.CharField(max_length=24, choices=Status.choices, blank=True)
    contract_reference = models.CharField(_("contract reference"), max_length=60, blank=True)
    billing_account = models.ForeignKey(
        "BillingAccount",
        verbose_name=_("billing account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    requested_start_date = models.DateField(_("requested start date"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    check_findings = models.JSONField(_("consistency check findings"), default=list, blank=True)
    needs_approval = models.BooleanField(default=False)
    decision = models.CharField(max_length=10, blank=True)  # the last human decision, read by the flow
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    process = models.OneToOneField(Process, null=True, blank=True, on_delete=models.SET_NULL, related_name="order")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("accept_order", _("Can accept orders")),
            ("approve_order", _("Can approve orders")),
            ("assess_cancellation", _("Can decide on cancelling an order in progress")),
        ]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [models.Index(fields=["city", "status"]), models.Index(fields=["account_manager", "status"])]

    def __str__(self) -> str:
        return f"{self.number} {self.customer.name}"

    @property
    def number(self) -> str:
        return f"PO{self.pk:06d}"

    @property
    def opportunity_number(self) -> str:
        opportunity = self._meta.get_field("opportunity").related_model  # named by its label: no import upwards
        return opportunity.number_of(self.opportunity_id) if self.opportunity_id else ""

    @property
    def total(self):
        return self.total_of(self.items.all())

    @staticmethod
    def total_of(items) -> Decimal:
        """The total per year of the given items (a page that has read the items already)."""
        return sum((item.amount for item in items), Decimal(0))

    @property
    def is_open(self) -> bool:
        return self.status not in FINAL_ORDER_STATES

    def get_absolute_url(self) -> str:
        return reverse("orders:detail", args=[self.pk])


class OrderAttachment(TimeStampedModel):
    """A signed contract or another document of the order; served only through the order's scope check."""

    class Kind(models.TextChoices):
        CONTRACT = "contract", _("Signed contract")
        OTHER = "other", _("Other")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CONTRACT)
    file = models.FileField(_("file"), upload_to="orders/%Y/%m/", validators=[attachment_type_validator])
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("order document")
        verbose_name_plural = _("order documents")

    def __str__(self) -> str:
        return self.file.name


class OrderItem(models.Model):
    """One product of an order (TMF622 ProductOrderItem), with its element values."""

    class Action(models.TextChoices):
        ADD = "add", _("New service")
        MODIFY = "modify", _("Change a running service")
        DELETE = "delete", _("Cancel a running service")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")

    class State(models.TextChoices):  # TMF622 ProductOrderItem states
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        IN_PROGRESS = "inProgress", _("In progress")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=10, choices=Action.choices, default=Action.ADD)
    state = models.CharField(_("state"), max_length=14, choices=State.choices, default=State.ACKNOWLEDGED)
    service = models.ForeignKey(
        Service,
        verbose_name=_("running service"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="change_items",
        help_text=_("The service a change or cancellation applies to."),
    )
    quantity = models.PositiveIntegerField(_("quantity"), default=1, validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(
        _("agreed price (CNY per year)"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    elements = models.JSONField(_("order elements"), default=dict, blank=True)
    si_company = models.ForeignKey(
        "core.SiCompany",
        verbose_name=_("SI partner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The integrator a pre-sales solution chose for this item; empty: the product's."),
    )
    # The product's element definition when the order was submitted: later edits do not touch it.
    element_definition = models.JSONField(default=list, blank=True, editable=False)

    class Meta:
        ordering = ["order_id", "pk"]  # the column: "order" would join the order to sort by its date
        verbose_name = _("order item")
        verbose_name_plural = _("order items")

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"

    @property
    def amount(self):
        return self.unit_price * self.quantity

    @property
    def routed_si_company_id(self) -> int | None:
        """Who receives the item's work orders: the solution's integrator, else the product's (routes T3, T4)."""
        if not self.product.routes_to_si:
            return None
        return self.si_company_id or self.product.si_company_id


FINAL_ORDER_STATES = {
    Order.Status.REJECTED,
    Order.Status.CANCELLED,
    Order.Status.COMPLETED,
    Order.Status.FAILED,
    Order.Status.PARTIAL,
}
FINAL_ITEM_STATES = {OrderItem.State.COMPLETED, OrderItem.State.FAILED, OrderItem.State.CANCELLED}


class BillingAccount(TimeStampedModel):
    """A customer's account in billing (TMF666 BillingAccount); arrears beyond its credit limit stop new orders
    (the credit rule). Its number is generated when it is opened, never typed."""

    class State(models.TextChoices):  # TMF666 account states
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        CLOSED = "closed", _("Closed")

    class PaymentMethod(models.TextChoices):
        BANK_TRANSFER = "bankTransfer", _("Bank transfer")
        DIRECT_DEBIT = "directDebit", _("Direct debit")
        CASH_OR_CHEQUE = "cashOrCheque", _("Cash or cheque")

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="billing_accounts"
    )
    number = models.CharField(_("account number"), max_length=40, unique=True, editable=False)
    payer_name = models.CharField(_("payer"), max_length=200, blank=True)
    billing_address = models.CharField(_("billing address"), max_length=300, blank=True)
    payment_method = models.CharField(
        _("payment method"), max_length=16, choices=PaymentMethod.choices, default=PaymentMethod.BANK_TRANSFER
    )
    arrears = models.DecimalField(_("arrears (CNY)"), max_digits=14, decimal_places=2, default=0)
    credit_limit = models.DecimalField(
        _("credit limit (CNY)"),
        max_digits=14,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_("Arrears up to this amount do not stop new orders."),
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["number"]
        verbose_name = _("billing account")
        verbose_name_plural = _("billing accounts")
        indexes = [models.Index(fields=["customer", "state"])]

    def __str__(self) -> str:
        return f"{self.number} {self.payer_name}".strip()

    @property
    def is_active(self) -> bool:
        return self.state == self.State.ACTIVE

    @property
    def over_credit_limit(self) -> bool:
        return self.arrears > self.credit_limit


class OrderApprovalRule(models.Model):
    """An order needs a supervisor's approval when every condition a rule sets holds (empty: any). A quote whose
    total a rule matches needs it too."""

    min_amount = models.DecimalField(
        _("from order amount (CNY per year)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("The order's total per year, from which the rule applies; empty: any amount."),
    )
    customer_level = models.CharField(
        _("customer level"), max_length=1, blank=True, choices=Level.choices, help_text=_("Empty: any level.")
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("The rule applies to orders with this product; empty: any product."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["min_amount", "customer_level", "pk"]
        verbose_name = _("order approval rule")
        verbose_name_plural = _("order approval rules")

    def __str__(self) -> str:
        parts = [
            _("from %(amount)s CNY a year") % {"amount": f"{self.min_amount:,.2f}"}
            if self.min_amount is not None
            else "",
            self.get_customer_level_display() if self.customer_level else "",
            str(self.product) if self.product_id else "",
        ]
        return " · ".join(p for p in parts if p) or str(_("every order"))

    def applies(self, *, total: Decimal, level: str, product_ids: set[int]) -> bool:
        """Whether an order or a quote of `total` per year, for a customer of `level`, with these products, needs
        approval under this rule."""
        return (
            (self.min_amount is None or total >= self.min_amount)
            and (not self.customer_level or self.customer_level == level)
            and (not self.product_id or self.product_id in product_ids)
        )


class OrderProcess(Process):
    """viewflow's process row for the order flow; business data stays in Order."""

    class Meta:
        proxy = True
        verbose_name = _("order process")
        verbose_name_plural = _("order processes")


class OrderCancellation(TimeStampedModel):
    """An account manager's request to cancel an order in progress: a task of the order-acceptance team, who
    cancel the order or refuse (it then goes on from where it was)."""

    class Decision(models.TextChoices):
        CANCEL = "cancel", _("Cancel the order")
        REFUSE = "refuse", _("Refuse: the order goes on")

    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="cancellations")
    process = models.OneToOneField(
        Process, null=True, blank=True, on_delete=models.SET_NULL, related_name="order_cancellation"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision_reason = models.TextField(_("reason for the decision"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("order cancellation")
        verbose_name_plural = _("order cancellations")

    def __str__(self) -> str:
        return f"{self.order.number}: {self.reason[:40]}"


class OrderCancellationProcess(Process):
    """viewflow's process row for a cancellation's assessment; its business data stays in OrderCancellation."""

    class Meta:
        proxy = True
        verbose_name = _("order cancellation process")
        verbose_name_plural = _("order cancellation processes")

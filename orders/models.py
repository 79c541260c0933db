"""The product catalogue (configuration data) and orders (TMF622 ProductOrder)."""

import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from keyaccounts.core.files import attachment_type_validator
from keyaccounts.core.models import BilingualNameModel, City, TimeStampedModel, in_reader_language


class Product(BilingualNameModel):
    """A key-account product; how it is fulfilled is data, so a new product needs no code."""

    class BearerMode(models.TextChoices):
        VOICE = "voice", _("Voice")
        SMS = "sms", _("SMS")
        DATA = "data", _("Data")
        ACCESS = "access", _("Access")

    class Route(models.TextChoices):
        INSTANT = "T1", _("T1 instant activation")
        EOMS = "T2", _("T2 EOMS network work order")
        PLATFORM = "T3", _("T3 business platform provisioning")
        SI = "T4", _("T4 SI work order")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    bearer_mode = models.CharField(_("bearer mode"), max_length=10, choices=BearerMode.choices)
    route = models.CharField(_("fulfilment route"), max_length=2, choices=Route.choices)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    si_company = models.ForeignKey(
        "core.SiCompany",
        verbose_name=_("SI partner or platform"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Who receives the work orders of routes T3 and T4."),
    )
    # What an opportunity for this product always needs (the account manager may ask for more).
    needs_survey = models.BooleanField(
        _("needs a network resource survey"), default=False, help_text=_("Opportunities go to EOMS for a pre-survey.")
    )
    needs_solution = models.BooleanField(
        _("needs a customised solution"), default=False, help_text=_("Opportunities go to the pre-sales team.")
    )
    list_price = models.DecimalField(
        _("list price (CNY per year)"), max_digits=14, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    city_discount_limit = models.DecimalField(
        _("discount without approval (%)"),
        max_digits=5,
        decimal_places=2,
        default=10,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("A larger discount needs the city supervisor's approval."),
    )
    province_discount_limit = models.DecimalField(
        _("discount a city supervisor may approve (%)"),
        max_digits=5,
        decimal_places=2,
        default=20,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("A larger discount needs the provincial supervisor's approval."),
    )

    class Meta:
        ordering = ["route", "code"]
        verbose_name = _("product")
        verbose_name_plural = _("products")


class ElementCategory(models.TextChoices):
    """The five categories of order elements (五类订单要素)."""

    CUSTOMER = "customer", _("Customer elements")
    PRODUCT = "product", _("Product and package elements")
    RESOURCE = "resource", _("Resource and technical elements")
    COMMERCIAL = "commercial", _("Commercial elements")
    SERVICE_LEVEL = "service_level", _("Service-level elements")


class ProductElement(models.Model):
    """One field a product's order must carry: its category, type and validation, all configuration."""

    class Type(models.TextChoices):
        TEXT = "text", _("Text")
        INTEGER = "integer", _("Whole number")
        DECIMAL = "decimal", _("Decimal number")
        CHOICE = "choice", _("Choice from a list")
        DATE = "date", _("Date")
        PHONE = "phone", _("Mainland phone number")
        IPV4 = "ipv4", _("IPv4 address")
        BOOLEAN = "boolean", _("Yes or no")

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="elements")
    category = models.CharField(_("category"), max_length=20, choices=ElementCategory.choices)
    code = models.SlugField(_("code"), max_length=40, help_text=_("The key under which the value is stored."))
    label_en = models.CharField(_("label (English)"), max_length=120)
    label_zh = models.CharField(_("label (Chinese)"), max_length=120)
    type = models.CharField(_("type"), max_length=10, choices=Type.choices, default=Type.TEXT)
    required = models.BooleanField(_("required"), default=True)
    choices = models.JSONField(
        _("choices"), default=list, blank=True, help_text=_('For a choice: a list of values, e.g. ["10M", "100M"].')
    )
    min_value = models.DecimalField(_("minimum"), max_digits=14, decimal_places=2, null=True, blank=True)
    max_value = models.DecimalField(_("maximum"), max_digits=14, decimal_places=2, null=True, blank=True)
    pattern = models.CharField(
        _("pattern"), max_length=200, blank=True, help_text=_("For text: a regular expression the value must match.")
    )
    help_text = models.CharField(_("help text"), max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["product", "category", "sort_order", "id"]
        verbose_name = _("order element")
        verbose_name_plural = _("order elements")
        constraints = [models.UniqueConstraint(fields=["product", "code"], name="element_code_per_product")]

    def __str__(self) -> str:
        return f"{self.product.code}.{self.code}"

    @property
    def label(self) -> str:
        return in_reader_language(self.label_en, self.label_zh)

    def clean(self) -> None:
        if self.type == self.Type.CHOICE and not (
            isinstance(self.choices, list) and self.choices and all(isinstance(c, str) and c for c in self.choices)
        ):
            raise ValidationError({"choices": _("A choice needs a list of values.")})
        if self.pattern:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValidationError({"pattern": _("Not a valid pattern: %(error)s") % {"error": exc}}) from exc
        if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            raise ValidationError({"max_value": _("The maximum is below the minimum.")})


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
        from opportunities.models import Opportunity

        return Opportunity.number_of(self.opportunity_id) if self.opportunity_id else ""

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
        "Service",
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
    # The product's element definition when the order was submitted: later edits do not touch it.
    element_definition = models.JSONField(default=list, blank=True, editable=False)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("order item")
        verbose_name_plural = _("order items")

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"

    @property
    def amount(self):
        return self.unit_price * self.quantity


FINAL_ORDER_STATES = {
    Order.Status.REJECTED,
    Order.Status.CANCELLED,
    Order.Status.COMPLETED,
    Order.Status.FAILED,
    Order.Status.PARTIAL,
}
FINAL_ITEM_STATES = {OrderItem.State.COMPLETED, OrderItem.State.FAILED, OrderItem.State.CANCELLED}


class BillingAccount(models.Model):
    """A customer's account in billing; arrears beyond its credit limit stop new orders (the credit rule)."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="billing_accounts"
    )
    number = models.CharField(_("account number"), max_length=40, unique=True)
    arrears = models.DecimalField(_("arrears (CNY)"), max_digits=14, decimal_places=2, default=0)
    credit_limit = models.DecimalField(
        _("credit limit (CNY)"),
        max_digits=14,
        decimal_places=2,
        default=0,
        help_text=_("Arrears up to this amount do not stop new orders."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("billing account")
        verbose_name_plural = _("billing accounts")

    def __str__(self) -> str:
        return self.number


class OrderApprovalRule(models.Model):
    """An order needs a supervisor's approval when every condition a rule sets holds (empty: any)."""

    min_amount = models.DecimalField(
        _("from order amount (CNY per year)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    customer_level = models.CharField(_("customer level"), max_length=1, blank=True, choices=[(c, c) for c in "ABCD"])
    product = models.ForeignKey(Product, verbose_name=_("product"), null=True, blank=True, on_delete=models.CASCADE)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("order approval rule")
        verbose_name_plural = _("order approval rules")

    def __str__(self) -> str:
        parts = [
            f"≥ {self.min_amount}" if self.min_amount is not None else "",
            f"level {self.customer_level}" if self.customer_level else "",
            str(self.product) if self.product_id else "",
        ]
        return " · ".join(p for p in parts if p) or str(_("every order"))


class Service(TimeStampedModel):
    """A running service of a customer (TMF638), created when a new-service item completes."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        TERMINATED = "terminated", _("Terminated")

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="services"
    )
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+")
    origin = models.OneToOneField(OrderItem, on_delete=models.PROTECT, related_name="created_service")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    elements = models.JSONField(_("characteristics"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return f"SV{self.pk:06d} {self.product}"

    @property
    def number(self) -> str:
        return f"SV{self.pk:06d}"


class OrderProcess(Process):
    """viewflow's process row for the order flow; business data stays in Order."""

    class Meta:
        proxy = True
        verbose_name = _("order process")
        verbose_name_plural = _("order processes")

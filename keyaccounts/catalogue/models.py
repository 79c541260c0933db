"""The product catalogue: products, the order elements each requires, and the customers' running services.

Configuration data and an inventory that the process apps read and, for services, change through
`services.py`; it knows no process app (its references to customers and orders are by name).
"""

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from keyaccounts.core.models import BilingualNameModel, TimeStampedModel, in_reader_language

# Past these no bound an administrator sets applies: the database's integer and amount columns (14 digits, 2
# decimals) hold them, so an absurd figure is refused with a message, never an overflow.
QUANTITY_CEILING = 1_000_000
AMOUNT_CEILING = Decimal("999999999999.99")


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
        help_text=_("Who receives the work orders of routes T3 and T4 (a pre-sales solution may name another)."),
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
    unit_cost = models.DecimalField(
        _("cost (CNY per year)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("What one unit costs us a year: a discount approval shows the margin left against it."),
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
    min_quantity = models.PositiveIntegerField(
        _("smallest quantity"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(QUANTITY_CEILING)],
        help_text=_("An order or a quote of fewer is refused."),
    )
    max_quantity = models.PositiveIntegerField(
        _("largest quantity"),
        default=1000,
        validators=[MinValueValidator(1), MaxValueValidator(QUANTITY_CEILING)],
        help_text=_("An order or a quote of more is refused."),
    )

    class Meta:
        db_table = "orders_product"  # the table it had in orders: moved state-only, the rows stay
        ordering = ["route", "code"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    @property
    def routes_to_si(self) -> bool:
        """Its work orders go to an SI company or platform (routes T3 and T4)."""
        return self.route in SI_ROUTES

    def clean(self) -> None:
        if self.min_quantity and self.max_quantity and self.min_quantity > self.max_quantity:
            raise ValidationError({"max_quantity": _("The largest quantity is below the smallest.")})
        if self.routes_to_si and not self.si_company_id:
            raise ValidationError(
                {"si_company": _("Name the SI partner or platform that receives this product's work orders.")}
            )
        if not self.routes_to_si and self.si_company_id:
            raise ValidationError(
                {"si_company": _("Only products of routes T3 and T4 go to an SI partner or platform.")}
            )

    def line_error(self, quantity, unit_price) -> str:
        """Why `quantity` of this product at `unit_price` cannot be ordered or quoted, or "" when it can."""
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            return _("The quantity of %(product)s must be a whole number.") % {"product": self}
        if not self.min_quantity <= quantity <= self.max_quantity:
            return _("The quantity of %(product)s must lie between %(min)s and %(max)s.") % {
                "product": self,
                "min": self.min_quantity,
                "max": self.max_quantity,
            }
        try:
            price = Decimal(str(unit_price))
        except ArithmeticError:  # not a number at all
            price = Decimal("NaN")
        if not (price.is_finite() and 0 <= price <= AMOUNT_CEILING):
            return _("The price of %(product)s is not a possible amount.") % {"product": self}
        if price * quantity > AMOUNT_CEILING:
            return _("%(quantity)s × %(product)s comes to more than an order may carry.") % {
                "quantity": quantity,
                "product": self,
            }
        return ""


SI_ROUTES = (Product.Route.PLATFORM, Product.Route.SI)


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
        _("choices"),
        default=list,
        blank=True,
        help_text=_(
            'For a choice: a list of values, e.g. ["10M", "100M"], or of values with their names, '
            'e.g. [{"value": "gold", "en": "Gold", "zh": "金牌"}].'
        ),
    )
    unit_en = models.CharField(_("unit (English)"), max_length=30, blank=True, help_text=_("e.g. Mbps, CNY/month"))
    unit_zh = models.CharField(_("unit (Chinese)"), max_length=30, blank=True, help_text=_("e.g. Mbps, 元/月"))
    min_value = models.DecimalField(_("minimum"), max_digits=14, decimal_places=2, null=True, blank=True)
    max_value = models.DecimalField(_("maximum"), max_digits=14, decimal_places=2, null=True, blank=True)
    pattern = models.CharField(
        _("pattern"), max_length=200, blank=True, help_text=_("For text: a regular expression the value must match.")
    )
    help_text = models.CharField(_("help text"), max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        db_table = "orders_productelement"
        ordering = ["product_id", "category", "sort_order", "id"]  # the column: "product" would join it to sort
        verbose_name = _("order element")
        verbose_name_plural = _("order elements")
        constraints = [models.UniqueConstraint(fields=["product", "code"], name="element_code_per_product")]

    def __str__(self) -> str:
        return f"{self.product.code}.{self.code}"

    @property
    def label(self) -> str:
        return in_reader_language(self.label_en, self.label_zh)

    @property
    def unit(self) -> str:
        return in_reader_language(self.unit_en, self.unit_zh)

    def choice_options(self) -> list[tuple[str, str]]:
        """The choices as (value, name in the reader's language); a bare value is its own name."""
        return [
            (c["value"], in_reader_language(c.get("en") or c["value"], c.get("zh") or c["value"]))
            if isinstance(c, dict)
            else (c, c)
            for c in self.choices
        ]

    def clean(self) -> None:
        def valid(choice) -> bool:
            if isinstance(choice, dict):
                return isinstance(choice.get("value"), str) and bool(choice["value"])
            return isinstance(choice, str) and bool(choice)

        if self.type == self.Type.CHOICE and not (
            isinstance(self.choices, list) and self.choices and all(valid(c) for c in self.choices)
        ):
            raise ValidationError({"choices": _("A choice needs a list of values.")})
        if self.pattern:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValidationError({"pattern": _("Not a valid pattern: %(error)s") % {"error": exc}}) from exc
        if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            raise ValidationError({"max_value": _("The maximum is below the minimum.")})


class Service(TimeStampedModel):
    """A running service of a customer (TMF638), created when a new-service item completes."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        TERMINATED = "terminated", _("Terminated")

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="services"
    )
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+")
    # By name: the catalogue imports no process app.
    origin = models.OneToOneField("orders.OrderItem", on_delete=models.PROTECT, related_name="created_service")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    elements = models.JSONField(_("characteristics"), default=dict, blank=True)
    # Billing follows the contract: from the later of the customer's acceptance and the requested start date,
    # until the service is terminated; a service terminated before that day is never billed.
    billing_starts_on = models.DateField(_("billing starts on"), null=True, blank=True)
    billing_started_at = models.DateTimeField(_("billing started at"), null=True, blank=True)
    billing_stopped_at = models.DateTimeField(_("billing stopped at"), null=True, blank=True)

    class Meta:
        db_table = "orders_service"
        ordering = ["-created_at"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        indexes = [
            models.Index(
                fields=["billing_starts_on"],
                condition=models.Q(status="active", billing_started_at__isnull=True),
                name="service_billing_due",
            )
        ]

    def __str__(self) -> str:
        return f"SV{self.pk:06d} {self.product}"

    @property
    def number(self) -> str:
        return f"SV{self.pk:06d}"

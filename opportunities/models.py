"""Business opportunities (TMF699 SalesOpportunity) from every channel, and the configuration around them."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from customers.models import Customer
from keyaccounts.catalogue.models import Product
from keyaccounts.core.files import attachment_type_validator
from keyaccounts.core.models import ApiChannel, BilingualNameModel, City, SiCompany, TimeStampedModel


class Channel(ApiChannel):
    """Where demand comes from. Channels that call the API authenticate with their own token."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("Account manager visit")
        PORTAL = "portal", _("Customer portal")
        HOTLINE = "hotline", _("Hotline")
        AGENT = "agent", _("Agent or partner")
        CAMPAIGN = "campaign", _("Marketing campaign")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)

    class Meta(ApiChannel.Meta):
        verbose_name = _("channel")
        verbose_name_plural = _("channels")


class LostReason(BilingualNameModel):
    class Outcome(models.TextChoices):
        REJECTED = "rejected", _("Lost (the customer said no)")
        CANCELLED = "cancelled", _("Cancelled (the demand went away)")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    outcome = models.CharField(_("ends as"), max_length=10, choices=Outcome.choices, default=Outcome.REJECTED)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("reason an opportunity is lost")
        verbose_name_plural = _("reasons opportunities are lost")


class SurveyResult(models.TextChoices):  # TMF645 qualification results
    QUALIFIED = "qualified", _("Qualified: resources available")
    ALTERNATE = "alternate", _("Alternate: available with another access")
    UNQUALIFIED = "unqualified", _("Unqualified: no resources")


class ApprovalLevel(models.TextChoices):
    NONE = "", _("Not needed")
    CITY = "city", _("City supervisor")
    PROVINCE = "province", _("Provincial supervisor")


class Opportunity(TimeStampedModel):
    class Status(models.TextChoices):  # TMF699 SalesOpportunity states
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        IN_PROGRESS = "inProgress", _("In progress")
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Won")
        REJECTED = "rejected", _("Lost")
        CANCELLED = "cancelled", _("Cancelled")

    channel = models.ForeignKey(Channel, verbose_name=_("channel"), on_delete=models.PROTECT, related_name="+")
    external_id = models.CharField(_("channel reference"), max_length=100, blank=True)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    prospect_name = models.CharField(
        _("prospect name"), max_length=200, blank=True, help_text=_("For a company not archived yet.")
    )
    contact_name = models.CharField(_("contact name"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="+")
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="opportunities",
        help_text=_("Empty while the opportunity waits in the city's queue."),
    )
    products = models.ManyToManyField(Product, verbose_name=_("products of interest"), related_name="+")
    estimated_value = models.DecimalField(
        _("estimated value (CNY per year)"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    expected_close_date = models.DateField(_("expected close date"))
    description = models.TextField(_("description"))
    needs_survey = models.BooleanField(_("needs a network resource survey"), default=False)
    needs_solution = models.BooleanField(_("needs a customised solution"), default=False)
    installation_address = models.CharField(
        _("installation address"), max_length=255, blank=True, help_text=_("Where the network resource is surveyed.")
    )
    process = models.OneToOneField(
        Process, null=True, blank=True, on_delete=models.SET_NULL, related_name="opportunity"
    )
    # What each step decided, read by the flow's switches.
    survey_result = models.CharField(_("survey result"), max_length=20, choices=SurveyResult.choices, blank=True)
    survey_note = models.TextField(_("survey note"), blank=True)
    solution_summary = models.TextField(_("solution"), blank=True)
    solution_si_company = models.ForeignKey(
        SiCompany,
        verbose_name=_("SI partner in the solution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approval_level = models.CharField(_("discount approval"), max_length=10, choices=ApprovalLevel.choices, blank=True)
    discount_justification = models.TextField(
        _("why the discount"), blank=True, help_text=_("The account manager's case for a discount that needs approval.")
    )
    approval_decision = models.CharField(max_length=10, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACKNOWLEDGED)
    survey_reference = models.CharField(_("survey reference"), max_length=80, blank=True)
    lost_reason = models.ForeignKey(
        LostReason, verbose_name=_("lost reason"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lost_note = models.TextField(_("why it was lost"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        constraints = [
            # The same submission from a channel twice is one opportunity.
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=~models.Q(external_id=""),
                name="opportunity_external_id_per_channel",
            ),
            models.CheckConstraint(
                condition=~models.Q(customer__isnull=True, prospect_name=""),
                name="opportunity_has_a_company",
                violation_error_message=_("Name the customer or the prospect."),
            ),
        ]
        indexes = [models.Index(fields=["city", "status"]), models.Index(fields=["account_manager", "status"])]
        permissions = [
            ("design_solution", _("Can design customised solutions")),
            ("approve_discount", _("Can approve discounts beyond a product's threshold")),
            ("approve_large_discount", _("Can approve discounts beyond what a city may approve")),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.company_name}"

    @property
    def number(self) -> str:
        """The reference people quote (also the TMF `id`)."""
        return self.number_of(self.pk)

    @staticmethod
    def number_of(pk: int) -> str:
        """An opportunity's number from its pk alone (a page that links to it needs no read of it)."""
        return f"OP{pk:06d}"

    @property
    def company_name(self) -> str:
        return self.customer.name if self.customer_id else self.prospect_name

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.ACKNOWLEDGED, self.Status.IN_PROGRESS, self.Status.PENDING)

    def get_absolute_url(self) -> str:
        return reverse("opportunities:detail", args=[self.pk])


class QuoteLine(models.Model):
    """The price offered for one product; its discount decides who must approve the quote."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="quote_lines")
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"), default=1, validators=[MinValueValidator(1)])
    list_price = models.DecimalField(_("list price"), max_digits=14, decimal_places=2)
    discount_percent = models.DecimalField(
        _("discount (%)"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    # The product's cost when quoted (None: not configured), as the list price is kept.
    unit_cost = models.DecimalField(_("cost"), max_digits=14, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["opportunity_id", "pk"]  # the column: "opportunity" would join it to sort
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")
        constraints = [models.UniqueConstraint(fields=["opportunity", "product"], name="one_quote_line_per_product")]

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity} −{self.discount_percent}%"

    @property
    def unit_price(self) -> Decimal:
        return (self.list_price * (100 - self.discount_percent) / 100).quantize(Decimal("0.01"))

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def margin_percent(self) -> Decimal | None:
        """What is left of the agreed price once the cost is paid, in percent (None: no cost or no price)."""
        return margin_percent(self.amount, None if self.unit_cost is None else self.unit_cost * self.quantity)


def margin_percent(amount: Decimal, cost: Decimal | None) -> Decimal | None:
    if cost is None or not amount:
        return None
    return ((amount - cost) * 100 / amount).quantize(Decimal("0.1"))


class OpportunityProcess(Process):
    """viewflow's process row for the opportunity flow; business data stays in Opportunity."""

    class Meta:
        proxy = True
        verbose_name = _("opportunity process")
        verbose_name_plural = _("opportunity processes")


class Attachment(TimeStampedModel):
    class Kind(models.TextChoices):
        SURVEY = "survey", _("Survey report")
        SOLUTION = "solution", _("Solution document")
        OTHER = "other", _("Other")

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.OTHER)
    file = models.FileField(_("file"), upload_to="opportunities/%Y/%m/", validators=[attachment_type_validator])
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.file.name

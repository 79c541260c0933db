"""Business opportunities (TMF699 SalesOpportunity) from every channel, and the configuration around them."""

import hashlib
import secrets

from django.conf import settings
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from keyaccounts.core.models import BilingualNameModel, City, TimeStampedModel
from orders.models import Product

ATTACHMENT_EXTENSIONS = ["pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "png", "jpg", "jpeg", "zip"]
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Channel(BilingualNameModel):
    """Where demand comes from. Channels that call the API authenticate with their own token."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("Account manager visit")
        PORTAL = "portal", _("Customer portal")
        HOTLINE = "hotline", _("Hotline")
        AGENT = "agent", _("Agent or partner")
        CAMPAIGN = "campaign", _("Marketing campaign")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    token_digest = models.CharField(max_length=64, blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")

    def issue_token(self) -> str:
        """A new API token; only its digest is kept, so it is shown once."""
        token = secrets.token_urlsafe(32)
        self.token_digest = token_digest(token)
        self.save(update_fields=["token_digest"])
        return token


class LostReason(BilingualNameModel):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("reason an opportunity is lost")
        verbose_name_plural = _("reasons opportunities are lost")


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
    discount_percent = models.DecimalField(
        _("discount (%)"),
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACKNOWLEDGED)
    lost_reason = models.ForeignKey(
        LostReason, verbose_name=_("lost reason"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
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

    def __str__(self) -> str:
        return f"{self.number} {self.company_name}"

    @property
    def number(self) -> str:
        """The reference people quote (also the TMF `id`)."""
        return f"OP{self.pk:06d}"

    @property
    def company_name(self) -> str:
        return self.customer.name if self.customer_id else self.prospect_name


class Attachment(TimeStampedModel):
    class Kind(models.TextChoices):
        SURVEY = "survey", _("Survey report")
        SOLUTION = "solution", _("Solution document")
        OTHER = "other", _("Other")

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.OTHER)
    file = models.FileField(
        _("file"), upload_to="opportunities/%Y/%m/", validators=[FileExtensionValidator(ATTACHMENT_EXTENSIONS)]
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.file.name

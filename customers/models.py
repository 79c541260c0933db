"""Key-account customers (TMF632 Organization + TMF629 Customer) and their archiving requests."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from keyaccounts.core.models import City, TimeStampedModel
from keyaccounts.messaging.models import Channel, Language

from .validators import validate_credit_code, validate_mainland_phone


class Level(models.TextChoices):
    """Customer value levels; A is the highest."""

    A = "A", _("Level A (strategic)")
    B = "B", _("Level B (important)")
    C = "C", _("Level C (standard)")
    D = "D", _("Level D (basic)")

    @classmethod
    def rank(cls, value: str) -> int:
        """Higher is better: D=1 … A=4; blank (no level yet) is 0."""
        return {"A": 4, "B": 3, "C": 2, "D": 1}.get(value or "", 0)


class Customer(TimeStampedModel):
    class Status(models.TextChoices):  # TMF632 Organization states
        INITIALIZED = "initialized", _("Initialized")
        VALIDATED = "validated", _("Validated")
        CLOSED = "closed", _("Closed")

    class Industry(models.TextChoices):
        GOVERNMENT = "government", _("Government and public sector")
        EDUCATION = "education", _("Education")
        HEALTHCARE = "healthcare", _("Healthcare")
        FINANCE = "finance", _("Finance")
        MANUFACTURING = "manufacturing", _("Manufacturing")
        TRANSPORT = "transport", _("Transport and logistics")
        ENERGY = "energy", _("Energy and utilities")
        RETAIL = "retail", _("Retail and services")
        AGRICULTURE = "agriculture", _("Agriculture")
        OTHER = "other", _("Other")

    class Size(models.TextChoices):
        MICRO = "micro", _("Fewer than 20 employees")
        SMALL = "small", _("20 to 299 employees")
        MEDIUM = "medium", _("300 to 999 employees")
        LARGE = "large", _("1,000 employees or more")

    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        validators=[validate_credit_code],
        help_text=_("18 characters, from the business licence."),
    )
    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices)
    address = models.CharField(_("address"), max_length=300)
    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="customers")
    size = models.CharField(_("size"), max_length=10, choices=Size.choices)
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        on_delete=models.PROTECT,
        related_name="customers",
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.INITIALIZED)
    level = models.CharField(_("level"), max_length=1, choices=Level.choices, blank=True)
    proposed_level = models.CharField(_("proposed level"), max_length=1, choices=Level.choices, blank=True)
    level_reason = models.TextField(_("reason for the level"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, help_text=_("Raised on every change; stale forms are refused."))

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        permissions = [
            ("review_customer", _("Can review customer records")),
            ("approve_customer_level", _("Can approve customer levels")),
            ("reopen_customer", _("Can close and reopen customers")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                name="customer_credit_code_unique",
                violation_error_message=_("A customer with this unified social credit code is already registered."),
            )
        ]
        indexes = [
            models.Index(fields=["city", "status"]),
            models.Index(fields=["account_manager", "status"]),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:detail", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.INITIALIZED and self.submitted_at is None


class Contact(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("role"), max_length=100, help_text=_("For example: IT director, purchasing."))
    phone = models.CharField(_("phone"), max_length=20, validators=[validate_mainland_phone])
    email = models.EmailField(_("e-mail"), blank=True)
    # How the contact is told about tickets and planned work (keyaccounts.messaging picks the template by them).
    preferred_channel = models.CharField(_("messages by"), max_length=5, choices=Channel.choices, default=Channel.SMS)
    preferred_language = models.CharField(
        _("language of messages"), max_length=7, choices=Language.choices, default=Language.CHINESE
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.name} ({self.role})"

    def clean(self) -> None:
        if self.preferred_channel == Channel.EMAIL and not self.email:
            raise ValidationError({"email": _("Give an e-mail address, or choose messages by SMS.")})


class LevelApprovalRule(models.Model):
    """Which proposed levels need a supervisor's approval: configuration an administrator edits."""

    level = models.CharField(_("level"), max_length=1, choices=Level.choices, unique=True)
    on_registration = models.BooleanField(_("approval when a new customer is proposed at this level"), default=False)
    on_upgrade = models.BooleanField(_("approval when a customer is raised to this level"), default=False)

    class Meta:
        ordering = ["level"]
        verbose_name = _("level approval rule")
        verbose_name_plural = _("level approval rules")

    def __str__(self) -> str:
        return self.get_level_display()


class ArchivingRequest(TimeStampedModel):
    """One pass of a customer through the archiving flow: its registration, or a change of key fields."""

    class Kind(models.TextChoices):
        REGISTRATION = "registration", _("Registration")
        CHANGE = "change", _("Change of key fields")

    class Decision(models.TextChoices):
        APPROVE = "approve", _("Approve")
        REJECT = "reject", _("Reject")
        RETURN = "return", _("Return for correction")

    class Outcome(models.TextChoices):
        OPEN = "open", _("In progress")
        ARCHIVED = "archived", _("Archived")
        REJECTED = "rejected", _("Rejected")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="archiving_requests")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    proposed_level = models.CharField(_("proposed level"), max_length=1, choices=Level.choices)
    proposed_changes = models.JSONField(_("proposed changes"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    duplicate_ids = models.JSONField(_("possible duplicates"), default=list, blank=True)
    review_decision = models.CharField(_("review decision"), max_length=10, choices=Decision.choices, blank=True)
    approval_decision = models.CharField(_("approval decision"), max_length=10, choices=Decision.choices, blank=True)
    needs_approval = models.BooleanField(_("needs supervisor approval"), default=False)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.OPEN)
    process = models.OneToOneField(
        Process, null=True, blank=True, on_delete=models.SET_NULL, related_name="archiving_request"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("archiving request")
        verbose_name_plural = _("archiving requests")
        constraints = [
            # One open pass per customer: a second submission while one runs would fork the record.
            models.UniqueConstraint(
                fields=["customer"], condition=models.Q(outcome="open"), name="one_open_archiving_request"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.customer}"

    def get_absolute_url(self) -> str:
        return reverse("customers:detail", args=[self.customer_id])


class ArchivingProcess(Process):
    """viewflow's process row for the archiving flow; business data stays in ArchivingRequest."""

    class Meta:
        proxy = True
        verbose_name = _("customer archiving process")
        verbose_name_plural = _("customer archiving processes")

"""Messages to customers (TMF681 CommunicationMessage) and the templates an administrator writes for them."""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from keyaccounts.core.models import TimeStampedModel

from .events import MessageEvent, placeholders_of
from .rendering import template_problems


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")


class Language(models.TextChoices):
    """The languages customers are written to in (a contact chooses one)."""

    CHINESE = "zh-hans", _("Chinese")
    ENGLISH = "en", _("English")


class MessageTemplate(TimeStampedModel):
    """The words of one kind of message, for one channel and one language; placeholders in {{ braces }}."""

    event = models.CharField(_("kind of message"), max_length=40, choices=MessageEvent.choices)
    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=7, choices=Language.choices)
    title = models.CharField(
        _("e-mail subject"), max_length=200, blank=True, help_text=_("Used by e-mail only; placeholders allowed.")
    )
    body = models.TextField(_("text"))
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["event", "channel", "language"]
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "channel", "language"], name="one_template_per_kind_channel_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()} · {self.get_channel_display()} · {self.get_language_display()}"

    def clean(self) -> None:
        allowed = set(placeholders_of(self.event))
        errors = {}
        for field in ("title", "body"):
            problems = template_problems(getattr(self, field), allowed=allowed)
            if problems:
                errors[field] = problems
        if self.channel == Channel.EMAIL and not self.title.strip():
            errors.setdefault("title", []).append(_("An e-mail needs a subject."))
        if errors:
            raise ValidationError(errors)


class CommunicationMessage(models.Model):
    """One message to one receiver about one record (a ticket, later an incident or a cutover): stored with the
    step that sends it, delivered through the outbox, its state moved by the gateway's delivery reports."""

    class State(models.TextChoices):  # TMF681 CommunicationMessage states
        INITIAL = "initial", _("Waiting to be sent")
        IN_PROGRESS = "inProgress", _("Sent, waiting for delivery")
        COMPLETED = "completed", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")
        FAILED = "failed", _("Not delivered")

    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    event = models.CharField(_("kind of message"), max_length=40, choices=MessageEvent.choices)
    template = models.ForeignKey(
        MessageTemplate, verbose_name=_("template"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message_type = models.CharField(_("channel"), max_length=5, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=7, choices=Language.choices)
    title = models.CharField(_("e-mail subject"), max_length=200, blank=True)
    content = models.TextField(_("text"))
    receiver_name = models.CharField(_("receiver"), max_length=100)
    receiver_phone = models.CharField(_("receiver's phone"), max_length=20, blank=True)
    receiver_email = models.EmailField(_("receiver's e-mail"), blank=True)
    receiver_party = models.CharField(_("receiver's record"), max_length=80, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.INITIAL)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last failure"), max_length=300, blank=True)
    # Decided when it is sent: a record that keeps a timeline gets a line for the message and its delivery.
    on_timeline = models.BooleanField(_("on the record's timeline"), default=False)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("delivery reported at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("message to a customer")
        verbose_name_plural = _("messages to customers")
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="message_of_subject")]

    def __str__(self) -> str:
        return f"{self.reference} · {self.receiver_name}"

    @property
    def reference(self) -> str:
        return f"CM{self.pk:06d}"

    @property
    def address(self) -> str:
        return self.receiver_email if self.message_type == Channel.EMAIL else self.receiver_phone


class DeliveryReport(models.Model):
    """What the gateway reported about one attempt of a message; the same report again is not stored twice."""

    message = models.ForeignKey(CommunicationMessage, on_delete=models.CASCADE, related_name="reports")
    attempt = models.PositiveSmallIntegerField(_("attempt"))
    state = models.CharField(_("state"), max_length=12, choices=CommunicationMessage.State.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    reported_at = models.DateTimeField(_("reported at"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    event_id = models.CharField(_("event id"), max_length=100)

    class Meta:
        ordering = ["reported_at", "pk"]
        verbose_name = _("delivery report")
        verbose_name_plural = _("delivery reports")
        constraints = [
            models.UniqueConstraint(fields=["message", "attempt", "state"], name="one_report_per_attempt_and_state")
        ]

    def __str__(self) -> str:
        return f"{self.message.reference} #{self.attempt} {self.state}"

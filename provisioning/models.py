"""What we owe our peers: the transactional outbox (written with the workflow step that causes it)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Peer(models.TextChoices):
    EOMS = "eoms", "EOMS"
    SI = "si", "SI"


class OutboxMessage(models.Model):
    """One request to a peer. It is a row before it is a Celery message, so a lost broker loses nothing."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be delivered")
        SENT = "sent", _("Delivered")
        DEAD = "dead", _("Failed: needs an operator")

    peer = models.CharField(_("peer"), max_length=10, choices=Peer.choices)
    resource = models.CharField(_("resource"), max_length=60, help_text=_("The TMF resource, e.g. serviceOrder."))
    external_id = models.CharField(_("our reference"), max_length=80, unique=True)
    payload = models.JSONField()
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    remote_id = models.CharField(_("peer's reference"), max_length=80, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=models.Q(status="pending"), name="outbox_pending_due")
        ]

    def __str__(self) -> str:
        return f"{self.peer}/{self.resource} {self.external_id}"

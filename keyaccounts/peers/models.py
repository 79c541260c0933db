"""What we owe our peers (the transactional outbox, written with the step that causes it) and what they told
us (inbound events, stored before anything is applied)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Peer(models.TextChoices):
    EOMS = "eoms", "EOMS"
    SI = "si", "SI"
    GATEWAY = "gateway", _("SMS and e-mail gateway")


# A choices class builds its `values` list on every access: the listener and the event batches ask per event.
PEERS = frozenset(Peer.values)
# The peers that take work orders (the message gateway takes messages only).
WORK_ORDER_PEERS = [(peer.value, peer.label) for peer in (Peer.EOMS, Peer.SI)]


class OutboxMessage(models.Model):
    """One request to a peer. It is a row before it is a Celery message, so a lost broker loses nothing."""

    class Method(models.TextChoices):
        CREATE = "POST", "POST"
        UPDATE = "PATCH", "PATCH"

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be delivered")
        SENT = "sent", _("Delivered")
        DEAD = "dead", _("Failed: needs an operator")

    peer = models.CharField(_("peer"), max_length=10, choices=Peer.choices)
    resource = models.CharField(_("resource"), max_length=60, help_text=_("The TMF resource, e.g. serviceOrder."))
    external_id = models.CharField(_("our reference"), max_length=80, unique=True)
    payload = models.JSONField()
    # A change (PATCH) goes to the resource another message created, at the id the peer gave it: it waits until
    # that one is delivered.
    method = models.CharField(_("method"), max_length=5, choices=Method.choices, default=Method.CREATE)
    follows = models.ForeignKey(
        "self",
        verbose_name=_("changes what this created"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    remote_id = models.CharField(_("peer's reference"), max_length=80, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        db_table = "provisioning_outboxmessage"  # the table predates this app
        ordering = ["created_at"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        permissions = [("retry_delivery", _("Can see failed deliveries to peers and send them again"))]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=models.Q(status="pending"), name="outbox_pending_due")
        ]

    def __str__(self) -> str:
        return f"{self.peer}/{self.resource} {self.external_id}"


class InboundEvent(models.Model):
    """A peer's event as received: stored before anything is applied, once per `eventId`."""

    peer = models.CharField(_("peer"), max_length=10, choices=Peer.choices)
    event_id = models.CharField(_("event id"), max_length=100)
    event_type = models.CharField(_("event type"), max_length=100)
    event_time = models.DateTimeField(_("event time"))
    body = models.JSONField()
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)

    class Meta:
        db_table = "provisioning_inboundevent"  # the table predates this app
        ordering = ["received_at"]
        verbose_name = _("inbound event")
        verbose_name_plural = _("inbound events")
        constraints = [models.UniqueConstraint(fields=["peer", "event_id"], name="one_event_per_id")]
        indexes = [
            models.Index(fields=["received_at"], condition=models.Q(applied_at__isnull=True), name="event_unapplied")
        ]

    def __str__(self) -> str:
        return f"{self.peer} {self.event_type} {self.event_id}"

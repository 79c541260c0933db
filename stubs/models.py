"""The stubs' own store: what each peer knows, kept apart from the core's database."""

from django.db import models


class Peer(models.TextChoices):
    EOMS = "eoms", "EOMS"
    SI = "si", "SI"


class HubSubscription(models.Model):
    """A listener registered through TMF `/hub`: where the peer sends its events."""

    peer = models.CharField(max_length=10, choices=Peer.choices)
    callback = models.URLField(max_length=500)
    query = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.peer} → {self.callback}"


class Resource(models.Model):
    """A TMF resource a client created at a peer (service order, qualification…). `GET` shows its truth."""

    peer = models.CharField(max_length=10, choices=Peer.choices)
    kind = models.CharField(max_length=60)
    external_id = models.CharField(max_length=80)
    body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["peer", "kind", "external_id"], name="one_resource_per_ref")]

    def __str__(self) -> str:
        return f"{self.peer}/{self.kind} {self.external_id}"

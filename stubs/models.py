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

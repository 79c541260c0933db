"""The stubs' own store: what each peer knows, kept apart from the core's database."""

from django.db import models


class Peer(models.TextChoices):
    EOMS = "eoms", "EOMS"
    SI = "si", "SI"
    GATEWAY = "gateway", "SMS and e-mail gateway"


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
    requests = models.PositiveIntegerField(default=1)  # creation requests it answered: repeats find it here

    class Meta:
        constraints = [models.UniqueConstraint(fields=["peer", "kind", "external_id"], name="one_resource_per_ref")]

    def __str__(self) -> str:
        return f"{self.peer}/{self.kind} {self.external_id}"


class Event(models.Model):
    """A scripted event of a resource, sent to every listener of its peer once it is due."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="events")
    event_type = models.CharField(max_length=60)
    state = models.CharField(max_length=30, blank=True)  # for state changes: the state it announces
    detail = models.JSONField(default=dict)
    occurred_at = models.DateTimeField()  # the scripted moment: the event's eventTime and the GET truth
    due_at = models.DateTimeField(db_index=True)  # when to (re)send it
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    lost = models.BooleanField(default=False)  # dropped by the injected faults: never sent
    duplicated = models.BooleanField(default=False)  # sent twice by the injected faults

    class Meta:
        ordering = ["due_at", "pk"]

    def __str__(self) -> str:
        return f"{self.event_type} {self.state} of {self.resource}"


class Faults(models.Model):
    """Run-time fault injection for one peer (`POST /{peer}/faults`)."""

    peer = models.CharField(max_length=10, choices=Peer.choices, unique=True)
    latency_ms = models.PositiveIntegerField(default=0)
    error_rate = models.FloatField(default=0)  # share of our requests answered 503
    duplicate_rate = models.FloatField(default=0)  # share of events sent twice
    lose_rate = models.FloatField(default=0)  # share of events never sent
    reorder = models.BooleanField(default=False)  # a batch of due events goes out newest first
    errors_injected = models.PositiveIntegerField(default=0)  # 503s answered so far (stats show the faults ran)

    def __str__(self) -> str:
        return f"faults of {self.peer}"

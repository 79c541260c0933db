"""Every write of the service inventory: order management records here what a completed item changed, service
launch when its billing starts."""

import datetime as dt

from django.utils import timezone

from .models import Product, Service


def service_create(*, customer_id: int, product: Product, origin, quantity: int, elements: dict) -> Service:
    """A new running service of the customer; `origin`: the order item that created it."""
    return Service.objects.create(
        customer_id=customer_id, product=product, origin=origin, quantity=quantity, elements=elements
    )


def service_change(*, service_id: int, quantity: int, elements: dict) -> None:
    """A running service takes the characteristics and quantity of the change that completed."""
    Service.objects.filter(pk=service_id).update(elements=elements, quantity=quantity, updated_at=timezone.now())


def service_terminate(*, service_id: int) -> None:
    """The service stops running; its billing stops with it, and one not started yet never starts."""
    now = timezone.now()
    Service.objects.filter(pk=service_id, billing_started_at__isnull=False, billing_stopped_at=None).update(
        billing_stopped_at=now
    )
    Service.objects.filter(pk=service_id).update(status=Service.Status.TERMINATED, updated_at=now)


def service_billing_schedule(*, service_id: int, starts_on: dt.date, now: dt.datetime | None = None) -> bool:
    """The day the running service's billing starts; it starts at once when that day has come. True: billing
    started now. A service billed already, or no longer running, is left as it is."""
    now = now or timezone.now()
    billable = Service.objects.filter(pk=service_id, status=Service.Status.ACTIVE, billing_started_at=None)
    started = starts_on <= timezone.localdate(now)
    changed = billable.update(billing_starts_on=starts_on, billing_started_at=now if started else None, updated_at=now)
    return started and bool(changed)


def service_billing_start(*, service_id: int, now: dt.datetime | None = None) -> bool:
    """Start the billing of a running service whose day has come; False when it started already, is not due or
    no longer runs (idempotent: the beat job may pass twice)."""
    now = now or timezone.now()
    return bool(
        Service.objects.filter(
            pk=service_id,
            status=Service.Status.ACTIVE,
            billing_started_at=None,
            billing_starts_on__lte=timezone.localdate(now),
        ).update(billing_started_at=now, updated_at=now)
    )

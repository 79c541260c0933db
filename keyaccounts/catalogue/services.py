"""Every write of the service inventory: order management records here what a completed item changed."""

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
    Service.objects.filter(pk=service_id).update(status=Service.Status.TERMINATED, updated_at=timezone.now())

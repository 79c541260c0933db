"""The business a customer page lists: opportunities and orders register, from their `AppConfig.ready()`, what a
user may see of a customer's records, so that customers imports no app above it."""

from collections.abc import Callable

from django.db.models import QuerySet

_business: dict[str, Callable[..., QuerySet]] = {}


def register_business(name: str, records: Callable[..., QuerySet]) -> None:
    """`records(user, customer)`: the customer's records of one kind that the user may see."""
    _business[name] = records


def business_of(user, customer, *, limit: int = 10) -> dict[str, list]:
    """Each registered kind's records of the customer, as the customer page names them."""
    return {name: list(records(user, customer)[:limit]) for name, records in _business.items()}

"""The business a customer page lists: opportunities and orders register, from their `AppConfig.ready()`, what a
user may see of a customer's records, and which records' timelines join the customer's own, so that customers
imports no app above it."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

_business: dict[str, Callable[..., QuerySet]] = {}


def register_business(name: str, records: Callable[..., QuerySet]) -> None:
    """`records(user, customer)`: the customer's records of one kind that the user may see."""
    _business[name] = records


def business_of(user, customer, *, limit: int = 10) -> dict[str, list]:
    """Each registered kind's records of the customer, as the customer page names them."""
    return {name: list(records(user, customer)[:limit]) for name, records in _business.items()}


@dataclass(frozen=True)
class StoryPart:
    """Records whose timeline lines join the customer's on its page (one story), each line saying which it is about."""

    records: Callable[..., QuerySet]  # (user, customer) -> the customer's records of one kind the user may see
    about: Callable[[Any], tuple[str, str]]  # record -> its name on a line and the page it opens


_story: list[StoryPart] = []


def register_story(part: StoryPart) -> None:
    if part not in _story:
        _story.append(part)


def story_parts() -> tuple[StoryPart, ...]:
    return tuple(_story)

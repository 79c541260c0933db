"""The orders' fixtures (a manager, a customer, a catalogue), for the documents the storage tests upload."""

from tests.orders.conftest import catalogue, customer, manager  # noqa: F401

from tests.orders.conftest import catalogue, customer, manager, peers, supervisor  # noqa: F401

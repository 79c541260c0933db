from tests.orders.conftest import acceptor, catalogue, customer, manager, ops, peers, supervisor  # noqa: F401

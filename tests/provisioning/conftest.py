from tests.orders.conftest import acceptor, catalogue, customer, manager, peers, supervisor  # noqa: F401

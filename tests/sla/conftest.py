import pytest

from sla.models import QualityGrade, QualityTarget
from tests.orders.conftest import catalogue, customer, manager, peers, supervisor  # noqa: F401
from tests.sla.test_dashboard import clocks  # noqa: F401 — the drill-down's tests count the same clocks


@pytest.fixture
def grades(db):
    return {
        code: QualityGrade.objects.create(code=code, name_en=code.title(), name_zh=code, sort_order=n)
        for n, code in enumerate(["gold", "silver", "bronze"])
    }


def target(product, grade, *, availability=("99.990", "99.995"), loss=("0.100", "0.050"), delay=("20", "15")):
    return QualityTarget.objects.create(
        product=product,
        grade=grade,
        availability_min=availability[0],
        availability_warning=availability[1],
        packet_loss_max=loss[0],
        packet_loss_warning=loss[1],
        delay_max=delay[0],
        delay_warning=delay[1],
    )


@pytest.fixture
def targets(catalogue, grades):  # noqa: F811 — the imported fixture, by name
    line = catalogue["T2"]
    return {
        "gold": target(line, grades["gold"]),
        "silver": target(line, grades["silver"], availability=("99.950", "99.970"), loss=("0.500", "0.300")),
        "any-gold": target(None, grades["gold"], availability=("99.000", "99.500"), loss=("1.000", "0.800")),
    }

import pytest

from customers.models import Customer
from keyaccounts.catalogue.models import Product
from keyaccounts.core.models import Team
from keyaccounts.core.roles import Role
from opportunities.defaults import ensure_defaults
from opportunities.models import Channel, LostReason
from tests.factories import TeamFactory, credit_code


@pytest.fixture(autouse=True)
def channels(db):
    """The migration's channels and lost reasons (a transactional test elsewhere may have flushed them)."""
    ensure_defaults(Channel, LostReason)


def make_product(code: str, route: str = "T3", **fields) -> Product:
    defaults = {
        "name_en": code.title(),
        "name_zh": code,
        "bearer_mode": "data",
        "route": route,
        "list_price": "10000",
        "city_discount_limit": "10",
        "province_discount_limit": "20",
    }
    return Product.objects.update_or_create(code=code, defaults={**defaults, **fields})[0]


@pytest.fixture
def manager(user_in_role, city):
    return user_in_role(Role.ACCOUNT_MANAGER, city=city, username="am")


@pytest.fixture
def customer(manager, city):
    return Customer.objects.create(
        name="长春一汽物流有限公司",
        credit_code=credit_code(1),
        industry="logistics",
        address="长春市绿园区",
        size="large",
        city=city,
        account_manager=manager,
        status=Customer.Status.VALIDATED,
        level="B",
        proposed_level="B",
    )


@pytest.fixture
def presales(user_in_role):
    team = TeamFactory(city=None, kind=Team.Kind.PRESALES)
    return user_in_role(Role.BACK_OFFICE, city=None, teams=[team], username="presales")


@pytest.fixture
def city_supervisor(user_in_role, city):
    return user_in_role(Role.CITY_SUPERVISOR, city=city, username="sup_city")


@pytest.fixture
def provincial_supervisor(user_in_role):
    return user_in_role(Role.PROVINCIAL_SUPERVISOR, city=None, username="sup_province")


@pytest.fixture
def eoms(stub_server, settings):
    """Our EOMS client pointed at the real stub service over HTTP."""
    settings.EOMS_BASE_URL = f"{stub_server}/eoms"
    return settings.EOMS_BASE_URL

import pytest

from customers.models import Customer
from keyaccounts.catalogue.models import Product, ProductElement
from keyaccounts.core.models import SiCompany, Team
from keyaccounts.core.roles import Role
from orders.models import BillingAccount
from tests.factories import TeamFactory, credit_code


def make_product(code: str, route: str, **fields) -> Product:
    product = Product.objects.create(
        code=code, name_en=code.title(), name_zh=code, bearer_mode="data", route=route, list_price="12000", **fields
    )
    ProductElement.objects.create(
        product=product, category="resource", code="site", label_en="Site address", label_zh="装机地址"
    )
    ProductElement.objects.create(
        product=product,
        category="product",
        code="members",
        label_en="Members",
        label_zh="成员数",
        type="integer",
        min_value=1,
    )
    return product


@pytest.fixture
def catalogue(db):
    si = SiCompany.objects.create(code="jl-smart", name_en="JL Smart", name_zh="吉林智联")
    return {
        "T1": make_product("vpmn", "T1"),
        "T2": make_product("internet-line", "T2"),
        "T3": make_product("group-sms", "T3", si_company=si),
        "T4": make_product("m2m-iot", "T4", si_company=si),
    }


@pytest.fixture
def manager(user_in_role, city):
    return user_in_role(Role.ACCOUNT_MANAGER, city=city, username="am")


@pytest.fixture
def customer(manager, city):
    customer = Customer.objects.create(
        name="长春一汽物流有限公司",
        credit_code=credit_code(7),
        industry="logistics",
        address="长春市绿园区",
        size="large",
        city=city,
        account_manager=manager,
        status=Customer.Status.VALIDATED,
        level="B",
        proposed_level="B",
    )
    BillingAccount.objects.create(customer=customer, number="BA-0431-0001")
    return customer


@pytest.fixture
def acceptor(user_in_role, city):
    team = TeamFactory(city=city, kind=Team.Kind.ORDER_ACCEPTANCE)
    return user_in_role(Role.BACK_OFFICE, city=city, teams=[team], username="acceptor")


@pytest.fixture
def supervisor(user_in_role, city):
    return user_in_role(Role.CITY_SUPERVISOR, city=city, username="sup_city")


@pytest.fixture
def peers(stub_server, settings):
    """EOMS and SI are the real stub service over HTTP."""
    settings.EOMS_BASE_URL = f"{stub_server}/eoms"
    settings.SI_BASE_URL = f"{stub_server}/si"
    settings.GATEWAY_BASE_URL = f"{stub_server}/gateway"


@pytest.fixture
def ops(user_in_role, city):
    team = TeamFactory(city=city, kind=Team.Kind.PROVISIONING)
    return user_in_role(Role.BACK_OFFICE, city=city, teams=[team], username="ops")

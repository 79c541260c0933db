import pytest

from customers.defaults import ensure_default_level_rules
from customers.models import LevelApprovalRule
from keyaccounts.core.models import Team
from keyaccounts.core.roles import Role
from tests.factories import TeamFactory


@pytest.fixture(autouse=True)
def level_rules(db):
    """The migration's rules (a transactional test elsewhere may have flushed them)."""
    ensure_default_level_rules(LevelApprovalRule)


@pytest.fixture
def manager(user_in_role, city):
    return user_in_role(Role.ACCOUNT_MANAGER, city=city, username="am")


@pytest.fixture
def reviewer(user_in_role, city):
    team = TeamFactory(city=city, kind=Team.Kind.CUSTOMER_AUDIT)
    return user_in_role(Role.BACK_OFFICE, city=city, teams=[team], username="reviewer")


@pytest.fixture
def supervisor(user_in_role, city):
    return user_in_role(Role.CITY_SUPERVISOR, city=city, username="supervisor")


@pytest.fixture
def foreign_reviewer(user_in_role, other_city):
    team = TeamFactory(city=other_city, kind=Team.Kind.CUSTOMER_AUDIT)
    return user_in_role(Role.BACK_OFFICE, city=other_city, teams=[team], username="foreign_reviewer")

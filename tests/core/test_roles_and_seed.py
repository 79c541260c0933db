import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from customers.models import Customer, LevelApprovalRule
from keyaccounts.catalogue.models import Product
from keyaccounts.core.models import City, Team, TimelineEvent, User
from keyaccounts.core.roles import DEFAULT_PERMISSIONS, Role, sync_role_groups
from opportunities.models import Channel, LostReason, Opportunity
from orders.models import BillingAccount, Order
from sla.models import BusinessCalendar, SlaClock, SlaPolicy

pytestmark = pytest.mark.django_db


def test_every_role_group_exists_with_its_default_permissions_after_migrate():
    # sync_role_groups raises if a declared permission does not exist, so a typo fails here.
    groups = sync_role_groups()
    assert set(groups) == set(Role.values)
    for role, perms in DEFAULT_PERMISSIONS.items():
        granted = {f"{p.content_type.app_label}.{p.codename}" for p in groups[role].permissions.all()}
        assert set(perms) <= granted


def test_sync_keeps_what_an_administrator_added():
    group = sync_role_groups()[Role.ACCOUNT_MANAGER]
    extra = Group.objects.get(name=Role.ADMINISTRATOR).permissions.first()
    group.permissions.add(extra)
    sync_role_groups()
    assert group.permissions.filter(pk=extra.pk).exists()


def test_seed_demo_is_idempotent_and_covers_every_role_in_two_cities():
    call_command("seed_demo", verbosity=0)

    def counts():
        # SLA clocks too: the demo's history of finished clocks is written once.
        return [m.objects.count() for m in (User, Team, Product, City, SlaClock)]

    first = counts()
    call_command("seed_demo", verbosity=0)
    assert counts() == first
    assert SlaClock.objects.filter(stopped_at__isnull=False).count() > 100

    assert City.objects.count() == 9
    assert Product.objects.count() == 9
    assert set(Product.objects.values_list("route", flat=True)) == {"T1", "T2", "T3", "T4"}
    assert BusinessCalendar.objects.get(code="jilin-standard").windows.count() == 10
    for role in Role:
        assert User.objects.filter(groups__name=role).exists(), role
    for role in (Role.ACCOUNT_MANAGER, Role.BACK_OFFICE, Role.CITY_SUPERVISOR):
        cities = set(User.objects.filter(groups__name=role).values_list("city__code", flat=True))
        assert {"changchun", "jilin"} <= cities, role
    si_users = User.objects.filter(groups__name=Role.SI_PARTNER)
    assert all(u.si_company_id for u in si_users)
    back_office = User.objects.get(username="bo_changchun")
    assert {t.kind for t in back_office.teams.all()} == {
        Team.Kind.CUSTOMER_AUDIT,
        Team.Kind.ORDER_ACCEPTANCE,
        Team.Kind.ASSURANCE_DESK,
    }
    assert all(t.city.code == "changchun" for t in back_office.teams.all())


def test_seed_demo_does_not_reset_a_changed_password():
    call_command("seed_demo", verbosity=0)
    user = User.objects.get(username="am_changchun")
    user.set_password("changed-by-user-1")
    user.save()
    call_command("seed_demo", verbosity=0)
    user.refresh_from_db()
    assert user.check_password("changed-by-user-1")


def test_the_configuration_alone_has_people_products_and_rules_and_no_business():
    # What a journey starts from; the rules and channels too, which a flushed test database has lost.
    call_command("seed_demo", configuration_only=True, verbosity=0)
    assert User.objects.filter(username__in=["am_changchun", "bo_changchun", "si_jlsmart", "admin"]).count() == 4
    assert Product.objects.filter(elements__isnull=False).distinct().count() == 9
    assert SlaPolicy.objects.exists()
    assert BusinessCalendar.objects.exists()
    assert LevelApprovalRule.objects.filter(level="A", on_registration=True).exists()
    assert Channel.objects.filter(code="visit").exists()
    assert LostReason.objects.exists()
    for business in (Customer, BillingAccount, Opportunity, Order, SlaClock, TimelineEvent):
        assert not business.objects.exists(), business

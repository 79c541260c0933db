"""The supervisors' dashboard: scoped figures a supervisor can check by hand, and CSV of every table."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from keyaccounts.core.models import City
from keyaccounts.core.roles import Role
from sla import dashboard, histogram
from sla.models import SlaClock, SlaPolicy
from sla.services import sla_clock_stop

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)


def clock(city, step, *, hours_taken=None, breached=False, due_in=None, warned=True, **dimensions) -> SlaClock:
    """An open clock; with `hours_taken`, one started ten hours ago (four hours allowed) and stopped by the
    service as a flow would, so the dashboards' day counts include it."""
    now = timezone.now()
    policy = SlaPolicy.objects.filter(step=step).first() or SlaPolicy.objects.create(
        step=step, limit=4 * H, time_basis="calendar"
    )
    started = now - 10 * H
    fields = {
        "subject_type": ContentType.objects.get_for_model(City),
        "subject_id": SlaClock.objects.count() + 1,
        "step": step,
        "policy": policy,
        "limit": 4 * H,
        "time_basis": "calendar",
        "warn_at_percent": 50,
        "warn_again_at_percent": 80,
        "city": city,
        **dimensions,
        "started_at": started,
        "running_since": started,
    }
    if hours_taken is not None:
        opened = SlaClock.objects.create(**fields, due_at=started + 4 * H)
        subject = City(pk=opened.subject_id)  # the service finds the clock by its subject's type and id
        stopped = sla_clock_stop(subject=subject, step=step, now=started + hours_taken * H)
        assert stopped.state == (SlaClock.State.BREACHED if breached else SlaClock.State.MET)
        return stopped
    due = now + due_in
    return SlaClock.objects.create(**fields, due_at=due, warn_at=now - H if warned else now + H)


@pytest.fixture
def clocks(city, other_city):
    for hours in (1, 2, 3):
        clock(city, "order.acceptance", hours_taken=hours)
    clock(city, "order.acceptance", hours_taken=6, breached=True)
    clock(other_city, "order.acceptance", hours_taken=9, breached=True)
    clock(city, "customer.review", hours_taken=1)
    clock(city, "order.approval", due_in=-H)  # breached, still open
    clock(city, "order.acceptance", due_in=H)  # warned
    clock(city, "customer.review", due_in=3 * H, warned=False)  # fine
    clock(other_city, "order.approval", due_in=-2 * H)


def test_a_city_supervisor_sees_their_citys_figures(client, user_in_role, clocks, city):
    client.force_login(user_in_role(Role.CITY_SUPERVISOR, city=city))
    response = client.get(reverse("sla:dashboard"))
    context = response.context
    assert [s.clock.step for s in context["at_risk"]] == ["order.approval", "order.acceptance"]
    assert [s.level for s in context["at_risk"]] == ["breached", "warning"]
    by_step = {row["key"]: row for row in context["by_step"]}
    assert (by_step["Order acceptance"]["met"], by_step["Order acceptance"]["breached"]) == (3, 1)
    assert by_step["Order acceptance"]["rate"] == 75.0
    assert by_step["Order acceptance"]["value"] == "order.acceptance"  # what its drill-down filters by
    slowest = context["bottlenecks"][0]
    assert (slowest["step"], slowest["count"]) == ("order.acceptance", 4)
    bound = dt.timedelta(hours=2.5) * histogram.ERROR_BOUND + histogram.ERROR_FLOOR
    assert abs(slowest["median"] - dt.timedelta(hours=2.5)) <= bound
    assert "within 2.5% (and a second) of the exact figure" in response.content.decode()  # the page says so
    assert [row["key"] for row in context["by_city"]] == ["Changchun"]


def test_a_provincial_supervisor_sees_every_city_and_can_narrow_to_one(client, user_in_role, clocks, other_city):
    client.force_login(user_in_role(Role.PROVINCIAL_SUPERVISOR, city=None))
    context = client.get(reverse("sla:dashboard")).context
    assert len(context["at_risk"]) == 3
    assert {row["key"]: row["rate"] for row in context["by_city"]} == {"Changchun": 80.0, "Jilin": 0.0}
    assert {row["step"]: row["count"] for row in context["bottlenecks"]} == {
        "order.acceptance": 5,
        "customer.review": 1,
    }
    narrowed = client.get(reverse("sla:dashboard"), {"city": other_city.pk}).context
    assert [row["key"] for row in narrowed["by_city"]] == ["Jilin"]
    assert [(row["step"], row["count"]) for row in narrowed["bottlenecks"]] == [("order.acceptance", 1)]


def test_every_table_exports_as_csv_and_other_roles_are_refused(client, user_in_role, clocks, city):
    client.force_login(user_in_role(Role.CITY_SUPERVISOR, city=city))
    response = client.get(reverse("sla:dashboard"), {"export": "by_step"})
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0] == "\ufeffStep,Met,Breached,Compliance (%)"
    assert "Order acceptance,3,1,75.0" in lines
    assert client.get(reverse("sla:dashboard"), {"export": "at_risk"}).content.decode().count("\n") == 3
    client.force_login(user_in_role(Role.ACCOUNT_MANAGER, username="am"))
    assert client.get(reverse("sla:dashboard")).status_code == 403


def test_the_period_chooses_which_finished_clocks_count(clocks, user_in_role, city):
    supervisor = user_in_role(Role.CITY_SUPERVISOR, city=city)
    long_ago = dashboard.Period(dt.date(2020, 1, 1), dt.date(2020, 1, 31))
    assert dashboard.finished_in(supervisor, long_ago).total == 0
    assert dashboard.finished_in(supervisor, dashboard.Period.last_days(30)).total == 5


def test_compliance_by_product_team_and_account_manager(client, user_in_role, city):
    from keyaccounts.catalogue.models import Product
    from keyaccounts.core.models import Team
    from tests.factories import TeamFactory

    line = Product.objects.create(
        code="internet-line", name_en="Line", name_zh="专线", bearer_mode="access", route="T2"
    )
    team = TeamFactory(city=city, kind=Team.Kind.ORDER_ACCEPTANCE, code="oa-cc")
    manager = user_in_role(Role.ACCOUNT_MANAGER, username="am_li")
    clock(city, "order.acceptance", hours_taken=1, product=line, team=team, account_manager=manager)
    clock(city, "order.acceptance", hours_taken=8, breached=True, product=line, team=team, account_manager=manager)
    client.force_login(user_in_role(Role.CITY_SUPERVISOR, city=city))
    context = client.get(reverse("sla:dashboard")).context
    figures = ("key", "value", "met", "breached", "rate")  # each row also carries its drill-down's link
    assert [{k: row[k] for k in figures} for row in context["by_product"]] == [
        {"key": "Line", "value": "internet-line", "met": 1, "breached": 1, "rate": 50.0}
    ]
    assert context["by_team"][0]["key"] == team.name_en
    assert [{k: row[k] for k in figures} for row in context["by_manager"]] == [
        {"key": str(manager), "value": "am_li", "met": 1, "breached": 1, "rate": 50.0}
    ]


def test_the_dashboard_names_cities_products_teams_and_people_in_chinese(client, user_in_role, city):
    from keyaccounts.catalogue.models import Product
    from keyaccounts.core.models import Team
    from tests.factories import TeamFactory

    line = Product.objects.create(
        code="internet-line", name_en="Internet line", name_zh="互联网专线", bearer_mode="access", route="T2"
    )
    team = TeamFactory(city=city, kind=Team.Kind.ORDER_ACCEPTANCE, name_en="Order acceptance", name_zh="订单受理组")
    manager = user_in_role(Role.ACCOUNT_MANAGER, username="am_wang", first_name="芳", last_name="王")
    clock(city, "order.acceptance", hours_taken=1, product=line, team=team, account_manager=manager)
    client.force_login(user_in_role(Role.CITY_SUPERVISOR, city=city))
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})

    context = client.get(reverse("sla:dashboard")).context

    assert [row["key"] for row in context["by_city"]] == ["长春"]
    assert [row["key"] for row in context["by_product"]] == ["互联网专线"]
    assert [row["key"] for row in context["by_team"]] == ["订单受理组"]
    assert [row["key"] for row in context["by_manager"]] == ["王芳"]


def test_a_clock_started_by_a_flow_knows_its_team_and_account_manager(user_in_role, city):
    from customers import services
    from customers.models import ArchivingRequest
    from keyaccounts.core.models import Team
    from sla.demo import seed_demo_policies
    from tests.factories import CONTACT, TeamFactory, customer_fields

    seed_demo_policies()
    team = TeamFactory(city=city, kind=Team.Kind.CUSTOMER_AUDIT)
    manager = user_in_role(Role.ACCOUNT_MANAGER, username="am_wang")
    request = services.customer_register(user=manager, fields=customer_fields(3), contacts=[CONTACT])
    review = SlaClock.objects.get(step="customer.review", subject_id=request.pk)
    assert (review.team, review.account_manager, review.city) == (team, manager, city)
    assert isinstance(request, ArchivingRequest)

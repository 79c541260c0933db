"""Configuration every page reads (business calendars, the products on sale, the saved inbox filters) is kept in
the cache per object: a change is seen by the next read, at once in the changing transaction and, once it
commits, by a process that kept the rows as they were before."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse

from keyaccounts.catalogue.models import Product
from keyaccounts.catalogue.selectors import PRODUCTS_ON_SALE, products_on_sale
from keyaccounts.core.caching import TIMEOUT
from keyaccounts.core.models import Team
from keyaccounts.core.roles import Role
from keyaccounts.core.user_access import user_for
from keyaccounts.inbox.models import SavedFilter
from keyaccounts.inbox.selectors import saved_filters_for
from sla.models import BusinessCalendar, Holiday, WorkingWindow
from sla.selectors import calendar_read
from tests.factories import TeamFactory, make_user

pytestmark = pytest.mark.django_db


def _product(code: str, **fields) -> Product:
    return Product.objects.create(
        code=code, name_en=code.upper(), name_zh=code, bearer_mode="voice", route="T1", **fields
    )


def on_sale() -> set[str]:
    return {product.name_en for product in products_on_sale()}


# ---------------------------------------------------------------------------- products
def test_products_added_or_withdrawn_show_in_the_inbox_filter_on_the_next_request(client, user_in_role):
    def offered() -> str:
        page = client.get(reverse("inbox"))
        return page.content.decode().split('name="product"', 1)[1].split("</select>", 1)[0]

    client.force_login(user_in_role(Role.BACK_OFFICE))
    assert ">VPMN<" not in offered()
    product = _product("vpmn")
    assert ">VPMN<" in offered()
    product.is_active = False
    product.save()
    assert ">VPMN<" not in offered()


def test_a_product_renamed_or_deleted_is_seen_by_the_next_read():
    product = _product("vpmn")
    assert "VPMN" in on_sale()
    product.name_en = "Virtual private network"
    product.save()
    assert "Virtual private network" in on_sale()
    product.delete()
    assert "Virtual private network" not in on_sale()


def test_a_process_that_kept_the_rows_before_a_commit_is_not_believed_after_it(django_capture_on_commit_callbacks):
    products_on_sale()
    before = cache.get(PRODUCTS_ON_SALE)
    with django_capture_on_commit_callbacks(execute=True):
        _product("vpmn")
        assert "VPMN" in on_sale()  # the changing transaction reads its own change
        cache.set(PRODUCTS_ON_SALE, before, TIMEOUT)  # another process, reading before the commit
    assert "VPMN" in on_sale()


# ---------------------------------------------------------------------------- business calendars
@pytest.fixture
def calendar():
    calendar = BusinessCalendar.objects.create(code="test-hours", name_en="Test", name_zh="测试", time_zone="UTC")
    WorkingWindow.objects.create(calendar=calendar, weekday=0, starts=dt.time(9), ends=dt.time(17))
    return calendar


def windows(**lookup) -> dict:
    return calendar_read(**lookup)[1].windows


def test_a_window_added_changed_moved_or_deleted_is_seen_by_both_lookups(calendar):
    assert windows(code="test-hours") == windows(pk=calendar.pk) == {0: ((dt.time(9), dt.time(17)),)}
    window = WorkingWindow.objects.create(calendar=calendar, weekday=1, starts=dt.time(9), ends=dt.time(12))
    assert windows(code="test-hours")[1] == windows(pk=calendar.pk)[1] == ((dt.time(9), dt.time(12)),)
    window.ends = dt.time(13)
    window.save()
    assert windows(code="test-hours")[1] == windows(pk=calendar.pk)[1] == ((dt.time(9), dt.time(13)),)
    other = BusinessCalendar.objects.create(code="other-hours", name_en="Other", name_zh="其他", time_zone="UTC")
    assert windows(code="other-hours") == {}
    window.calendar = other
    window.save()
    assert 1 not in windows(code="test-hours")
    assert 1 not in windows(pk=calendar.pk)
    assert windows(code="other-hours") == {1: ((dt.time(9), dt.time(13)),)}
    window.delete()
    assert windows(code="other-hours") == windows(pk=other.pk) == {}


def test_holidays_and_make_up_days_added_changed_moved_or_deleted_are_seen(calendar):
    def exceptions(**lookup) -> tuple[set, dict]:
        working = calendar_read(**lookup)[1]
        return working.holidays, working.workdays

    new_year = dt.date(2027, 1, 1)
    assert exceptions(code="test-hours") == exceptions(pk=calendar.pk) == (set(), {})
    holiday = Holiday.objects.create(calendar=calendar, date=new_year, name="New Year")
    assert exceptions(code="test-hours") == exceptions(pk=calendar.pk) == ({new_year}, {})
    holiday.kind, holiday.workday_as = Holiday.Kind.WORKDAY, 0
    holiday.save()
    assert exceptions(code="test-hours") == exceptions(pk=calendar.pk) == (set(), {new_year: 0})
    other = BusinessCalendar.objects.create(code="other-hours", name_en="Other", name_zh="其他", time_zone="UTC")
    assert exceptions(code="other-hours") == (set(), {})
    holiday.calendar = other
    holiday.save()
    assert exceptions(code="test-hours") == exceptions(pk=calendar.pk) == (set(), {})
    assert exceptions(code="other-hours") == (set(), {new_year: 0})
    holiday.delete()
    assert exceptions(code="other-hours") == exceptions(pk=other.pk) == (set(), {})


def test_a_calendar_created_changed_renamed_or_deleted_is_seen(calendar):
    assert calendar_read(code="later") == (None, None)
    later = BusinessCalendar.objects.create(code="later", name_en="Later", name_zh="后来", time_zone="UTC")
    assert calendar_read(code="later")[0].pk == later.pk
    later.delete()  # a calendar with no windows: nothing of it deleted but itself
    assert calendar_read(code="later") == (None, None)
    calendar.time_zone = "Asia/Shanghai"
    calendar.save()
    assert (
        calendar_read(code="test-hours")[1].time_zone == calendar_read(pk=calendar.pk)[1].time_zone == "Asia/Shanghai"
    )
    calendar.code = "renamed-hours"
    calendar.save()
    assert calendar_read(code="test-hours") == (None, None)
    assert calendar_read(code="renamed-hours")[0].pk == calendar.pk
    assert calendar_read(pk=calendar.pk)[0].code == "renamed-hours"
    pk = calendar.pk
    calendar.delete()
    assert calendar_read(code="renamed-hours") == calendar_read(pk=pk) == (None, None)


# ---------------------------------------------------------------------------- saved inbox filters
@pytest.fixture
def teams(city):
    team_a = TeamFactory(code="team-a", name_en="Team A", city=city)
    return team_a, TeamFactory(code="team-b", name_en="Team B", city=city, kind=Team.Kind.PRESALES)


def listed(user) -> list[tuple[str, str | None]]:
    """The filters the user's next request lists."""
    kept = saved_filters_for(user_for(user.pk))
    return [(saved.name, saved.team.name_en if saved.team_id else None) for saved in kept]


def test_a_filter_saved_renamed_or_deleted_is_seen_by_its_owner(user_in_role):
    owner = user_in_role(Role.BACK_OFFICE)
    assert listed(owner) == []
    saved = SavedFilter.objects.create(owner=owner, name="Mine", query="view=queue")
    assert listed(owner) == [("Mine", None)]
    saved.name = "Still mine"
    saved.save()
    assert listed(owner) == [("Still mine", None)]
    saved.delete()
    assert listed(owner) == []


def test_a_filter_shared_moved_between_teams_or_its_team_renamed_is_seen_by_the_members(teams, city):
    team_a, team_b = teams
    owner = make_user(Role.BACK_OFFICE, city=city, teams=[team_a, team_b])
    in_a = make_user(Role.BACK_OFFICE, city=city, teams=[team_a])
    in_b = make_user(Role.BACK_OFFICE, city=city, teams=[team_b])
    assert listed(in_a) == listed(in_b) == []
    saved = SavedFilter.objects.create(owner=owner, name="Shared", query="view=queue", team=team_a)
    assert listed(owner) == listed(in_a) == [("Shared", "Team A")]
    assert listed(in_b) == []
    saved.team = team_b
    saved.save()
    assert listed(in_a) == []
    assert listed(owner) == listed(in_b) == [("Shared", "Team B")]
    team_b.name_en = "Team B renamed"
    team_b.save()
    assert listed(owner) == listed(in_b) == [("Shared", "Team B renamed")]


def test_joining_or_leaving_a_team_shows_or_hides_its_filters(teams, city, user_in_role):
    team_a, _team_b = teams
    owner = make_user(Role.BACK_OFFICE, city=city, teams=[team_a])
    SavedFilter.objects.create(owner=owner, name="Shared", query="view=queue", team=team_a)
    joining = user_in_role(Role.BACK_OFFICE)
    assert listed(joining) == []
    joining.teams.add(team_a)
    assert listed(joining) == [("Shared", "Team A")]
    team_a.members.remove(joining)
    assert listed(joining) == []

"""The demo has an SLA history: weeks of finished clocks, some breached, and open steps at risk, so that a
supervisor's first look at the dashboard shows a trend line and figures to click."""

import time

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.urls import reverse

from keyaccounts.core.models import User
from sla import dashboard
from sla.models import SlaClock, SlaDayCount
from sla.services import sla_rollup_fold

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded_twice():
    began = time.monotonic()
    call_command("seed_demo", verbosity=0)
    took = time.monotonic() - began
    sla_rollup_fold()  # as the beat, or the dashboard before it reads
    counts = (SlaClock.objects.count(), SlaDayCount.objects.aggregate(n=Sum("met") + Sum("breached"))["n"])
    call_command("seed_demo", verbosity=0)
    sla_rollup_fold()
    return counts, took


def test_the_demo_seeds_weeks_of_history_once(seeded_twice):
    (clocks, counted), _took = seeded_twice
    assert (SlaClock.objects.count(), SlaDayCount.objects.aggregate(n=Sum("met") + Sum("breached"))["n"]) == (
        clocks,
        counted,
    )
    finished = SlaClock.objects.filter(stopped_at__isnull=False)
    assert counted == finished.count() > 100  # every finished clock is in the rollup, once
    assert finished.filter(state=SlaClock.State.BREACHED).exists()
    assert finished.values("city").distinct().count() == 2
    assert finished.exclude(product=None).values("product").distinct().count() >= 3
    assert finished.values("step").distinct().count() >= 4


def test_a_supervisor_sees_a_trend_line_and_steps_at_risk(client, seeded_twice):
    supervisor = User.objects.get(username="sup_province")
    trend = dashboard.weekly_trend(dashboard.finished_in(supervisor, dashboard.Period.last_days(30)))
    assert len([week for week in trend if week["total"]]) >= 3
    assert len({week["rate"] for week in trend}) > 1  # a line that moves
    client.force_login(supervisor)
    context = client.get(reverse("sla:dashboard")).context
    assert {s.level for s in context["at_risk"]} >= {"breached", "warning"}
    assert all(row["met"] + row["breached"] for row in context["by_step"])


def test_the_demo_stays_quick(seeded_twice):
    _counts, took = seeded_twice
    assert took < 15  # the whole demo; the history adds well under a second of it

"""The inbox and the team queue over 100,000 open and 1,000,000 finished tasks (bench/data.py), for an account
manager, a back-office member and a city supervisor: server time of `inbox_page` and of the whole page through
Django's test client (p50 and p95; target ≤ 150 ms), and the query count at 25 and 100 rows a page (target:
the same). A provincial supervisor's "All open tasks" (every city) is measured beside them."""

import statistics
import time

from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from keyaccounts.core.models import User
from keyaccounts.inbox.inbox import InboxFilter, inbox_page

from . import data

RUNS = 30


def _percentiles(timings: list[float]) -> str:
    timings = sorted(t * 1000 for t in timings)
    p95 = timings[min(len(timings) - 1, round(len(timings) * 0.95) - 1)]
    return f"p50 {statistics.median(timings):.0f} ms, p95 {p95:.0f} ms"


def _time(call) -> list[float]:
    call()  # warm: permissions, content types
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
    return timings


def _queries(user, view: str, per_page: int) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        rows, _total = inbox_page(user, InboxFilter(view=view), per_page=per_page)
    return len(captured), len(rows)


def _busiest_manager() -> User:
    """The account manager of the first city with the most tasks of their own, so "mine" has rows."""
    owner = (
        Task.objects.filter(status=STATUS.ASSIGNED, owner__username__startswith="bench_am_changchun_")
        .values("owner")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    return User.objects.get(pk=owner["owner"])


def run() -> dict[str, str | float]:
    figures = data.load()
    people = {
        "account manager": _busiest_manager(),
        "back-office member": User.objects.get(username="bench_bo_changchun_0"),
        "city supervisor": User.objects.get(username="bench_sup_changchun"),
        "provincial supervisor": User.objects.get(username="bench_sup_province"),
    }
    for who, user in people.items():
        views = ("all",) if who == "provincial supervisor" else ("mine", "queue")
        if who == "city supervisor":
            views += ("all",)
        client = Client()
        client.force_login(user)
        for view in views:
            total = inbox_page(user, InboxFilter(view=view))[1]
            service = _time(lambda u=user, v=view: inbox_page(u, InboxFilter(view=v)))
            page = _time(lambda c=client, v=view: c.get("/inbox/", {"view": v}))
            (q25, rows25), (q100, rows100) = _queries(user, view, 25), _queries(user, view, 100)
            figures[f"{who}, {view} ({total} rows)"] = (
                f"inbox_page {_percentiles(service)}; GET /inbox/ {_percentiles(page)} (target ≤ 150 ms); "
                f"queries {q25} for {rows25} rows, {q100} for {rows100} rows"
            )
    return figures

"""The shell pages: server time and query count of the home and organisation pages on seeded data."""

import statistics
import time

from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from keyaccounts.core.models import User

ROUNDS = 50


def _measure(client: Client, url: str) -> tuple[float, float, int]:
    client.get(url)  # warm up
    timings = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], len(queries)


def run() -> dict[str, str | float]:
    call_command("seed_demo", verbosity=0)
    figures: dict[str, str | float] = {}
    for username, url in (("bo_changchun", "/"), ("sup_province", "/organisation/"), ("admin", "/")):
        client = Client()
        client.force_login(User.objects.get(username=username))
        median, p95, queries = _measure(client, url)
        figures[f"{url} as {username}"] = f"median {median:.1f} ms, p95 {p95:.1f} ms, {queries} queries"
    return figures

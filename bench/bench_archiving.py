"""Customer archiving end to end (register → duplicate check → review → archived), driven through services."""

import time

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers import services
from customers.flows import ArchivingFlow
from customers.selectors import archiving_open_tasks
from keyaccounts.core.models import User
from tests.factories import CONTACT, customer_fields

ROUNDS = 200


def _archive_one(serial: int, manager, reviewer) -> None:
    request = services.customer_register(user=manager, fields=customer_fields(serial), contacts=[CONTACT])
    task = archiving_open_tasks(request.customer).get(flow_task=ArchivingFlow.review)
    services.archiving_review(user=reviewer, task_pk=task.pk, decision="approve")


def run() -> dict[str, str | float]:
    call_command("seed_demo", verbosity=0)
    manager, reviewer = User.objects.get(username="am_changchun"), User.objects.get(username="bo_changchun")
    _archive_one(10_000, manager, reviewer)  # warm up
    with CaptureQueriesContext(connection) as queries:
        _archive_one(10_001, manager, reviewer)
    started = time.perf_counter()
    for serial in range(ROUNDS):
        _archive_one(20_000 + serial, manager, reviewer)
    elapsed = time.perf_counter() - started
    return {
        "customers archived": ROUNDS,
        "throughput": f"{ROUNDS / elapsed:.1f} customers/s (register + duplicate check + review + archive)",
        "SQL queries per customer": len(queries),
    }

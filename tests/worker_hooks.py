"""Signal handlers for the test suite's Celery worker (`celery worker --include`) and the test process.

Transactional tests flush the database between tests, and Django recreates the content types with new
ids; a long-lived worker would keep the old ids in its ContentType cache and write timeline rows that
point nowhere. Production never deletes content types, so this belongs to the tests.

A flush that runs while the worker is still in a task deadlocks with it (TRUNCATE against the task's row
locks), so every published task is counted until a worker has run it, and a test waits for the count to
reach zero before its database is flushed (`tests.conftest.pytest_runtest_call`).
"""

import redis
from celery.signals import before_task_publish, task_postrun, task_prerun

IN_FLIGHT = "tests:tasks-in-flight"


def counter() -> redis.Redis:
    from django.conf import settings

    return redis.Redis.from_url(settings.CELERY_BROKER_URL)


@task_prerun.connect
def forget_content_types(**kwargs) -> None:
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


@before_task_publish.connect
def count_published(**kwargs) -> None:
    with counter() as client:
        client.incr(IN_FLIGHT)


@task_postrun.connect
def count_done(task=None, **kwargs) -> None:
    if task is not None and not task.request.is_eager and task.request.delivery_info:
        with counter() as client:
            client.decr(IN_FLIGHT)


def forget_queued() -> None:
    """The queue was purged: nothing is waiting for a worker any more."""
    with counter() as client:
        client.delete(IN_FLIGHT)


def wait_until_worker_quiet(timeout: float = 15) -> None:
    """Until every published task has run, or `timeout` (a task retried with a countdown may wait longer). Then
    the count starts again from nothing: a task that never runs (its worker killed, its queue unheard) holds up
    only the test that sent it."""
    import time

    deadline = time.monotonic() + timeout
    with counter() as client:
        while int(client.get(IN_FLIGHT) or 0) > 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        client.delete(IN_FLIGHT)

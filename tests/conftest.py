"""Shared fixtures. The suite runs on PostgreSQL and Redis (keyaccounts.settings.test)."""

import os

import pytest
from django.core.management import call_command

from tests import worker_hooks
from tests.factories import CityFactory, make_user

# Playwright's sync API runs an event loop in the test thread; Django's ORM stays synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
WORKER_STARTED = False  # set by `celery_worker_process`; from then on every queued task runs


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After every test that touched the database: the inbox's entries are exactly what the tasks make them,
    whichever services, actions, jobs and events moved the flows; and the worker has finished what the test
    queued before the database is flushed under it."""
    touches_database = item.get_closest_marker("django_db") or {"db", "transactional_db", "live_server"} & set(
        item.fixturenames
    )
    try:
        result = yield
    finally:
        if touches_database and WORKER_STARTED:
            worker_hooks.wait_until_worker_quiet()
    if touches_database:
        from keyaccounts.inbox.inbox import inbox_drift

        drift = inbox_drift()
        assert not drift, f"inbox entries out of step with their tasks: {drift[:6]}"
    return result


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the site's language, whatever an earlier one left active."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: the database's rows roll back after a test, Redis's do not. Only the
    cache's own keys go (`make_key`'s prefix), not the broker's queues, which share the Redis database."""
    import redis
    from django.conf import settings
    from django.core.cache import cache

    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    try:
        keys = list(client.scan_iter(match=cache.make_key("*"), count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def seeded(db):
    call_command("seed_demo", verbosity=0)


@pytest.fixture
def city(db):
    return CityFactory(code="changchun", name_en="Changchun", name_zh="长春")


@pytest.fixture
def other_city(db):
    return CityFactory(code="jilin", name_en="Jilin", name_zh="吉林")


@pytest.fixture
def user_in_role(db, city):
    """Factory fixture: `user_in_role(Role.BACK_OFFICE, city=...)`."""

    def make(role, **kwargs):
        kwargs.setdefault("city", city)
        return make_user(role, **kwargs)

    return make


# ---------------------------------------------------------------------------- browser (pytest-playwright)
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's chromium, never a downloaded browser; flags for a closed network and a root user."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


# ---------------------------------------------------------------------------- real processes
@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, stub_server, tmp_path_factory):
    """A real Celery worker on Redis, reading and writing the test database and calling the stub peers
    (use with transactional_db)."""
    from django.conf import settings
    from django.db import connection

    from keyaccounts.celery import app
    from keyaccounts.core.tasks import echo_task
    from tests import processes

    global WORKER_STARTED
    app.control.purge()
    worker_hooks.forget_queued()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "keyaccounts.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "EOMS_BASE_URL": f"{stub_server}/eoms",
        "SI_BASE_URL": f"{stub_server}/si",
        "GATEWAY_BASE_URL": f"{stub_server}/gateway",
    }
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    proc = processes.celery_worker(env=env, log=log, include=("tests.worker_hooks",))
    try:
        processes.wait_until(lambda: echo_task.delay("ready").get(timeout=2) == "echo:ready", proc=proc, log=log)
        WORKER_STARTED = True
        yield proc
    finally:
        processes.stop(proc)


@pytest.fixture(scope="session")
def stub_server(tmp_path_factory):
    """The EOMS/SI stub service over real HTTP on its own port, with its own store."""
    import subprocess
    import sys

    import requests

    from tests import processes

    workdir = tmp_path_factory.mktemp("stubs")
    env = {
        **os.environ,
        "STUBS_DATABASE_URL": f"sqlite:///{workdir / 'stubs.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "stubs.settings",
        "STUBS_STEP_SECONDS": "0",  # scripted resources are finished when first read
    }
    subprocess.run(
        [sys.executable, "-m", "django", "migrate", "--noinput", "-v0"], cwd=processes.ROOT, env=env, check=True
    )
    port = processes.free_port()
    log = workdir / "stubs.log"
    proc = processes.start(
        [
            *[sys.executable, "-m", "gunicorn", "stubs.wsgi", "--bind", f"127.0.0.1:{port}"],
            *["--workers", "1", "--threads", "4"],  # one dispatcher thread sends the scripted events
        ],
        env=env,
        log=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        processes.wait_until(lambda: requests.get(f"{base}/healthz", timeout=1).ok, proc=proc, log=log)
        yield base
    finally:
        processes.stop(proc)

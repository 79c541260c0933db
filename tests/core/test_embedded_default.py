"""With no DATABASE_URL and no REDIS_URL the project runs on SQLite and a folder broker: no server at all."""

import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime

import pytest

from keyaccounts.core.health import WORKER_HEARTBEAT
from tests import processes

EMBEDDED_ENV = {"DJANGO_SETTINGS_MODULE": "keyaccounts.settings.local"}
SERVER_VARIABLES = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")


def _embedded_env(var_dir) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in SERVER_VARIABLES}
    return {**env, **EMBEDDED_ENV, "KEYACCOUNTS_VAR_DIR": str(var_dir)}


def _run(args: list[str], env: dict, *, timeout: int = 60) -> str:
    """Python with `args` in the project's folder; what it printed, once it succeeded."""
    result = subprocess.run(
        [sys.executable, *args],
        cwd=processes.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def _python(code: str, env: dict) -> str:
    return _run(["-c", code], env)


def _stubs_env(var_dir) -> dict:
    return {"STUBS_DATABASE_URL": f"sqlite:///{var_dir / 'stubs.sqlite3'}"}


@pytest.fixture(scope="module")
def migrated_var(tmp_path_factory):
    """A var/ folder with both databases migrated, once a module: tests work on a copy (`var_copy`)."""
    var_dir = tmp_path_factory.mktemp("var")
    env = {**_embedded_env(var_dir), **_stubs_env(var_dir)}
    _run(["manage.py", "migrate", "--noinput", "-v0"], env, timeout=300)
    _run(["-m", "django", "migrate", "--noinput", "-v0", "--settings=stubs.settings"], env)
    return var_dir


@pytest.fixture
def var_copy(migrated_var, tmp_path):
    var_dir = tmp_path / "var"
    shutil.copytree(migrated_var, var_dir)
    return var_dir


def test_embedded_settings_point_at_sqlite_and_a_filesystem_broker(tmp_path):
    out = _python(
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.CELERY_RESULT_BACKEND]))",
        _embedded_env(tmp_path),
    )
    engine, broker, backend = json.loads(out)
    assert engine == "django.db.backends.sqlite3"
    assert broker == "filesystem://"
    assert backend.startswith("file://")


@pytest.mark.worker
def test_a_real_worker_runs_tasks_on_the_embedded_broker(tmp_path):
    env = _embedded_env(tmp_path)
    log = tmp_path / "worker.log"
    # Not eager: a separate worker process takes the message from the folder broker.
    worker = processes.celery_worker(env=env, log=log, concurrency=1)
    try:
        out = _python(
            "import django; django.setup(); from keyaccounts.core.tasks import echo_task; "
            "print(echo_task.delay('embedded').get(timeout=30))",
            env,
        )
    finally:
        processes.stop(worker)
    assert out.strip() == "echo:embedded"
    assert "filesystem" in log.read_text()


def test_make_runs_set_up_migrates_and_seeds_the_demo_on_sqlite(tmp_path):
    """`make run`'s steps before the servers start: the demo's flows (clock stops, rollups, inbox entries)
    run on SQLite too, not only on the suite's PostgreSQL."""
    env = _embedded_env(tmp_path)
    for command in (["migrate", "--noinput", "-v0"], ["seed_demo"]):
        _run(["manage.py", *command], env, timeout=300)
    out = _python(
        "import django; django.setup(); from keyaccounts.core.models import User; "
        "from sla.models import SlaDayCount; from sla.selectors import calendar_read; "
        "from sla.services import sla_rollup_fold; "
        "print(User.objects.filter(username='bo_changchun').exists(), sla_rollup_fold() > 0, "
        "SlaDayCount.objects.exists()); "
        "c, w = calendar_read(code='jilin-standard'); "  # plain SQL: SQLite answers times and dates as text
        "print(c.time_zone, type(w.windows[0][0][0]).__name__, type(min(w.holidays)).__name__, len(w.workdays) > 0); "
        # A flow step's task read with its process (plain SQL too): the text times converted as the ORM does.
        "from viewflow.workflow.models import Task; from keyaccounts.core.fastpath import read_with_related; "
        "t = Task.objects.select_related('process').filter(finished__isnull=False).last(); "
        "r = read_with_related(Task, t.pk, ('process',)); "
        "print((r.finished, r.process.created, r.flow_task) == (t.finished, t.process.created, t.flow_task))",
        env,
    )
    assert out.split() == ["True", "True", "True", "Asia/Shanghai", "time", "date", "True", "True"]
    # A signed-in user as the cache keeps them, shared by every process (web workers, the Celery worker), and a
    # change another process makes that reaches them.
    setup = (
        "import django; django.setup(); from django.core.cache import cache; from keyaccounts.core.models import User; "
        "from keyaccounts.core.user_access import user_for, user_key; user = User.objects.get(username='bo_changchun'); "
    )
    assert _python(setup + "print(user_for(user.pk).has_perm('orders.view_order'))", env).split() == ["True"]
    kept_elsewhere = _python(setup + "print(cache.get(user_key(user.pk)) is not None); user.groups.clear()", env)
    assert kept_elsewhere.split() == ["True"]
    assert _python(setup + "print(user_for(user.pk).has_perm('orders.view_order'))", env).split() == ["False"]


def test_on_sqlite_a_transaction_that_reads_then_writes_waits_for_another_writer(var_copy):
    """The worker's heartbeat reads, then writes, in one transaction while other tasks write: on SQLite it
    waits for them instead of failing with "database is locked"."""
    env = _embedded_env(var_copy)
    out = _python(
        "import threading, time, django; django.setup(); "
        "from django.db import connection, transaction; from keyaccounts.core.models import Heartbeat; "
        "from django.utils import timezone; started = threading.Event()\n"
        "def writer():\n"
        "    with transaction.atomic():\n"
        "        Heartbeat.objects.create(name='other', beat_at=timezone.now()); started.set(); time.sleep(1)\n"
        "    connection.close()\n"
        "t = threading.Thread(target=writer); t.start(); started.wait()\n"
        "with transaction.atomic():\n"
        "    Heartbeat.objects.update_or_create(name='worker', defaults={'beat_at': timezone.now()})\n"
        "t.join(); print(sorted(Heartbeat.objects.values_list('name', flat=True)))",
        env,
    )
    assert out.strip() == "['other', 'worker']"


def _heartbeat_at(var_dir) -> datetime:
    """When the embedded default's worker last proved it alive (its heartbeat, a periodic task of beat)."""
    with contextlib.closing(sqlite3.connect(var_dir / "keyaccounts.sqlite3")) as db:
        row = db.execute("SELECT beat_at FROM core_heartbeat WHERE name = ?", (WORKER_HEARTBEAT,)).fetchone()
    return datetime.fromisoformat(row[0]).replace(tzinfo=UTC) if row else datetime.min.replace(tzinfo=UTC)


@pytest.mark.processes
def test_make_run_stops_every_process_it_started_on_a_terminal_or_supervisor_sigterm(var_copy, tmp_path):
    """`make run`'s script on the embedded default: once it is up, the beat's periodic work leaves no line under
    the banner, and a TERM to its process group (Ctrl-C, a supervisor) stops the web server, the stubs and the
    worker with its beat and pool within 15 s."""
    port, stubs_port = processes.free_port(), processes.free_port()
    env = {
        **_embedded_env(var_copy),
        **_stubs_env(var_copy),
        "VENV": sys.prefix,  # the environment running the suite: a .venv in the checkout or a link to one
        "PORT": str(port),
        "STUBS_PORT": str(stubs_port),
        "WEB_CONCURRENCY": "1",
    }
    log = tmp_path / "run.log"
    script = processes.start(["scripts/run.sh"], env=env, log=log)  # a session and group of its own
    sessions = {script.pid}
    try:

        def healthy() -> bool:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                return response.status == 200

        processes.wait_until(healthy, proc=script, log=log, timeout=45)
        # The banner closes startup: the script now waits on its services, as a user's terminal shows it.
        processes.wait_until(lambda: log.read_text().count("=" * 80) == 2, proc=script, log=log, timeout=20)
        # Beat goes on sending its sweeps every few seconds (the worker's heartbeat comes again) without a line of
        # its own: after the banner, the log holds a request's line and nothing periodic.
        banner_at = datetime.now(UTC)
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).close()
        processes.wait_until(lambda: _heartbeat_at(var_copy) > banner_at, proc=script, log=log, timeout=30)
        after_banner = log.read_text().rsplit("=" * 80, 1)[1].strip().splitlines()
        assert len(after_banner) == 1, after_banner
        assert '"GET /healthz HTTP/1.1" 200' in after_banner[0]
        started = processes.descendants(script.pid)
        sessions |= processes.sessions_of(started)
        assert len(started) >= 6, started  # two gunicorn masters and their workers, the worker and its pool

        os.killpg(script.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        script.wait(timeout=15)
        processes.wait_for(lambda: not processes.running_in_sessions(sessions), timeout=deadline - time.monotonic())
    finally:
        for session in sessions | processes.sessions_of(processes.descendants(script.pid)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(session, signal.SIGKILL)  # a session's leader id is its group's too
        script.wait()
    assert "Stopping..." in log.read_text()

"""A load test on loopback: 100 signed-in users (back-office members and account managers of every city) on
gunicorn with 2 workers of 2 threads each, as `make run` and docker-compose.yml start it, against the inbox data
of bench/data.py, for `BENCH_LOAD_SECONDS` (default 30) with
wrk (Debian package `wrk`; `make bench` installs it). The mix: 6 in 10 requests open the inbox (queue or
mine), 3 an order's page, 1 completes a task (a back-office member accepts an order of their queue through
its task page; each task is completed once), each user thinking 0.5–1.5 s between requests. Printed: requests, errors (non-2xx/3xx, socket errors), tasks
completed and latency p50/p95/p99 (target: 0 errors, p95 ≤ 300 ms), and the CPU each request cost gunicorn's
workers, PostgreSQL and wrk itself (the three share the machine's cores).

Why threads: wrk, like a browser, opens its next connection before it sends on it (here, for the whole think
time). A sync worker takes such a connection and waits on it, idle: with 2 of them that waiting was a third of
their time, and throughput stayed at 70 requests/s whatever a request cost. A threaded worker's connections wait
in its poller. Two threads, not four: more contend for the worker's interpreter lock (p95 280–310 ms against
200–210 ms, by turns).
"""

import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import requests
from django.conf import settings
from django.db import connection
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from keyaccounts.core.models import City
from orders.flows import OrderFlow
from orders.models import Order
from tests import processes

from . import data

SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "30"))
USERS, THREADS = 100, 2
TASKS_PER_USER = 200  # more than one user completes in the run: nobody runs dry

LUA = """
local users = {%(users)s}
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  mine, n = {}, 0
  for i, u in ipairs(users) do
    if (i - 1) %% %(threads)d == id then table.insert(mine, u) end
  end
end
function request()
  n = n + 1
  local u = mine[(n %% #mine) + 1]
  local kind = n %% 10
  local headers = {Cookie = u.cookie}
  if kind == 0 and #u.tasks > 0 then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return wrk.format("POST", table.remove(u.tasks), headers, "decision=approve&csrfmiddlewaretoken=" .. u.csrf)
  elseif kind <= 3 then
    return wrk.format("GET", u.details[(n %% #u.details) + 1], headers)
  end
  return wrk.format("GET", (n %% 2 == 0) and "/inbox/?view=queue" or "/inbox/?view=mine", headers)
end
function delay()
  return math.random(500, 1500)  -- a person reads the page before the next click
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%%d non2xx3xx=%%d connect=%%d read=%%d write=%%d timeout=%%d " ..
    "p50=%%.1f p95=%%.1f p99=%%.1f\\n", summary.requests, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def _lua_user(cookie: str, csrf: str, details: list[str], tasks: list[str]) -> str:
    def strings(values):
        return ", ".join(f'"{v}"' for v in values)

    return f'{{cookie = "{cookie}", csrf = "{csrf}", details = {{{strings(details)}}}, tasks = {{{strings(tasks)}}}}}'


def _sign_in(base: str, username: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{base}/login/", timeout=30)
    response = session.post(
        f"{base}/login/",
        data={
            "username": username,
            "password": data.PASSWORD,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        timeout=30,
        allow_redirects=False,
    )
    assert response.status_code == 302, (username, response.status_code)
    return session


def _users(base: str) -> list[str]:
    """Each user as wrk sees them: cookies, order pages they may see, order tasks they may complete."""
    entries = []
    cities = list(City.objects.order_by("sort_order", "pk"))
    names = [f"bench_bo_{c.code}_{n}" for c in cities for n in range(data.BACK_OFFICE_PER_CITY)]
    names += [f"bench_am_{c.code}_{n}" for n in range(data.AMS_PER_CITY) for c in cities][: USERS - len(names)]
    for username in names:
        session = _sign_in(base, username)
        city = next(c for c in cities if username.split("_")[2] == c.code)
        orders = Order.objects.filter(city=city).order_by("-pk")
        if username.startswith("bench_am_"):  # an account manager sees their own customers' orders
            orders = orders.filter(account_manager__username=username)
        orders = orders.values_list("pk", flat=True)
        details = [f"/orders/{pk}/" for pk in orders[:20]]
        tasks = []
        if username.startswith("bench_bo_"):
            slot = int(username.rsplit("_", 1)[1])
            queue = Task.objects.filter(
                flow_task=OrderFlow.accept, status=STATUS.NEW, process__order__city=city
            ).values_list("pk", "process__order__pk")
            tasks = [f"/orders/{o}/tasks/{t}/" for t, o in queue[: TASKS_PER_USER * data.BACK_OFFICE_PER_CITY]][
                slot :: data.BACK_OFFICE_PER_CITY
            ]
        cookies = session.cookies.get_dict()
        cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        entries.append(_lua_user(cookie, cookies["csrftoken"], details, tasks))
    return entries


def _cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system) the processes have used so far; one that is gone counts for nothing."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


def _workers(web: subprocess.Popen) -> list[int]:
    return [int(pid) for pid in Path(f"/proc/{web.pid}/task/{web.pid}/children").read_text().split()]


def _backends() -> set[int]:
    """The PostgreSQL backends serving the bench database but this process (all on this machine)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return {pid for (pid,) in cursor.fetchall()}


def run() -> dict[str, str | float]:
    from keyaccounts.celery import app

    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("bench_load needs wrk: apt-get install wrk (make bench installs it)")
    figures = data.load()
    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "keyaccounts.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "KEYACCOUNTS_VAR_DIR": str(workdir),
        # Each sync worker keeps its connection, as a deployment would: a new one per request costs both
        # PostgreSQL and the workers CPU on the same cores (bench_launch does the same).
        "DATABASE_CONN_MAX_AGE": "60",
    }
    port = processes.free_port()
    base = f"http://127.0.0.1:{port}"
    web = processes.start(
        [
            *[sys.executable, "-m", "gunicorn", "keyaccounts.wsgi", "--bind", f"127.0.0.1:{port}"],
            *["--workers", "2", "--threads", "2"],
        ],
        env=env,
        log=workdir / "web.log",
    )
    try:
        processes.wait_until(lambda: requests.get(f"{base}/login/", timeout=1).ok, proc=web, log=workdir / "web.log")
        users = _users(base)
        script = workdir / "mix.lua"
        script.write_text(LUA % {"users": ",\n".join(users), "threads": THREADS})
        done_before = Task.objects.filter(flow_task=OrderFlow.accept, status=STATUS.DONE).count()
        # CPU per request, not only latency: wall time on a shared machine says little about the pages' cost.
        workers, backends = _workers(web), _backends()
        cpu_before = (
            _cpu_seconds(workers),
            {pid: _cpu_seconds([pid]) for pid in backends},
            resource.getrusage(resource.RUSAGE_CHILDREN),
        )
        result = subprocess.run(
            [
                wrk,
                "-t",
                str(THREADS),
                "-c",
                str(USERS),
                "-d",
                f"{SECONDS}s",
                "--timeout",
                "10s",
                "-s",
                str(script),
                base,
            ],
            capture_output=True,
            text=True,
            timeout=SECONDS + 120,
            check=True,
        )
        children = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk, now that it has been waited for
        backends |= _backends()  # a worker's threads open their connections as they first serve
        cpu = (
            _cpu_seconds(workers) - cpu_before[0],
            sum(_cpu_seconds([pid]) - cpu_before[1].get(pid, 0) for pid in backends),
            children.ru_utime + children.ru_stime - cpu_before[2].ru_utime - cpu_before[2].ru_stime,
        )
        completed = Task.objects.filter(flow_task=OrderFlow.accept, status=STATUS.DONE).count() - done_before
    finally:
        processes.stop(web)
        app.control.purge()  # launch checks queued by the accepted orders; no worker runs here
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULT"))
    got = dict(re.findall(r"(\w+)=([\d.]+)", line))
    errors = sum(int(got[k]) for k in ("non2xx3xx", "connect", "read", "write", "timeout"))
    served = max(int(got["requests"]), 1)
    server_errors = (workdir / "web.log").read_text().count("Traceback")
    return {
        **figures,
        "load": f"{USERS} signed-in users, {SECONDS} s, gunicorn 2 workers × 2 threads, wrk {THREADS} threads on loopback",
        "requests": f"{got['requests']} ({int(got['requests']) / SECONDS:.0f}/s), {completed} tasks completed",
        "errors": f"{errors} (non-2xx/3xx {got['non2xx3xx']}, timeouts {got['timeout']}; tracebacks {server_errors})",
        "latency": f"p50 {got['p50']} ms, p95 {got['p95']} ms, p99 {got['p99']} ms (target p95 ≤ 300 ms)",
        "cpu per request": (
            f"gunicorn {cpu[0] / served * 1000:.1f} ms, PostgreSQL {cpu[1] / served * 1000:.1f} ms, "
            f"wrk {cpu[2] / served * 1000:.1f} ms"
        ),
        "machine load": "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }

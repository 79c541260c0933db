"""Start the real processes tests talk to (Celery worker, stub service) and wait until they answer."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(args: list[str], *, env: dict, log: Path) -> subprocess.Popen:
    """Run `args` with exactly `env` (callers add os.environ themselves when they want it)."""
    return subprocess.Popen(
        args,
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_until(ready: Callable[[], bool], *, proc: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[:4]} exited {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if ready():
                return
        except Exception:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{proc.args[:4]} not ready after {timeout}s:\n{log.read_text()[-3000:]}")


def wait_for(condition: Callable[[], bool], *, timeout: float = 20) -> None:
    """Poll until `condition()` holds (for effects a worker leaves behind), failing after `timeout`."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(0.1)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def celery_worker(*, env: dict, log: Path, concurrency: int = 2, include: tuple[str, ...] = ()) -> subprocess.Popen:
    return start(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "keyaccounts",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            str(concurrency),
            "--without-mingle",
            "--without-gossip",
            "--hostname",
            f"test-{os.getpid()}@%h",
            *(["--include", ",".join(include)] if include else []),
        ],
        env=env,
        log=log,
    )


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, parent pid, session id) of a process from /proc, or None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2 :].split()  # the name in brackets may hold spaces
    return fields[0], int(fields[1]), int(fields[3])


def _all_pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def descendants(pid: int) -> set[int]:
    """Every process started below `pid`, at this moment."""
    parents = {}
    for other in _all_pids():
        stat = _stat(other)
        if stat:
            parents.setdefault(stat[1], []).append(other)
    found, todo = set(), [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def running_in_sessions(sessions: set[int]) -> set[int]:
    """Processes still running (not zombies) in any of these sessions: also those started after a look at the tree."""
    running = set()
    for pid in _all_pids():
        stat = _stat(pid)
        if stat and stat[0] != "Z" and stat[2] in sessions:
            running.add(pid)
    return running


def sessions_of(pids: set[int]) -> set[int]:
    return {stat[2] for stat in map(_stat, pids) if stat}

"""Run the benchmarks: every `bench/bench_*.py` module exposes `run() -> dict[str, str | float]`.

Each prints its figures as plain `name: value` lines. Benchmarks use the test settings
(PostgreSQL and Redis) and a database of their own, created and dropped around the run: `test_` and the name in
`DATABASE_URL` (default `keyaccounts_bench`); set it, and `REDIS_URL`, to keep apart from others' runs.

Knobs are environment variables, e.g. `BENCH_WORK_ORDERS`; `BENCH_LAUNCH_FAULTS=1 python -m bench launch` runs
the launch benchmark against faulty peers (503s, events sent twice, reordered and lost) and counts what was lost
and duplicated all the same (`bench/bench_launch.py`).
"""

import importlib
import os
import pkgutil
import sys
import time
from pathlib import Path


def _modules(names: list[str]) -> list[str]:
    found = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_"))
    if not names:
        return found
    wanted = [n if n.startswith("bench_") else f"bench_{n}" for n in names]
    missing = sorted(set(wanted) - set(found))
    if missing:
        sys.exit(f"unknown benchmark(s): {', '.join(missing)}; known: {', '.join(found)}")
    return wanted


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "keyaccounts.settings.test")
    # A database of the benchmarks' own (test_keyaccounts_bench), apart from the test suite's.
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/keyaccounts_bench")
    import django
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    django.setup()
    setup_test_environment()
    databases = setup_databases(verbosity=0, interactive=False)
    try:
        for name in _modules(argv):
            started = time.monotonic()
            figures = importlib.import_module(f"bench.{name}").run()
            print(f"[{name}] ({time.monotonic() - started:.1f}s)")
            for key, value in figures.items():
                print(f"  {key}: {value}")
    finally:
        teardown_databases(databases, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

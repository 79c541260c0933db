"""Benchmarks: `python -m bench [NAME ...]` runs each `bench/bench_<name>.py` and prints its figures."""

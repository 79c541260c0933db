"""How long finished clocks took, kept as counts in log-spaced buckets so a percentile over a million clocks
reads a few hundred numbers.

Bucket `b` holds durations in [EDGES[b-1], EDGES[b]) seconds (bucket 0: under a second). Edges grow by 5 %
(by one second while that is more), so a percentile estimated from the buckets' geometric midpoints is
within 2.5 % plus one second of the exact `percentile_cont` (ERROR_BOUND, ERROR_FLOOR).
"""

import bisect
import math
import operator
from datetime import timedelta

RATIO = 1.05
TEN_YEARS = 10 * 366 * 24 * 3600


def _edges() -> tuple[int, ...]:
    edges = [1]
    while edges[-1] < TEN_YEARS:
        edges.append(max(edges[-1] + 1, int(edges[-1] * RATIO)))
    return tuple(edges)


EDGES = _edges()
# The worst relative error of a midpoint inside a bucket RATIO wide; half a second more below 20 s (one-second
# buckets) and half a second for rounding to whole seconds.
ERROR_BOUND, ERROR_FLOOR = math.sqrt(RATIO) - 1, timedelta(seconds=1)


def bucket_of(duration: timedelta) -> int:
    return bisect.bisect_right(EDGES, duration.total_seconds())


def estimate(bucket: int) -> float:
    """The bucket's representative duration in seconds: its geometric midpoint."""
    if bucket == 0:
        return 0.5
    if bucket >= len(EDGES):  # beyond ten years: the last edge stands for them
        return float(EDGES[-1])
    return math.sqrt(EDGES[bucket - 1] * EDGES[bucket])


def percentile(counts: dict[int, int], fraction: float) -> timedelta | None:
    """Like PostgreSQL's `percentile_cont`: interpolate between the two order statistics around the rank,
    each estimated by its bucket's midpoint. A convex mix of estimates each within the bound stays within it."""
    total = sum(counts.values())
    if not total:
        return None
    position = fraction * (total - 1)
    below, share = int(position), position - int(position)
    wanted = {below, min(below + 1, total - 1)}
    found: dict[int, float] = {}
    seen = 0
    for bucket in sorted(counts):
        upto = seen + counts[bucket]
        for rank in wanted - found.keys():
            if seen <= rank < upto:
                found[rank] = estimate(bucket)
        if len(found) == len(wanted):
            break
        seen = upto
    low, high = found[below], found[min(below + 1, total - 1)]
    return timedelta(seconds=round(low + share * (high - low)))


def dense(counts: dict[int, int]) -> tuple[int, list[int]]:
    """Counts by bucket as the rollup stores them: the first bucket, then every count from it on (a list sums
    and decodes far faster than a mapping)."""
    first = min(counts, default=0)
    return first, [counts.get(bucket, 0) for bucket in range(first, max(counts, default=-1) + 1)]


class Sum:
    """Adds stored ranges into one count per bucket."""

    def __init__(self) -> None:
        self.counts = [0] * (len(EDGES) + 1)

    def add(self, first: int, counts: list[int]) -> None:
        end = first + len(counts)
        self.counts[first:end] = map(operator.add, self.counts[first:end], counts)

    def as_dict(self) -> dict[int, int]:
        return {bucket: n for bucket, n in enumerate(self.counts) if n}

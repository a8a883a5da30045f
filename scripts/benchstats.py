"""What the benchmark scripts share: the percentile they report (nearest rank)."""

from __future__ import annotations


def percentile(values: list[float], q: float) -> float:
    """The value at quantile q (0..1) of the measured times, nearest rank: with 15 or 50
    samples an interpolated p99 would invent a time nobody waited."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]

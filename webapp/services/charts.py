"""Chart geometry for the dashboard: bar and line charts laid out in Python and drawn by a
Jinja macro as inline SVG. No chart library and no script: the page works offline, prints,
passes a strict CSP, and every number is also in a table for screen readers."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

# a palette readable on white and distinct for people with common colour-vision deficiencies
# (Okabe–Ito), used in order for the series of a line chart
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")

WIDTH = 640
HEIGHT = 260
MARGIN_LEFT = 44
MARGIN_RIGHT = 24
MARGIN_TOP = 12
MARGIN_BOTTOM = 40


def nice_ticks(maximum: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least `maximum`: steps of 1, 2 or 5 times a power of ten
    (never 2.5: the axes count people and records)."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        step = factor * power
        if step >= raw:
            break
    if maximum >= 1:  # counts: never a step below 1
        step = max(step, 1)
    top = math.ceil(maximum / step) * step
    ticks = []
    value = 0.0
    while value <= top + step / 1000:
        ticks.append(round(value, 10))
        value += step
    return ticks


@dataclass(frozen=True)
class Tick:
    value: float
    y: float


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    x: float
    y: float
    width: float
    height: float
    color: str
    href: str | None = None
    shown: str = ""  # the value as printed above the bar


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float]
    color: str
    points: list[tuple[float, float]]
    dashed: bool = False

    @property
    def path(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in self.points)


@dataclass
class Chart:
    """What the SVG macro draws: plot area, y ticks, x labels, and bars or series."""

    title: str
    width: int = WIDTH
    height: int = HEIGHT
    ticks: list[Tick] = field(default_factory=list)
    x_labels: list[tuple[float, str]] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)
    unit: str = ""  # appended to tick labels ("%")

    @property
    def left(self) -> int:
        return MARGIN_LEFT

    @property
    def right(self) -> int:
        return self.width - MARGIN_RIGHT

    @property
    def top(self) -> int:
        return MARGIN_TOP

    @property
    def bottom(self) -> int:
        return self.height - MARGIN_BOTTOM

    @property
    def empty(self) -> bool:
        values = [b.value for b in self.bars] + [v for s in self.series for v in s.values]
        return not any(values)


def _y_scale(chart: Chart, maximum: float) -> tuple[list[float], float]:
    ticks = nice_ticks(maximum)
    top = ticks[-1] or 1
    span = chart.bottom - chart.top
    chart.ticks = [Tick(t, chart.bottom - span * t / top) for t in ticks]
    return ticks, top


def bar_chart(
    title: str,
    items: list[tuple[str, float, str, str | None]],
    *,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> Chart:
    """Vertical bars: items are (label, value, colour, link or None), drawn in order."""
    chart = Chart(title=title, width=width, height=height)
    if not items:
        return chart
    _, top = _y_scale(chart, max(v for _, v, _, _ in items))
    slot = (chart.right - chart.left) / len(items)
    bar_width = min(slot * 0.7, 72)
    span = chart.bottom - chart.top
    for i, (label, value, color, href) in enumerate(items):
        h = span * value / top
        x = chart.left + slot * i + (slot - bar_width) / 2
        chart.bars.append(
            Bar(label, value, x, chart.bottom - h, bar_width, h, color, href, _shown(value))
        )
        chart.x_labels.append((chart.left + slot * (i + 0.5), label))
    return chart


def line_chart(
    title: str,
    x_labels: list[str],
    series: list[tuple[str, list[float]]],
    *,
    maximum: float | None = None,
    unit: str = "",
    dashed: tuple[str, ...] = (),
    width: int = WIDTH,
    height: int = HEIGHT,
) -> Chart:
    """Lines over shared x labels; `maximum` fixes the y range (100 for percentages).
    Series named in `dashed` are drawn dashed (a target next to the actual)."""
    chart = Chart(title=title, width=width, height=height, unit=unit)
    if not x_labels:
        return chart
    highest = max([v for _, values in series for v in values] or [0])
    _, top = _y_scale(chart, maximum if maximum is not None else highest)
    step = (chart.right - chart.left) / max(len(x_labels) - 1, 1)
    span = chart.bottom - chart.top
    xs = [chart.left + step * i for i in range(len(x_labels))]
    chart.x_labels = list(zip(xs, x_labels, strict=True))
    for i, (name, values) in enumerate(series):
        points = [(x, chart.bottom - span * v / top) for x, v in zip(xs, values, strict=True)]
        chart.series.append(Series(name, values, PALETTE[i % len(PALETTE)], points, name in dashed))
    return chart


def _shown(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def percent(hits: int, total: int) -> float | None:
    """hits/total as a percentage with one decimal; None when there is nothing to divide."""
    if not total:
        return None
    return round(100 * hits / total, 1)

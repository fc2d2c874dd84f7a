"""Server-drawn SVG charts: coordinates computed here, markup escaped by the templates.

Each chart is drawn next to a table of the same numbers and a CSV link, so nothing depends on seeing
the picture or on JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.formats import date_format

from ovoz.insights.dashboard import Bar, Series

# Drawn for a phone: the SVG is as wide as the page up to 26rem (CSS), so its 360 units are 330 to 416 CSS
# pixels and a 14-unit tick label (ovoz.css) reads at 13 to 16 px.
WIDTH, HEIGHT, LEFT, BOTTOM, TOP, RIGHT = 360, 200, 34, 24, 10, 14
# Colour-blind-safe palette (Okabe–Ito), one per line.
COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]


@dataclass(frozen=True)
class Line:
    label: str
    colour: str
    points: str  # "x,y x,y …" for <polyline>


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    lines: list[Line]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    plot_left: int
    plot_bottom: int


@dataclass(frozen=True)
class BarShape:
    label: str
    display: str
    y: float
    width: float
    is_value_inside: bool  # a long bar carries its value inside it, so the text stays within the chart


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[BarShape]
    bar_top: int  # below the bar's label
    bar_height: int


def line_chart(months: list[date], series: list[Series], *, suppress_below: int = 0) -> LineChart:
    """Lines over months; in public, values under ``suppress_below`` are drawn as 0 (the table says "<5")."""

    def shown(value: int) -> int:
        return value if value >= suppress_below else 0

    top = max([shown(value) for line in series for value in line.values] + [1])
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - BOTTOM - TOP
    step = plot_width / max(len(months) - 1, 1)

    def y(value: int) -> float:
        return round(TOP + plot_height * (1 - shown(value) / top), 1)

    def points(values: list[int]) -> str:
        return " ".join(f"{round(LEFT + position * step, 1)},{y(value)}" for position, value in enumerate(values))

    lines = [
        Line(label=line.label, colour=COLOURS[index % len(COLOURS)], points=points(line.values))
        for index, line in enumerate(series)
    ]
    x_ticks = [
        Tick(round(LEFT + position * step, 1), date_format(month, "M"))
        for position, month in enumerate(months)
        if position % 2 == 0 or len(months) <= 6
    ]
    y_ticks = [
        Tick(round(TOP + plot_height * (1 - fraction), 1), str(round(top * fraction))) for fraction in (0, 0.5, 1)
    ]
    return LineChart(WIDTH, HEIGHT, lines, x_ticks, y_ticks, LEFT, HEIGHT - BOTTOM)


def bar_chart(bars: list[Bar]) -> BarChart:
    """Horizontal bars, longest first as given, each under its label (labels are long: region names, steps)
    and with what the reader may see as its value."""
    bar_top, bar_height, gap = 18, 14, 9
    row = bar_top + bar_height + gap
    top = max([bar.value for bar in bars] + [1])
    room = WIDTH - 2
    shapes = []
    for index, bar in enumerate(bars):
        width = round(room * bar.value / top, 1)
        shapes.append(BarShape(bar.label, bar.display, index * row, width, is_value_inside=width > WIDTH / 2))
    return BarChart(WIDTH, max(len(bars), 1) * row - gap, shapes, bar_top, bar_height)


def day_chart(days: list[date], lines: list[tuple[str, list[float]]]) -> LineChart:
    """Lines over days (an alert's series and what was expected), a tick every two weeks. Coordinates
    are written with '.' whatever the language (the templates do not localize them)."""
    top = max([value for _label, values in lines for value in values] + [1.0])
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - BOTTOM - TOP
    step = plot_width / max(len(days) - 1, 1)

    def x(position: int) -> float:
        return round(LEFT + position * step, 1)

    def y(value: float) -> float:
        return round(TOP + plot_height * (1 - value / top), 1)

    drawn = [
        Line(
            label=label,
            colour=COLOURS[index % len(COLOURS)],
            points=" ".join(f"{x(position)},{y(value)}" for position, value in enumerate(values)),
        )
        for index, (label, values) in enumerate(lines)
    ]
    # Every two weeks, the last a week before the end: a centred label at either edge would be cut off.
    x_ticks = [
        Tick(x(position), date_format(days[position], "j M"))
        for position in range(len(days) % 14 or 7, len(days) - 3, 14)
    ]
    y_ticks = [Tick(y(top * fraction), str(round(top * fraction))) for fraction in (0, 0.5, 1)]
    return LineChart(WIDTH, HEIGHT, drawn, x_ticks, y_ticks, LEFT, HEIGHT - BOTTOM)

"""Server-drawn SVG charts for survey results (no JavaScript): horizontal bars with the 95% interval
as a whisker, and an indicator's line across rounds. Geometry is worked out here and handed to the
templates as plain strings ("12.5"), so no locale can turn a coordinate into "12,5"."""

from __future__ import annotations

from dataclasses import dataclass

from ovoz.surveys.results import QuestionResult

BAR_HEIGHT = 22
CHART_WIDTH = 320
PLOT_WIDTH = 260


def _n(value: float) -> str:
    return f"{value:.1f}"


@dataclass(frozen=True)
class Bar:
    label: str
    y: str
    text_y: str
    width: str
    low: str
    high: str
    whisker_y: str
    percent: str  # "42%", or what the table shows instead ("<5", "hidden") when suppressed
    suppressed: bool


@dataclass(frozen=True)
class BarChart:
    width: str
    height: str
    bars: list[Bar]


def bar_chart(result: QuestionResult) -> BarChart:
    """The overall column of a question's results as bars (share, with the Wilson interval)."""
    bars = []
    for index, (label, cells) in enumerate(result.rows):
        cell = cells[0]
        top = index * BAR_HEIGHT
        if cell.share is None:
            bars.append(Bar(label, _n(top + 3), _n(top + 15), "0", "0", "0", _n(top + 10), str(cell.count), True))
            continue
        bars.append(
            Bar(
                label=label,
                y=_n(top + 3),
                text_y=_n(top + 15),
                width=_n(PLOT_WIDTH * cell.share.share),
                low=_n(PLOT_WIDTH * cell.share.low),
                high=_n(PLOT_WIDTH * cell.share.high),
                whisker_y=_n(top + 10),
                percent=f"{round(100 * cell.share.share):d}%",
                suppressed=False,
            )
        )
    return BarChart(width=str(CHART_WIDTH), height=str(max(1, len(bars)) * BAR_HEIGHT), bars=bars)

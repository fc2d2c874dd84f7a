"""The public results page's tables and bar charts, written out in Python: a 40-question form by area
is thousands of cells, which Django's template engine takes most of the page's time to fill in. Every
text is escaped here; numbers are formatted here, never localized (a decimal comma would break the SVG)."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from ovoz.core.tables import table_scroll
from ovoz.surveys.charts import BarChart
from ovoz.surveys.results import QuestionResult


def svg_bars(chart: BarChart, labelledby: str) -> SafeString:
    parts = [
        f'<svg class="survey-bars" role="img" aria-labelledby="{escape(labelledby)}" width="{chart.width}" '
        f'height="{chart.height}" viewBox="0 0 {chart.width} {chart.height}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for bar in chart.bars:
        if bar.suppressed:
            parts.append(f'<text x="2" y="{bar.text_y}" font-size="12">{escape(bar.percent)}</text>')
            continue
        parts.append(
            f'<rect x="0" y="{bar.y}" width="{bar.width}" height="14" fill="#2a6f97"><title>{escape(bar.label)}: '
            f'{bar.percent}</title></rect><line x1="{bar.low}" x2="{bar.high}" y1="{bar.whisker_y}" '
            f'y2="{bar.whisker_y}" stroke="#000" stroke-width="1"/><text x="268" y="{bar.text_y}" '
            f'font-size="12">{bar.percent}</text>'
        )
    parts.append("</svg>")
    return mark_safe("\n".join(parts))


def results_table(result: QuestionResult, headers: list[str]) -> SafeString:
    head = "".join(f'<th scope="col">{escape(header)}</th>' for header in headers)
    rows = "".join(
        f'<tr><th scope="row">{escape(label)}</th>'
        + "".join(f"<td>{escape(cell.text)}</td>" for cell in cells)
        + "</tr>"
        for label, cells in result.rows
    )
    # Never gettext inside an f-string: Python 3.12+ tokenizes it, so the extractor would find strings there
    # that it misses on 3.11.
    answer, everyone = escape(_("Answer")), escape(_("All"))
    # A table wider than the phone scrolls by itself, not the page; "Table: <question>" is named apart
    # from its question's section, a region named by the question already.
    box = table_scroll(result.label)
    return mark_safe(
        f'{box}<table>\n<thead><tr><th scope="col">{answer}</th><th scope="col">{everyone}</th>'
        f"{head}</tr></thead>\n<tbody>{rows}</tbody>\n</table></div>"
    )

"""What every figure shares: the Chart, status colours and labels, fonts, the layout, and the
helpers that turn data into figure text and numbers.

`_text()` is the escaping rule of the package docstring: every text that comes from data goes
into a figure through it. The data tables and CSV downloads keep the plain values (`plain()`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.utils.text import slugify
from django.utils.translation import gettext_lazy

from core.numbers import plain_number
from indicators.progress import ProgressStatus
from indicators.templatetags.kpi import kpi_value

# Okabe–Ito colours (safe for the common colour-vision deficiencies), each with an icon so
# colour is never the only signal.
STATUS_STYLE = {
    ProgressStatus.TARGET_ACHIEVED: ("#009E73", "★"),
    ProgressStatus.SUBSTANTIAL_PROGRESS: ("#0072B2", "▲"),
    ProgressStatus.MODERATE_PROGRESS: ("#56B4E9", "△"),
    ProgressStatus.LIMITED_PROGRESS: ("#E69F00", "◇"),
    ProgressStatus.DETERIORATION: ("#D55E00", "▼"),
    ProgressStatus.NOT_AVAILABLE: ("#999999", "–"),
}
STATUS_LABELS = {
    ProgressStatus.TARGET_ACHIEVED: gettext_lazy("Target achieved"),
    ProgressStatus.SUBSTANTIAL_PROGRESS: gettext_lazy("Substantial progress"),
    ProgressStatus.MODERATE_PROGRESS: gettext_lazy("Moderate progress"),
    ProgressStatus.LIMITED_PROGRESS: gettext_lazy("Limited progress"),
    ProgressStatus.DETERIORATION: gettext_lazy("Deterioration"),
    ProgressStatus.NOT_AVAILABLE: gettext_lazy("No data yet"),
}
FONT = '"Pretendard", "Apple SD Gothic Neo", "Noto Sans KR", "Malgun Gothic", sans-serif'
OBSERVED, PATH, TARGET, FORECAST = "#0072B2", "#7f7f7f", "#D55E00", "#CC79A7"


@dataclass
class Chart:
    """A figure with the same data as a table, a CSV download and an embeddable page."""

    kind: str
    params: dict[str, str]
    title: str
    figure: dict
    columns: list[str]
    rows: list[list]
    description: str = ""
    notes: list[str] = field(default_factory=list)
    provisional: bool = False
    note_en: str = ""

    @property
    def dom_id(self) -> str:
        return slugify("chart-" + self.kind + "-" + "-".join(self.params.values()))

    @property
    def figure_id(self) -> str:
        return self.dom_id + "-figure"

    @property
    def query(self) -> str:
        return urlencode(self.params)

    @property
    def height(self) -> int:
        return self.figure["layout"].get("height", 400)


def status_label(status: str) -> str:
    return str(STATUS_LABELS[status])


def _layout(**extra) -> dict:
    layout = {
        "font": {"family": FONT, "size": 13},
        "margin": {"l": 56, "r": 16, "t": 16, "b": 48},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "#ffffff",
        "separators": ".,",
        "hoverlabel": {"font": {"family": FONT}},
        "legend": {"orientation": "h", "y": -0.18},
    }
    layout.update(extra)
    return layout


def _text(value) -> str:
    """Data text for plotly.js, which would read tags and entities in it: escaped."""
    return html.escape(str(value), quote=False)


def _num(value) -> float | None:
    # plotly.js needs JSON numbers; the exact Decimal stays in the table and the CSV.
    return None if value is None else float(value)


def _year(value) -> str:
    return "" if value is None else str(value)


def unit_text(value, unit) -> str:
    return kpi_value(value, unit)


def _unit_label(value, unit) -> str:
    """A value with its unit inside a figure (escaped: the unit is data)."""
    return _text(unit_text(value, unit))


def plain(value) -> str:
    """A cell as CSV text: exact decimals without trailing zeros or exponents."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return plain_number(value)
    return str(value)

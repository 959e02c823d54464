"""Number formatting for KPI values and budgets (no queries here)."""

from decimal import Decimal

from django import template

from core.i18n import current_is_english
from core.numbers import format_number

register = template.Library()


@register.filter
def kpi_value(value, unit) -> str:
    """A KPI value with its unit: `5위`, `1.85%`, `7,227명` (Korean) or `5`, `1.85%` (English)."""
    if value is None:
        return "—"
    text = format_number(value, unit.decimals)
    symbol = unit.symbol_en if current_is_english() else unit.symbol_ko
    if not symbol:
        return text
    if current_is_english() and symbol != "%":
        return f"{text} {symbol}"
    return f"{text}{symbol}"


@register.filter
def amount(value) -> str:
    """A whole amount such as a budget in 억원, grouped by thousands; `—` when not reported."""
    if value is None:
        return "—"
    return format_number(value, 0)


@register.filter
def http_url(value) -> str:
    """The URL when it is http(s), else empty: a stored `javascript:` link must never render."""
    text = str(value or "").strip()
    return text if text.lower().startswith(("http://", "https://")) else ""


@register.filter
def cell(value) -> str:
    """A table cell: decimals grouped and without trailing zeros; links left as text."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal | int):
        return format_number(value, 6)
    return str(value)


@register.filter
def percent(value) -> str:
    """A share such as progress (0.75) as a percentage (75%)."""
    if value is None:
        return "—"
    return format_number(Decimal(value) * 100, 1) + "%"


@register.filter
def ratio(value) -> str:
    """A ratio such as pace, to two decimals."""
    if value is None:
        return "—"
    return format_number(value, 2)


@register.filter
def bar_width(value) -> str:
    """A share as a CSS width percentage, kept within 0..100 (the number beside it is exact)."""
    if value is None:
        return "0"
    return f"{min(max(float(value), 0.0), 1.0) * 100:.1f}"


@register.filter
def get_label(labels: dict, key) -> str:
    """labels[key] in a template (workflow status names)."""
    return labels.get(key, key)

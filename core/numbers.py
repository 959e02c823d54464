"""Numbers as people read and type them: KPI values are Decimal, never float."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats


def plain_number(value) -> str:
    """A Decimal as typed by a person: no grouping, no trailing zeros, no exponent ("6",
    "2.05", "100"); "" for None."""
    if value is None:
        return ""
    text = format(Decimal(value).normalize(), "f")
    return "0" if text in ("-0", "") else text


def format_number(value, decimals: int) -> str:
    """Round to at most `decimals` places, drop trailing zeros, group thousands."""
    if value is None:
        return ""
    number = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    places = max(0, -number.normalize().as_tuple().exponent) if number else 0
    return formats.number_format(
        number, decimal_pos=min(places, decimals), use_l10n=True, force_grouping=True
    )

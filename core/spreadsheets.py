"""Cells that no spreadsheet program runs as a formula ("CSV injection", OWASP).

Excel, LibreOffice and Google Sheets read a cell whose text starts with `=`, `+`, `-`, `@`, a
tab or a carriage return (also after leading spaces, and the full-width ＝＋－＠ of Korean
input) as a formula, so a KPI name or a note such as `=HYPERLINK(...)` would run in the
officer's spreadsheet. Every CSV and XLSX file the site writes passes its text through here.

The rule (`needs_quote`): a text is risky when a trigger character appears before its first
other character, ignoring leading whitespace and single quotes. A text that is a plain decimal
number (`-3.5`, as the API and charts write Decimals) is a number, not a formula: nothing after
the sign can call a function, so it is left alone and stays a number in Excel. Numbers
(Decimal, int) are never changed.

- CSV (`safe_cell`): a risky text gets one leading single quote, `'=1+1`, the OWASP remedy.
  Excel takes it as "this is text"; plain-text readers see the quote.
- XLSX (`append_row`): a text cell is always a string cell (openpyxl would store a str starting
  with `=` as a formula) and a risky one gets Excel's own quote-prefix flag, which is exactly
  what Excel stores when someone types `'=1+1`: the cell shows `=1+1`, stays text when edited,
  and the text is unchanged. Only a risky text that itself starts with a quote gets a visible
  extra quote, so that the importer (below) gives it back unchanged.

Reading our own files back (`unquote`, used once per cell by `imports.reading`): one leading
quote is removed when what follows is risky, in CSV and XLSX alike, and nothing else. So the
template round-trips exactly: `=1+1` goes out as `'=1+1` (CSV) or `=1+1` (XLSX) and comes back
as `=1+1`. The same covers what people do with the file: a user who types `'=abc` in Excel
gets `=abc` in the cell, and a CSV saved by a program that keeps the quote as text gives
`'=abc`; both read as `=abc`, which is what the user meant. The one text that cannot be
typed this way is a risky text that starts with a quote (`'=abc` as such): write `''=abc`.
"""

import re

QUOTE = "'"
TRIGGERS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")  # and full-width ＝＋－＠
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_LEAD = re.compile(r"[\s']*")  # leading whitespace and quotes


def needs_quote(text: str) -> bool:
    """True when a spreadsheet could take `text` for a formula (see the module docstring)."""
    if not text:
        return False
    first = text[0]
    # The common case, kept cheap: the export of every value calls this for each text cell.
    if first not in TRIGGERS and first != QUOTE and not first.isspace():
        return False
    if _NUMBER.fullmatch(text):
        return False
    end = _LEAD.match(text).end()
    return any(char in TRIGGERS for char in text[: end + 1])


def safe_cell(value):
    """A CSV cell: risky text with one leading quote; numbers and other values unchanged."""
    if isinstance(value, str) and needs_quote(value):
        return QUOTE + value
    return value


def unquote(text: str) -> str:
    """The text of a cell we wrote, read back: the quote `safe_cell` added, removed."""
    if text[:1] == QUOTE and needs_quote(text[1:]):
        return text[1:]
    return text


def append_row(sheet, values) -> None:
    """`sheet.append(values)` with every text a string cell, never a formula (see above)."""
    sheet.append(
        [
            QUOTE + v if isinstance(v, str) and v[:1] == QUOTE and needs_quote(v) else v
            for v in values
        ]
    )
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
            if needs_quote(cell.value):
                cell.quotePrefix = True

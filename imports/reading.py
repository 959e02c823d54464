"""Reading an uploaded .xlsx or .csv file into rows of text: no checking of values here."""

import csv
import io
import os
from collections.abc import Iterable, Iterator
from decimal import Decimal

import openpyxl
from django.conf import settings
from django.utils.translation import gettext as _

from core.numbers import plain_number
from core.spreadsheets import unquote

REQUIRED_COLUMNS = ("plan", "kpi", "year", "value")
READ_COLUMNS = ("plan", "kpi", "year", "value", "source", "note")
MAX_ROWS = 100_000
MAX_BYTES = settings.IMPORT_MAX_BYTES  # the upload page checks more first: imports/uploads.py


class ImportFileError(Exception):
    """The file as a whole cannot be read (format, encoding, columns, size)."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def parse_upload(*, file_name: str, content: bytes) -> list[dict]:
    """The data rows of an uploaded .xlsx or .csv file; ImportFileError when it cannot be read.

    Each row is a dict with `line` (the spreadsheet's row number) and the columns plan, kpi,
    year, value, source and note; year and value are text or Decimal, the others text.
    """
    if len(content) > MAX_BYTES:
        raise ImportFileError(
            _("The file is larger than %(size)s MB. Split it into smaller files.")
            % {"size": MAX_BYTES // (1024 * 1024)}
        )
    extension = os.path.splitext(file_name or "")[1].lower()
    if extension == ".xlsx":
        lines = _xlsx_lines(content)
    elif extension == ".csv":
        lines = _csv_lines(content)
    else:
        raise ImportFileError(
            _(
                "“%(name)s” is not a .xlsx or .csv file. Save the spreadsheet as Excel (.xlsx) or "
                "CSV and upload it again."
            )
            % {"name": file_name}
        )
    return _rows(lines, text_only=extension == ".csv")


def _xlsx_lines(content: bytes) -> Iterator[tuple[int, list]]:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        # openpyxl raises many kinds of errors for a damaged or foreign file; all mean the same.
        raise ImportFileError(
            _("This file could not be read as an Excel (.xlsx) workbook.")
        ) from None
    try:
        if not workbook.worksheets:
            return
        sheet = workbook.worksheets[0]
        # Some programs write a wrong sheet size; reading every row is the safe choice.
        sheet.reset_dimensions()
        try:
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, list(values)
        except Exception:
            raise ImportFileError(
                _("This file could not be read as an Excel (.xlsx) workbook.")
            ) from None
    finally:
        workbook.close()


def _csv_lines(content: bytes) -> Iterator[tuple[int, list]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            # Korean Excel saves CSV in CP949 (a superset of EUC-KR).
            text = content.decode("cp949")
        except UnicodeDecodeError:
            raise ImportFileError(
                _(
                    "This CSV file is neither UTF-8 nor CP949 (EUC-KR) text. Save it again as "
                    "“CSV UTF-8”."
                )
            ) from None
    try:
        yield from enumerate(csv.reader(io.StringIO(text, newline="")), start=1)
    except csv.Error as error:
        raise ImportFileError(
            _("This CSV file could not be read: %(error)s") % {"error": error}
        ) from None


def _rows(lines: Iterable[tuple[int, list]], *, text_only: bool = False) -> list[dict]:
    """Rows as dicts of the known columns; `text_only` for CSV, whose cells are all text."""
    columns = None
    rows = []
    for number, values in lines:
        if text_only:  # the fast path of _cell for text
            cells = [value.strip() for value in values]
            if not any(cells):
                continue
            cells = [unquote(cell) if cell[:1] == "'" else cell for cell in cells]
        else:
            cells = [_cell(value) for value in values]
            if all(cell == "" for cell in cells):
                continue
        if columns is None:
            columns = _columns(cells)
            continue
        if len(rows) >= MAX_ROWS:
            raise ImportFileError(
                _("The file has more than %(max)s rows. Split it into smaller files.")
                % {"max": f"{MAX_ROWS:,}"}
            )
        row = {"line": number}
        width = len(cells)
        for name, index in columns.items():
            cell = cells[index] if index < width else ""
            row[name] = cell if text_only or name in ("year", "value") else _text(cell)
        rows.append(row)
    if columns is None:
        raise ImportFileError(_("The file is empty: the first row must hold the column names."))
    return rows


def _columns(header: list) -> dict[str, int]:
    columns = {}
    for index, cell in enumerate(header):
        name = _text(cell).lower()
        if name in READ_COLUMNS and name not in columns:
            columns[name] = index
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise ImportFileError(
            _(
                "The file lacks the required column(s) %(missing)s. The first row must hold the "
                "column names: %(required)s (and optionally source, note)."
            )
            % {"missing": ", ".join(missing), "required": ", ".join(REQUIRED_COLUMNS)}
        )
    return columns


def _cell(value) -> str | Decimal:
    """A spreadsheet cell as stripped text or, for a number, as Decimal."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        # Excel keeps 15 significant digits and may store 2.05 as 2.0499999999999998; the
        # shortest form at that precision is the number the user typed and saw.
        return Decimal(format(value, ".15g"))
    if isinstance(value, int | Decimal):
        return Decimal(value)
    # Once per cell, never in _text (called again on read text): see core/spreadsheets.py.
    return unquote(str(value).strip())


def _text(cell) -> str:
    if isinstance(cell, Decimal):
        return plain_number(cell) if cell.is_finite() else str(cell)
    return str(cell if cell is not None else "").strip()

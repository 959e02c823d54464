"""Checks of an uploaded spreadsheet before anything is kept: size, type and shape.

The upload page calls `check_upload` first; when it refuses, nothing is written (no batch, no
file anywhere). What it guarantees to the parser (imports/reading.py, run later by a job):

- size: at most `settings.IMPORT_MAX_BYTES` (as `reading.MAX_BYTES`);
- type, by the name AND by the content: a `.csv` is text (UTF-8 or CP949, no NUL or other
  control bytes, not markup); an `.xlsx` is a ZIP holding the OOXML parts of an Excel workbook
  (not a macro-enabled one), so a renamed program, web page or old `.xls` is refused;
- shape, so that a small file cannot make the parser work for minutes (a "zip bomb"): the
  ZIP's declared unpacked size, compression ratio and member count are bounded (Python's
  zipfile never inflates a member beyond its declared size), and the first worksheet, which
  the parser reads, has at most `MAX_SHEET_ROWS` rows, `MAX_COLUMNS` columns and `MAX_CELLS`
  cells. openpyxl fills the gaps up to the last row and column with empty cells, so these
  bounds, not the file size, are what bound its work. The worksheet is scanned with a
  streaming expat parser that refuses any DTD (no entity expansion).

Formulas are never evaluated: the parser opens workbooks with `data_only=True`, which reads
the value Excel saved with the formula (or nothing).
"""

import os
import posixpath
import re
import zipfile
from io import BytesIO
from xml.parsers import expat

from django.utils.translation import gettext as _

from imports import reading
from imports.reading import MAX_ROWS, ImportFileError

EXTENSIONS = (".xlsx", ".csv")
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MACRO_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
# A 100,000-row template unpacks to about 50 MB of worksheet XML at a ratio of 14.
MAX_UNPACKED_BYTES = 160 * 1024 * 1024
MAX_RATIO = 100
RATIO_CHECKED_ABOVE = 1024 * 1024  # small members compress wildly and cost nothing
MAX_MEMBERS = 1000
MAX_SHEET_ROWS = MAX_ROWS + 10_000  # the data rows, the header and some blank lines
MAX_COLUMNS = 100  # the template has 9
MAX_CELLS = 3_000_000  # 100,000 rows × the template's 9 columns, with room to spare
# File signatures of things that are not text, for a clearer refusal of a renamed file.
BINARY_SIGNATURES = (
    b"MZ",  # Windows program
    b"\x7fELF",
    b"PK\x03\x04",  # ZIP, e.g. an .xlsx renamed to .csv
    b"\xd0\xcf\x11\xe0",  # old Excel .xls (OLE2)
    b"%PDF",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",  # JPEG
)

NS_SEPARATOR = " "
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_upload(*, file_name: str, content: bytes) -> None:
    """Raise ImportFileError when the file must not be kept; return when it may be."""
    limit = reading.MAX_BYTES  # settings.IMPORT_MAX_BYTES
    if len(content) > limit:
        raise ImportFileError(
            _("The file is larger than %(size)s MB. Split it into smaller files.")
            % {"size": _megabytes(limit)}
        )
    extension = os.path.splitext(file_name or "")[1].lower()
    if extension not in EXTENSIONS:
        raise ImportFileError(
            _(
                "“%(name)s” is not a .xlsx or .csv file. Save the spreadsheet as Excel (.xlsx) or "
                "CSV and upload it again."
            )
            % {"name": file_name}
        )
    if not content:
        raise ImportFileError(_("The file is empty: the first row must hold the column names."))
    if extension == ".csv":
        _check_csv(content)
    else:
        _check_xlsx(content)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


# --- CSV -----------------------------------------------------------------------------------


def _check_csv(content: bytes) -> None:
    if content.startswith(BINARY_SIGNATURES) or b"\x00" in content:
        raise ImportFileError(
            _("This .csv file is not text: it looks like a program, an archive or a document.")
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp949")
        except UnicodeDecodeError:
            raise ImportFileError(
                _(
                    "This CSV file is neither UTF-8 nor CP949 (EUC-KR) text. Save it again as "
                    "“CSV UTF-8”."
                )
            ) from None
    if CONTROL_CHARACTERS.search(text):
        raise ImportFileError(_("This .csv file holds control characters: it is not plain text."))
    if text.lstrip().startswith("<"):
        raise ImportFileError(
            _(
                "This .csv file holds a web page or other markup, not comma-separated values. "
                "Save the spreadsheet as CSV and upload it again."
            )
        )


# --- XLSX ----------------------------------------------------------------------------------


def _not_a_workbook() -> ImportFileError:
    return ImportFileError(
        _(
            "This file is not an Excel workbook (.xlsx). If it is an old .xls file, a "
            "password-protected workbook or another format, open it in Excel and save it as "
            "“Excel Workbook (.xlsx)” without a password."
        )
    )


def _too_big() -> ImportFileError:
    return ImportFileError(
        _(
            "This workbook unpacks to far more data than a values sheet holds. Copy the rows "
            "into a new workbook (or the template) and upload that."
        )
    )


def _check_xlsx(content: bytes) -> None:
    if not content.startswith(b"PK\x03\x04"):
        raise _not_a_workbook()
    try:
        archive = zipfile.ZipFile(BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise _not_a_workbook() from None
    with archive:
        _check_members(members)
        main = _main_part(archive)
        sheet = _first_sheet(archive, main)
        _check_sheet(archive, sheet)


def _check_members(members: list[zipfile.ZipInfo]) -> None:
    if len(members) > MAX_MEMBERS:
        raise _too_big()
    if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
        raise _too_big()
    for member in members:
        encrypted = member.flag_bits & 0x1
        if encrypted or member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _not_a_workbook()
        if member.file_size > RATIO_CHECKED_ABOVE and member.file_size > MAX_RATIO * max(
            member.compress_size, 1
        ):
            raise _too_big()


def _read(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        return archive.read(name)
    except (KeyError, zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise _not_a_workbook() from None


def _main_part(archive: zipfile.ZipFile) -> str:
    """The workbook part named by [Content_Types].xml (normally xl/workbook.xml)."""
    overrides = {}

    def start(name, attrs):
        if _local(name) == "Override":
            overrides[attrs.get("ContentType", "")] = attrs.get("PartName", "")

    _parse(_read(archive, "[Content_Types].xml"), start)
    if MACRO_MAIN in overrides:
        raise ImportFileError(
            _(
                "This is a macro-enabled workbook. Save it as “Excel Workbook (.xlsx)” without "
                "macros and upload that."
            )
        )
    part = overrides.get(XLSX_MAIN, "").lstrip("/")
    if not part:
        raise _not_a_workbook()
    return part


def _first_sheet(archive: zipfile.ZipFile, main: str) -> str:
    """The part of the workbook's first sheet: what the parser reads (worksheets[0])."""
    first_id = []

    def sheet(name, attrs):
        if _local(name) == "sheet" and not first_id:
            first_id.extend(value for key, value in attrs.items() if _local(key) == "id")

    _parse(_read(archive, main), sheet)
    if not first_id:
        raise _not_a_workbook()
    folder, base = posixpath.split(main)
    targets = {}

    def relationship(name, attrs):
        if _local(name) == "Relationship":
            targets[attrs.get("Id")] = attrs.get("Target", "")

    _parse(_read(archive, posixpath.join(folder, "_rels", base + ".rels")), relationship)
    target = targets.get(first_id[0])
    if not target:
        raise _not_a_workbook()
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(folder, target))


def _column_number(reference: str) -> int:
    """The column of a cell reference: "A1" → 1, "AB12" → 28."""
    number = 0
    for char in reference:
        if "A" <= char <= "Z":
            number = number * 26 + (ord(char) - 64)
        elif "a" <= char <= "z":
            number = number * 26 + (ord(char) - 96)
        else:
            break
    return number


def _check_sheet(archive: zipfile.ZipFile, part: str) -> None:
    # Called for every element of a sheet that may hold a million cells: kept lean.
    row = column = cells = 0

    def start(name, attrs):
        nonlocal row, column, cells
        local = name if NS_SEPARATOR not in name else name[name.rfind(NS_SEPARATOR) + 1 :]
        if local == "c":
            reference = attrs.get("r")
            column = _column_number(reference) if reference else column + 1
            cells += 1
            if column > MAX_COLUMNS:
                raise ImportFileError(
                    _(
                        "The first sheet uses columns beyond column %(max)s. Delete the extra "
                        "columns to the right of your data and upload it again."
                    )
                    % {"max": MAX_COLUMNS}
                )
            if cells > MAX_CELLS:
                raise _too_big()
        elif local == "row":
            reference = attrs.get("r")
            row = int(reference) if reference and reference.isdigit() else row + 1
            column = 0
            if row > MAX_SHEET_ROWS:
                raise ImportFileError(
                    _(
                        "The first sheet goes down to row %(row)s; at most %(max)s rows are "
                        "read. Delete the rows below your data or split the file."
                    )
                    % {"row": f"{row:,}", "max": f"{MAX_SHEET_ROWS:,}"}
                )

    try:
        stream = archive.open(part)
    except (KeyError, zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise _not_a_workbook() from None
    with stream:
        _parse(stream, start)


def _local(name: str) -> str:
    return name.rsplit(NS_SEPARATOR, 1)[-1].rsplit(":", 1)[-1]


def _parse(source, start) -> None:
    """Stream XML from bytes or a file to `start(name, attrs)`; refuse DTDs and bad XML."""
    parser = expat.ParserCreate(namespace_separator=NS_SEPARATOR)

    def no_dtd(*args):
        raise _not_a_workbook()

    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    parser.StartElementHandler = start
    try:
        if isinstance(source, bytes):
            parser.Parse(source, True)
            return
        while chunk := source.read(1024 * 1024):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except (expat.ExpatError, zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise _not_a_workbook() from None

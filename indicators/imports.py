"""Spreadsheet round trip: a KPI-value template out, a filled-in file back in.

The upload is parsed and every row checked first (`create_import`); the result is kept in an
`ImportBatch` so the preview and the final write see the same rows. `apply_import` then writes
every row through `services.save_observations` in one transaction: all rows or none. Both take
plain arguments and ids, so a Celery task can run them later.
"""

import csv
import io
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import openpyxl
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from openpyxl.styles import Alignment, Font, PatternFill

from config.spreadsheets import append_row, safe_cell, unquote
from indicators.models import ImportBatch, Indicator, Observation, Status
from indicators.permissions import is_ministry, may
from indicators.services import (
    EntryError,
    WorkflowError,
    bounds_problem,
    clean_source,
    parse_value,
    save_observations,
)

COLUMNS = ("plan", "kpi", "kpi_name", "unit", "year", "value", "source", "note", "status")
REQUIRED_COLUMNS = ("plan", "kpi", "year", "value")
READ_COLUMNS = ("plan", "kpi", "year", "value", "source", "note")
MAX_ROWS = 100_000
MAX_BYTES = settings.IMPORT_MAX_BYTES  # the upload page checks more first: indicators/uploads.py
PROGRESS_EVERY = 5000
# Above this many distinct plan keys the file is nonsense anyway; loading every KPI (a few
# hundred rows) is cheaper than an IN clause that may exceed the database's parameter limit.
MAX_PLAN_KEYS_IN_QUERY = 500
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportFileError(Exception):
    """The file as a whole cannot be read (format, encoding, columns, size)."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class Action:
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    SKIP = "skip"


WRITES = (Action.CREATE, Action.UPDATE)


@dataclass
class RowCheck:
    """One data row of an upload, what writing it would do, and what stands in the way."""

    line: int
    plan: str
    kpi: str
    kpi_name: str = ""
    year: int | None = None
    value: Decimal | None = None
    source: str = ""
    note: str = ""
    action: str = Action.SKIP
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    version: int | None = None
    indicator_id: int | None = None

    @property
    def value_text(self) -> str:
        return "" if self.value is None else plain_number(self.value)

    @property
    def writes(self) -> bool:
        return self.action in WRITES and not self.problems

    def to_json(self) -> dict:
        # Written out by hand: dataclasses.asdict deep-copies every field, which was a fifth
        # of the time of checking a 100,000-row file.
        return {
            "line": self.line,
            "plan": self.plan,
            "kpi": self.kpi,
            "kpi_name": self.kpi_name,
            "year": self.year,
            "value": None if self.value is None else plain_number(self.value),
            "source": self.source,
            "note": self.note,
            "action": self.action,
            "problems": list(self.problems),
            "warnings": list(self.warnings),
            "version": self.version,
            "indicator_id": self.indicator_id,
        }

    @classmethod
    def from_json(cls, data: dict) -> "RowCheck":
        data = dict(data)
        if data.get("value") is not None:
            data["value"] = Decimal(data["value"])
        return cls(**data)


def plain_number(value: Decimal) -> str:
    """A Decimal as plain text: no exponent, no trailing zeros ("6", "2.05", "100")."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


# --- Template ------------------------------------------------------------------------------


def template_rows(*, user, plan_key: str | None = None) -> list[dict]:
    """Rows of the download template: each KPI the user enters × each of its entry years."""
    indicators = (
        Indicator.objects.editable_by(user).select_related("plan", "unit").order_by("plan", "id")
    )
    if plan_key:
        indicators = indicators.filter(plan__key=plan_key)
    indicators = list(indicators)
    observations = {
        (o.indicator_id, o.year): o
        for o in Observation.objects.visible_to(user).filter(indicator__in=indicators)
    }
    rows = []
    for indicator in indicators:
        unit = indicator.unit.symbol or indicator.unit_id
        for year in indicator.entry_years:
            observation = observations.get((indicator.pk, year))
            rows.append(
                {
                    "plan": indicator.plan.key,
                    "kpi": indicator.key,
                    "kpi_name": indicator.name,
                    "unit": unit,
                    "year": year,
                    "value": observation.value if observation else None,
                    "source": observation.source if observation else "",
                    "note": observation.note if observation else "",
                    "status": observation.get_status_display() if observation else "",
                }
            )
    return rows


def template_csv(rows: Iterable[dict]) -> bytes:
    """The template as CSV, UTF-8 with a BOM so that Korean Excel opens it correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in rows:
        value = row["value"]
        writer.writerow(
            [
                safe_cell(row[c])
                if c != "value"
                else ("" if value is None else plain_number(value))
                for c in COLUMNS
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")


COLUMN_WIDTHS = {
    "plan": 16,
    "kpi": 24,
    "kpi_name": 44,
    "unit": 8,
    "year": 8,
    "value": 14,
    "source": 50,
    "note": 40,
    "status": 12,
}

GUIDE = [
    ("plan", "계획 키 (바꾸지 마세요)", "Plan key (do not change)"),
    ("kpi", "성과지표 키 (바꾸지 마세요)", "KPI key (do not change)"),
    ("kpi_name", "성과지표 이름 (참고용, 읽지 않음)", "KPI name (for reference; not read)"),
    ("unit", "단위 (참고용, 읽지 않음)", "Unit (for reference; not read)"),
    ("year", "연도 (계획 기간 안의 연도)", "Year (a year of the plan period)"),
    (
        "value",
        "실적 값. 숫자만 입력 (단위 기호 없이). 비워 두면 그 행은 건너뜁니다.",
        "The value: a number only (no unit symbol). A row left empty is skipped.",
    ),
    (
        "source",
        "출처: http:// 또는 https://로 시작하는 웹 주소",
        "Source: a web address starting with http:// or https://",
    ),
    (
        "note",
        "비고. 순위(1~17)·비율(0~100%) 범위를 벗어난 값은 비고가 있어야 합니다.",
        "Note. A value outside its unit's range (rank 1–17, percentage 0–100) needs a note.",
    ),
    (
        "status",
        "현재 상태 (참고용, 읽지 않음). 승인되었거나 검토 중인 값은 바꿀 수 없습니다.",
        "Current status (for reference; not read). Approved or submitted values cannot be changed.",
    ),
]

GUIDE_NOTES = [
    (
        "올린 파일은 먼저 모든 행을 검사해 보여 주고, 문제가 하나도 없을 때에만 확인 후 한꺼번에 "
        "저장합니다 (전부 또는 전혀).",
        "An uploaded file is checked first and every row shown; it is saved only when no row has "
        "a problem, all at once after you confirm (all rows or none).",
    ),
    (
        "저장된 값은 임시저장 상태입니다. 제출은 작업공간에서 따로 합니다.",
        "Saved values are drafts; submit them for review in the workspace.",
    ),
    (
        "열 이름(1행)은 바꾸지 마세요. 다른 열을 추가해도 무시됩니다. 파일 형식: .xlsx 또는 "
        ".csv (UTF-8 또는 CP949), 최대 10MB.",
        "Keep the column names in row 1; extra columns are ignored. Formats: .xlsx or .csv "
        "(UTF-8 or CP949), at most 10 MB.",
    ),
]


def template_xlsx(rows: Iterable[dict]) -> bytes:
    """The template as an Excel workbook: the values sheet and a bilingual guide sheet."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "KPI"
    sheet.append(COLUMNS)
    for row in rows:
        value = row["value"]
        if value is not None:
            # A number cell; integral values as int so Excel shows "6", not "6.0".
            value = value.normalize()
            value = int(value) if value == value.to_integral_value() else value
        append_row(sheet, [row[c] if c != "value" else value for c in COLUMNS])
    bold = Font(bold=True)
    reference = PatternFill("solid", fgColor="EEF1F6")
    for index, name in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = bold
        if name in ("kpi_name", "unit", "status"):
            cell.fill = reference
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = COLUMN_WIDTHS[name]
    sheet.freeze_panes = "A2"

    guide = workbook.create_sheet("안내 Guide")
    guide.append(["열 Column", "설명", "Description"])
    for cell in guide[1]:
        cell.font = bold
    for entry in GUIDE:
        guide.append(list(entry))
    guide.append([])
    for korean, english in GUIDE_NOTES:
        guide.append(["", korean, english])
    for letter, width in (("A", 12), ("B", 60), ("C", 60)):
        guide.column_dimensions[letter].width = width
    for row in guide.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    guide.freeze_panes = "A2"

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Parsing -------------------------------------------------------------------------------


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
    # Once per cell, never in _text (called again on read text): see config/spreadsheets.py.
    return unquote(str(value).strip())


def _text(cell) -> str:
    if isinstance(cell, Decimal):
        return plain_number(cell) if cell.is_finite() else str(cell)
    return str(cell if cell is not None else "").strip()


# --- Checking ------------------------------------------------------------------------------


def check_rows(
    *, rows: list[dict], user, progress: Callable[[int], None] | None = None
) -> list[RowCheck]:
    """Check every row against the KPIs and their current values, in a fixed number of queries.

    `progress(n)` is called every PROGRESS_EVERY rows, for a page that shows how far it got.
    """
    indicators = _indicators_by_key({_text(row.get("plan")) for row in rows})
    may_enter = {i.pk: may(user, "indicators.enter_value", i) for i in indicators.values()}
    own = [pk for pk, allowed in may_enter.items() if allowed]
    existing = {}
    if own:
        existing = {
            (o.indicator_id, o.year): o
            for o in Observation.objects.visible_to(user).filter(indicator_id__in=own)
        }
    context = _CheckContext(
        indicators=indicators,
        may_enter=may_enter,
        existing=existing,
        ministry=is_ministry(user),
        seen={},
    )
    checks = []
    for count, row in enumerate(rows, start=1):
        checks.append(_check_row(row, context))
        if progress and count % PROGRESS_EVERY == 0:
            progress(count)
    return checks


@dataclass
class _CheckContext:
    indicators: dict[tuple[str, str], Indicator]
    may_enter: dict[int, bool]
    existing: dict[tuple[int, int], Observation]
    ministry: bool
    seen: dict[tuple, int]
    names: dict[int, str] = field(default_factory=dict)
    years: dict[int, range] = field(default_factory=dict)

    def name(self, indicator: Indicator) -> str:
        # Once per KPI, not once per row: the name depends on the active language.
        if indicator.id not in self.names:
            self.names[indicator.id] = indicator.name
        return self.names[indicator.id]

    def entry_years(self, indicator: Indicator) -> range:
        if indicator.id not in self.years:
            self.years[indicator.id] = indicator.entry_years
        return self.years[indicator.id]


def _indicators_by_key(plan_keys: set[str]) -> dict[tuple[str, str], Indicator]:
    indicators = Indicator.objects.select_related("plan", "plan__region", "unit")
    if len(plan_keys) <= MAX_PLAN_KEYS_IN_QUERY:
        indicators = indicators.filter(plan__key__in=plan_keys)
    return {(i.plan.key, i.key): i for i in indicators}


def _check_row(row: dict, context: _CheckContext) -> RowCheck:
    plan_key, kpi_key = _text(row.get("plan")), _text(row.get("kpi"))
    note = _text(row.get("note"))
    indicator = context.indicators.get((plan_key, kpi_key))
    check = RowCheck(
        line=row["line"],
        plan=plan_key,
        kpi=kpi_key,
        kpi_name=context.name(indicator) if indicator else "",
        source=_text(row.get("source")),
        note=note,
        indicator_id=indicator.id if indicator else None,
    )
    years = context.entry_years(indicator) if indicator else None
    year, year_problem = _year(row.get("year"), years)
    check.year = year
    raw_value = row.get("value")
    if _text(raw_value) == "":
        return check  # a blank template row
    problems = check.problems

    allowed = False
    if not plan_key or not kpi_key:
        problems.append(_("Give the plan and kpi keys of the KPI (copy them from the template)."))
    elif indicator is None:
        problems.append(
            _("Unknown KPI “%(plan)s / %(kpi)s”: use the plan and kpi keys of the template.")
            % {"plan": plan_key, "kpi": kpi_key}
        )
    else:
        allowed = context.may_enter[indicator.id]
        if not allowed:
            problems.append(_not_yours(indicator, ministry=context.ministry))
    if year_problem:
        problems.append(year_problem)
    try:
        check.value = parse_value(raw_value)
    except ValidationError as error:
        problems.extend(error.messages)
    try:
        check.source = clean_source(check.source)
    except ValidationError as error:
        problems.extend(error.messages)
    if "\x00" in note or "\x00" in check.source:
        problems.append(
            _("The note or source holds a NUL character, which cannot be stored: delete it.")
        )

    key = (plan_key, kpi_key, year if year is not None else _text(row.get("year")))
    if key in context.seen:
        problems.append(
            _("Line %(line)s already gives a value for this KPI and year.")
            % {"line": context.seen[key]}
        )
    else:
        context.seen[key] = check.line

    check.action = Action.CREATE
    if allowed and year is not None and not year_problem:
        observation = context.existing.get((indicator.id, year))
        if observation is not None:
            check.version = observation.version
            current = (observation.value, observation.source, observation.note)
            if check.value is not None and current == (check.value, check.source, note):
                check.action = Action.UNCHANGED
                return check
            check.action = Action.UPDATE
            shown = {"value": plain_number(observation.value)}
            if observation.status == Status.APPROVED:
                problems.append(
                    _(
                        "The approved value %(value)s would be overwritten. Approved values are "
                        "locked: ask the ministry to reopen it first."
                    )
                    % shown
                )
            elif observation.status == Status.SUBMITTED:
                problems.append(
                    _(
                        "The value %(value)s is under review (submitted) and would be "
                        "overwritten. Wait for the review, or ask the ministry to return it."
                    )
                    % shown
                )
    if indicator is not None and check.value is not None:
        problem = bounds_problem(indicator, check.value)
        if problem and note:
            check.warnings.append(
                _("%(problem)s Kept because the row has a note.") % {"problem": problem}
            )
        elif problem:
            problems.append(
                _("%(problem)s Correct the value, or explain it in the note column.")
                % {"problem": problem}
            )
    return check


def _year(raw, years: range | None) -> tuple[int | None, str | None]:
    """The row's year and the problem with it, if any; `years` are the KPI's entry years."""
    if isinstance(raw, str) and raw.isdigit() and raw.isascii():
        year = int(raw)  # the common case, without Decimal
    else:
        text = _text(raw)
        if text == "":
            return None, _("Give the year.")
        try:
            number = raw if isinstance(raw, Decimal) else Decimal(text.replace(",", ""))
            whole = number.is_finite() and number == number.to_integral_value()
        except InvalidOperation:
            whole = False
        if not whole:
            return None, _("The year “%(year)s” is not a whole number.") % {"year": text}
        year = int(number)
    if years is not None and year not in years:
        return year, _("Year %(year)s is outside the plan (%(first)s–%(last)s).") % {
            "year": year,
            "first": years[0],
            "last": years[-1],
        }
    return year, None


def _not_yours(indicator: Indicator, *, ministry: bool) -> str:
    region = indicator.plan.region
    if region is None:
        return _("This is a national-plan KPI: only ministry officers enter its values.")
    if ministry:
        return _(
            "This KPI belongs to a regional plan (%(region)s): its secretariat enters its values."
        ) % {"region": region.name}
    return _(
        "This KPI belongs to another region (%(region)s): you may enter values only for "
        "your own region's KPIs."
    ) % {"region": region.name}


# --- Service entry points ------------------------------------------------------------------


def start_import(*, user, file_name: str, content: bytes) -> ImportBatch:
    """Keep an uploaded file as a batch waiting to be checked (by `check_import`, a job)."""
    name = os.path.basename((file_name or "").replace("\\", "/"))[:255] or "upload"
    return ImportBatch.objects.create(
        user=user, file_name=name, state=ImportBatch.State.CHECKING, content=content
    )


def check_import(*, batch_id: int) -> ImportBatch:
    """Parse and check a waiting batch and keep every row's result for the preview.

    Safe to run twice: a batch that is no longer waiting is returned untouched. A file that
    cannot be read gives a batch in state `failed` with the reason.
    """
    batch = ImportBatch.objects.get(pk=batch_id)
    if batch.state != ImportBatch.State.CHECKING or batch.content is None:
        return batch
    try:
        rows = parse_upload(file_name=batch.file_name, content=bytes(batch.content))
    except ImportFileError as error:
        ImportBatch.objects.filter(pk=batch.pk).update(
            state=ImportBatch.State.FAILED, message=error.message, content=None
        )
        return ImportBatch.objects.get(pk=batch.pk)
    ImportBatch.objects.filter(pk=batch.pk).update(rows_total=len(rows))

    def report(count: int) -> None:
        ImportBatch.objects.filter(pk=batch.pk).update(rows_checked=count)

    try:
        checks = check_rows(rows=rows, user=batch.user, progress=report)
    except Exception:
        # Never leave a batch "checking" forever: the page would wait for nothing.
        ImportBatch.objects.filter(pk=batch.pk).update(
            state=ImportBatch.State.FAILED,
            message=_("The file could not be checked because of an internal error."),
        )
        raise
    rows = [check.to_json() for check in checks]
    ImportBatch.objects.filter(pk=batch.pk, state=ImportBatch.State.CHECKING).update(
        rows_data=ImportBatch.pack_rows(rows),
        writes_data=ImportBatch.pack_rows(
            [
                [
                    d["line"],
                    d["indicator_id"],
                    d["year"],
                    d["value"],
                    d["source"],
                    d["note"],
                    d["version"],
                ]
                for d, check in zip(rows, checks, strict=True)
                if check.writes
            ]
        ),
        rows_checked=len(checks),
        problem_count=sum(1 for check in checks if check.problems),
        state=ImportBatch.State.CHECKED,
        content=None,  # the rows are kept; the file is not needed any more
    )
    return ImportBatch.objects.get(pk=batch.pk)


def create_import(*, user, file_name: str, content: bytes) -> ImportBatch:
    """Keep and check an upload at once (what the job does, without a queue)."""
    batch = start_import(user=user, file_name=file_name, content=content)
    return check_import(batch_id=batch.pk)


def request_apply(*, batch_id: int, by) -> ImportBatch:
    """Mark a checked batch as being written (before queueing `apply_import`), or refuse."""
    with transaction.atomic():
        # The checked rows are not needed here: decoding 100,000 of them takes a second.
        batch = ImportBatch.objects.select_for_update().defer("rows_data").get(pk=batch_id)
        _refuse_unless_applicable(batch, by)
        batch.state = ImportBatch.State.APPLYING
        batch.save(update_fields=["state"])
    return batch


def written_so_far(batch_id: int) -> int:
    """Rows written by a running import (kept in the cache: the write is one transaction,
    invisible to other connections until it commits)."""
    return cache.get(f"import-written:{batch_id}", 0)


class _RowFailed(Exception):
    def __init__(self, check: RowCheck, reason: str):
        self.check, self.reason = check, reason
        super().__init__(reason)


def apply_import(*, batch_id: int, by) -> ImportBatch:
    """Write a checked batch's rows as drafts, all or none.

    Refuses (WorkflowError, nothing changed) a batch of another user, one not `checked` or one
    with problems. When a row fails while writing (changed by someone since the preview, locked,
    invalid), everything is rolled back and the batch is returned `failed` with the reason.
    """
    try:
        with transaction.atomic():
            # The preview's rows are read only to explain a failure.
            batch = ImportBatch.objects.select_for_update().defer("rows_data").get(pk=batch_id)
            _refuse_unless_applicable(batch, by)
            written = _write(batch, by)
            batch.state, batch.rows_written, batch.message = ImportBatch.State.APPLIED, written, ""
            batch.save(update_fields=["state", "rows_written", "message"])
            return batch
    except _RowFailed as failure:
        check = failure.check
        message = _(
            "Nothing was saved. Line %(line)s (%(plan)s / %(kpi)s, %(year)s): %(reason)s"
        ) % {
            "line": check.line,
            "plan": check.plan,
            "kpi": check.kpi,
            "year": check.year,
            "reason": failure.reason,
        }
        # After the rollback: the only thing this attempt leaves behind is why it failed.
        ImportBatch.objects.filter(pk=batch_id).update(
            state=ImportBatch.State.FAILED, message=message, rows_written=0
        )
        return ImportBatch.objects.get(pk=batch_id)


def _refuse_unless_applicable(batch: ImportBatch, by) -> None:
    if batch.user_id != by.pk:
        raise WorkflowError(_("This import belongs to another user."))
    if batch.state == ImportBatch.State.APPLIED:
        raise WorkflowError(_("This import has already been saved."))
    if batch.state not in (ImportBatch.State.CHECKED, ImportBatch.State.APPLYING):
        raise WorkflowError(
            _("This import cannot be saved (it is %(state)s). Upload the file again.")
            % {"state": batch.get_state_display()}
        )
    if batch.problem_count:
        raise WorkflowError(_problems_message())


def _problems_message() -> str:
    return _("This import has rows with problems. Correct the file and upload it again.")


def _write(batch: ImportBatch, by) -> int:
    """Write the batch's rows that create or update a value (`ImportBatch.writes`)."""
    writes = batch.writes
    indicators = Indicator.objects.select_related("plan", "plan__region", "unit").in_bulk(
        {write[1] for write in writes if write[1] is not None}
    )
    entries = []
    for line, indicator_id, year, value, source, note, version in writes:
        indicator = indicators.get(indicator_id)
        if indicator is None:
            raise _RowFailed(_row_check(batch, line), _("This KPI no longer exists."))
        entries.append(
            {
                "indicator": indicator,
                "year": year,
                "value": Decimal(value),
                "source": source,
                "note": note,
                "version": version,
            }
        )

    def progress(count: int) -> None:
        # The write is one transaction, invisible to other connections until it commits.
        cache.set(f"import-written:{batch.pk}", count, timeout=3600)

    try:
        return save_observations(entries=entries, by=by, progress=progress)
    except EntryError as error:
        raise _RowFailed(_row_check(batch, writes[error.position][0]), error.message) from error
    except IntegrityError as error:
        # save_observations ran in a savepoint, so the transaction can still look: the first
        # new value whose KPI and year exist now is the one someone else entered.
        taken = set(
            Observation.objects.filter(
                indicator_id__in={w[1] for w in writes}, year__in={w[2] for w in writes}
            ).values_list("indicator_id", "year")
        )
        line = next((w[0] for w in writes if w[6] is None and (w[1], w[2]) in taken), writes[0][0])
        raise _RowFailed(
            _row_check(batch, line),
            _("Someone else entered a value for this KPI and year after your preview."),
        ) from error


def _row_check(batch: ImportBatch, line: int) -> RowCheck:
    """The preview's row of a spreadsheet line (to explain a failure)."""
    rows = ImportBatch.objects.get(pk=batch.pk).rows
    return RowCheck.from_json(next(data for data in rows if data["line"] == line))


# --- Preview -------------------------------------------------------------------------------


@dataclass
class BatchSummary:
    """What the preview page shows of a batch."""

    counts: dict[str, int]
    problem_rows: list[RowCheck]
    warning_rows: list[RowCheck]
    write_rows: list[RowCheck]
    can_apply: bool
    main_year: int | None


def summarize_batch(batch: ImportBatch) -> BatchSummary:
    """Counts and row groups of a batch: problems first, then warnings, then rows to write."""
    checks = [RowCheck.from_json(data) for data in batch.rows]
    counts = Counter(check.action for check in checks if not check.problems)
    problem_rows = [check for check in checks if check.problems]
    write_rows = [check for check in checks if check.writes]
    years = Counter(check.year for check in write_rows)
    return BatchSummary(
        counts={
            "create": counts[Action.CREATE],
            "update": counts[Action.UPDATE],
            "unchanged": counts[Action.UNCHANGED],
            "skip": counts[Action.SKIP],
            "problems": len(problem_rows),
        },
        problem_rows=problem_rows,
        warning_rows=[check for check in checks if check.warnings and not check.problems],
        write_rows=write_rows,
        can_apply=batch.state == ImportBatch.State.CHECKED
        and not problem_rows
        and bool(write_rows),
        main_year=years.most_common(1)[0][0] if years else None,
    )

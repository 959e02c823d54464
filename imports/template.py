"""The download template: every KPI the user enters × each of its entry years, pre-filled."""

import csv
import io
from collections.abc import Iterable

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill

from core.numbers import plain_number
from core.spreadsheets import append_row, safe_cell
from indicators import entry
from indicators.models import Indicator, Observation

COLUMNS = ("plan", "kpi", "kpi_name", "unit", "year", "value", "source", "note", "status")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def template_rows(*, user, plan_key: str | None = None) -> list[dict]:
    """Rows of the download template: each KPI the user enters × each year a value can be
    entered for now (the rulebook's open years: none after this one)."""
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
        for year in entry.open_years(indicator):
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
    for line in GUIDE:
        guide.append(list(line))
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

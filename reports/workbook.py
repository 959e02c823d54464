"""An annual report as an Excel workbook: summary, structure, KPIs, values and budgets."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import NamedTuple

import openpyxl
from django.utils import timezone, translation
from openpyxl.styles import Alignment, Font, PatternFill

from core.spreadsheets import append_row
from dashboard.charts import STATUS_LABELS
from indicators.models import Direction
from plans.models import Basis, Task
from reports.queries import ReportData

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROVISIONAL = "잠정 provisional"
PROVISIONAL_NOTE = (
    "‘잠정 provisional’ 표시 항목은 확인되지 않은 내용입니다. "
    "Items marked ‘provisional’ are not confirmed."
)


class Num(NamedTuple):
    """A number cell with its Excel number format."""

    value: Decimal | int | None
    format: str


class Col(NamedTuple):
    header: str
    width: int


PERCENT = "0.0%"
RATIO = "0.00"
WHOLE = "#,##0"
YEAR = "0"
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="EEF1F6")
WRAP = Alignment(wrap_text=True, vertical="top")


def _both(text) -> str:
    """A translatable text in Korean and English, as every sheet is bilingual."""
    with translation.override("ko"):
        korean = str(text)
    with translation.override("en"):
        english = str(text)
    return korean if korean == english else f"{korean} {english}"


def _unit_format(unit) -> str:
    return WHOLE if unit.decimals == 0 else WHOLE + "." + "0" * unit.decimals


def _number(value):
    """A Decimal as an Excel number: integral values as int so Excel shows `6`, not `6.0`."""
    if value is None:
        return None
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    return value


def _task_name(task: Task, field_name: str) -> str:
    if task.placeholder:
        return "(제목 미확인) Title not yet confirmed"
    return getattr(task, field_name)


def _aligned(task: Task) -> str:
    return "; ".join(f"{t.strategy.plan.key} {t.code}" for t in task.aligns_with.all())


def _sources(sources) -> str:
    return "\n".join(str(s) for s in sources or [])


def _sheet(book, title: str, columns: list[Col], rows: list[list]) -> None:
    sheet = book.create_sheet(title)
    sheet.append([c.header for c in columns])
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = WRAP
        sheet.column_dimensions[cell.column_letter].width = column.width
    sheet.freeze_panes = "A2"
    for row in rows:
        append_row(sheet, [_number(v.value) if isinstance(v, Num) else v for v in row])
        for index, value in enumerate(row, start=1):
            cell = sheet.cell(row=sheet.max_row, column=index)
            if isinstance(value, Num):
                cell.number_format = value.format
            elif isinstance(value, str) and "\n" in value:
                cell.alignment = WRAP


def _summary(book, data: ReportData) -> None:
    plan = data.plan
    sheet = book.active
    sheet.title = "요약 Summary"
    period = f"{plan.start_year}–{plan.end_year}" if plan.start_year else "미기재 Not stated"
    generated = timezone.localtime(data.generated_at)
    rows = [
        ("계획 Plan", plan.name_ko),
        ("", plan.name_en),
        ("키 Key", plan.key),
        ("기간 Period", period),
        ("비전 Vision", plan.vision_ko),
        ("", plan.vision_en),
        ("보고 연도 Report year", data.year),
        ("생성 시각 Generated", f"{generated:%Y-%m-%d %H:%M} ({generated.tzname()})"),
        (
            "기준 Basis",
            f"{data.year}년까지 승인된 값만 사용합니다. "
            f"Approved values of {data.year} and earlier only.",
        ),
        ("잠정 Provisional", PROVISIONAL_NOTE),
    ]
    if plan.provisional:
        rows.append(("", f"이 계획은 {PROVISIONAL} 상태입니다. This plan is provisional."))
    for label, value in rows:
        append_row(sheet, [label, value])
        sheet.cell(row=sheet.max_row, column=1).font = BOLD
        sheet.cell(row=sheet.max_row, column=2).alignment = WRAP
    sheet.append([])
    sheet.append(["상태 Status", "성과지표 수 KPIs"])
    for cell in sheet[sheet.max_row]:
        cell.font = BOLD
        cell.fill = HEADER_FILL
    for status, count in data.status_counts:
        sheet.append([_both(STATUS_LABELS[status]), count])
    sheet.append(["합계 Total", len(data.kpis)])
    sheet.cell(row=sheet.max_row, column=1).font = BOLD
    sheet.column_dimensions["A"].width = 26
    sheet.column_dimensions["B"].width = 90


def _structure(book, data: ReportData) -> None:
    rows = []
    for strategy in data.strategies:
        name = f"{strategy.number}. {strategy.name_ko}"
        flag = PROVISIONAL if strategy.provisional else ""
        tasks = list(strategy.tasks.all())
        if not tasks:
            rows.append([name, "", "", "", flag, ""])
        for task in tasks:
            rows.append(
                [
                    name,
                    task.code,
                    _task_name(task, "name_ko"),
                    _task_name(task, "name_en"),
                    PROVISIONAL if (task.provisional or strategy.provisional) else "",
                    _aligned(task),
                ]
            )
    columns = [
        Col("전략 Strategy", 40),
        Col("과제 Task", 8),
        Col("과제명 Name (Korean)", 50),
        Col("Name (English)", 50),
        Col("잠정 Provisional", 16),
        Col("연계 국가과제 Aligns with", 28),
    ]
    _sheet(book, "구조 Structure", columns, rows)


def _kpis(book, data: ReportData) -> None:
    rows = []
    for kpi in data.kpis:
        indicator, result = kpi.indicator, kpi.assessment
        unit_format = _unit_format(indicator.unit)
        rows.append(
            [
                indicator.key,
                indicator.task.code if indicator.task else "",
                indicator.name_ko,
                indicator.name_en,
                f"{indicator.unit.symbol_ko} {indicator.unit.label_en}".strip(),
                _both(Direction(indicator.direction).label),
                Num(indicator.baseline_year, YEAR),
                Num(indicator.baseline_value, unit_format),
                Num(indicator.target_year, YEAR),
                Num(indicator.target_value, unit_format),
                Num(result.latest_year, YEAR),
                Num(result.latest_value, unit_format),
                Num(result.progress, PERCENT),
                Num(result.expected, PERCENT),
                Num(result.pace, RATIO),
                _both(STATUS_LABELS[result.status]),
                result.status,
                Num(result.forecast_value, unit_format),
                Num(result.forecast_year_reached, YEAR),
                PROVISIONAL if indicator.provisional else "",
                _sources(indicator.sources),
            ]
        )
    columns = [
        Col("지표 키 Key", 22),
        Col("과제 Task", 8),
        Col("지표명 Name (Korean)", 40),
        Col("Name (English)", 40),
        Col("단위 Unit", 12),
        Col("방향 Direction", 22),
        Col("기준연도 Baseline year", 10),
        Col("기준값 Baseline", 12),
        Col("목표연도 Target year", 10),
        Col("목표값 Target", 12),
        Col("최근연도 Latest year", 10),
        Col("최근값 Latest", 12),
        Col("진척도 Progress", 11),
        Col("기간 경과 Expected", 11),
        Col("속도 Pace", 9),
        Col("상태 Status", 30),
        Col("상태 코드 Status code", 22),
        Col("추세 전망값 Forecast value", 13),
        Col("목표 도달 예상 Forecast year", 13),
        Col("잠정 Provisional", 16),
        Col("출처 Sources", 60),
    ]
    _sheet(book, "성과지표 KPIs", columns, rows)


def _values(book, data: ReportData) -> None:
    rows = [
        [
            kpi.indicator.key,
            Num(v.year, YEAR),
            Num(v.value, _unit_format(kpi.indicator.unit)),
            v.source,
        ]
        for kpi in data.kpis
        for v in kpi.values
    ]
    columns = [Col("지표 키 KPI key", 22), Col("연도 Year", 8), Col("값 Value", 14)]
    _sheet(book, "실적 Values", [*columns, Col("출처 Source", 70)], rows)


def _budgets(book, data: ReportData) -> None:
    whole = "계획 전체 Whole plan"
    rows = []
    for row in data.budgets:
        basis = _both(Basis(row.basis).label)
        rows.append(
            [
                Num(row.year, YEAR),
                basis,
                whole,
                Num(row.total, WHOLE),
                Num(row.central, WHOLE),
                Num(row.local, WHOLE),
                Num(row.private, WHOLE),
                Num(row.unallocated, WHOLE),
                _sources(row.sources),
            ]
        )
        for task, total in row.by_task:
            label = f"{task.code} {_task_name(task, 'name_ko')}"
            rows.append([Num(row.year, YEAR), basis, label, Num(total, WHOLE)])
    columns = [
        Col("연도 Year", 8),
        Col("구분 Basis", 14),
        Col("범위 Scope", 40),
        Col("합계(억원) Total (100M KRW)", 14),
        Col("국비 Central", 12),
        Col("지방비 Local", 12),
        Col("민간 Private", 12),
        Col("미배분 Not broken down", 14),
        Col("출처 Sources", 60),
    ]
    _sheet(book, "투자 Budgets", columns, rows)


def workbook(data: ReportData) -> bytes:
    """The report as an Excel workbook: summary, structure, KPIs, values and budgets sheets."""
    book = openpyxl.Workbook()
    _summary(book, data)
    _structure(book, data)
    _kpis(book, data)
    _values(book, data)
    _budgets(book, data)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()

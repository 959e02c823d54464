import csv
import dataclasses
import html
import io
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from core.errors import WorkflowError
from imports import checks, reading, template
from imports import services as import_services
from imports.models import ImportBatch
from indicators import services
from indicators.models import Indicator, Observation, WorkflowStatus

D = Decimal
HEADER = ["plan", "kpi", "year", "value", "source", "note"]
UPLOAD = "/en/workspace/import/"
RANK_2022_SOURCE = "http://www.ulsanilbo.co.kr/news/articleView.html?idxno=63057"


@pytest.fixture(autouse=True)
def english():
    # Messages are asserted in English (the msgids); pages are requested under /en/.
    with translation.override("en"):
        yield


def kpi(key, plan="busan-2"):
    return Indicator.objects.select_related("plan", "unit").get(plan__key=plan, key=key)


def csv_bytes(rows, header=HEADER, encoding="utf-8"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, header=HEADER):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, name, content):
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, content)})


def preview_url(batch):
    return f"/en/workspace/import/{batch.pk}/"


def uploaded_batch(client, name, content):
    response = upload(client, name, content)
    assert response.status_code == 302
    batch = ImportBatch.objects.filter(user=client.user).latest("pk")
    assert response["Location"] == preview_url(batch)
    return batch


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def count(text, name):
    return int(text.split(f'id="count-{name}">')[1].split("<")[0])


def csv_template(client, query=""):
    response = client.get(f"/en/workspace/template.csv{query}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_template(client, query=""):
    response = client.get(f"/en/workspace/template.xlsx{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == template.XLSX_CONTENT_TYPE
    return openpyxl.load_workbook(io.BytesIO(response.content))


# --- Template ------------------------------------------------------------------------------


def test_the_busan_csv_template_has_its_three_kpis_for_each_open_year(busan):
    # The plan runs to 2027; values are entered up to this year (2026 in the suite).
    rows = csv_template(busan)
    assert list(rows[0]) == list(template.COLUMNS)
    assert len(rows) == 3 * 5
    assert {(r["plan"], r["kpi"]) for r in rows} == {
        ("busan-2", "rcostii_rank"),
        ("busan-2", "rnd_to_grdp_pct"),
        ("busan-2", "se_talent_flow_index"),
    }
    assert sorted({r["year"] for r in rows}) == [str(y) for y in range(2022, 2027)]
    rank_2022 = next(r for r in rows if r["kpi"] == "rcostii_rank" and r["year"] == "2022")
    assert rank_2022["value"] == "6"
    assert rank_2022["source"] == RANK_2022_SOURCE
    assert rank_2022["status"] == "Approved"
    empty = next(r for r in rows if r["kpi"] == "rnd_to_grdp_pct" and r["year"] == "2025")
    assert (empty["value"], empty["source"], empty["status"]) == ("", "", "")


def test_the_busan_xlsx_template_has_the_same_rows_as_numbers_and_a_guide(busan):
    workbook = xlsx_template(busan)
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == template.COLUMNS
    assert len(rows) == 1 + 3 * 5
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["G"].width >= 40  # the source column
    rank_2022 = next(r for r in rows if r[1] == "rcostii_rank" and r[4] == 2022)
    assert rank_2022[5] == 6 and isinstance(rank_2022[5], int)
    assert rank_2022[6] == RANK_2022_SOURCE
    assert workbook.sheetnames[1] == "안내 Guide"
    guide = " ".join(
        str(c) for row in workbook["안내 Guide"].iter_rows(values_only=True) for c in row if c
    )
    assert "출처" in guide and "Source" in guide


def test_the_template_writes_decimal_values_exactly(busan):
    services.save_observation(
        indicator=kpi("rnd_to_grdp_pct"), year=2023, value="2.05", by=busan.user, note="잠정치"
    )
    services.save_observation(
        indicator=kpi("se_talent_flow_index"), year=2023, value="0.000001", by=busan.user
    )
    rows = {(r["kpi"], r["year"]): r for r in csv_template(busan)}
    assert rows[("rnd_to_grdp_pct", "2023")]["value"] == "2.05"
    assert rows[("rnd_to_grdp_pct", "2023")]["note"] == "잠정치"
    assert rows[("rnd_to_grdp_pct", "2023")]["status"] == "Draft"
    assert rows[("se_talent_flow_index", "2023")]["value"] == "0.000001"
    sheet = xlsx_template(busan).worksheets[0]
    values = {(r[1], r[4]): r[5] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert values[("rnd_to_grdp_pct", 2023)] == 2.05


def test_the_daejeon_template_has_no_busan_rows(daejeon):
    assert not [r for r in csv_template(daejeon) if r["plan"] == "busan-2"]
    sheet = xlsx_template(daejeon).worksheets[0]
    assert not [r for r in sheet.iter_rows(values_only=True) if r[0] == "busan-2"]


def test_a_ministry_officer_gets_the_national_kpi_only(ministry):
    rows = csv_template(ministry)
    assert {(r["plan"], r["kpi"]) for r in rows} == {("national-6", "regions_with_st_agency")}
    assert [int(r["year"]) for r in rows] == [2024, 2025, 2026]  # after 2023, up to this year


def test_the_template_can_be_limited_to_one_plan(busan):
    assert len(csv_template(busan, "?plan=busan-2")) == 3 * 5
    assert csv_template(busan, "?plan=national-6") == []


def test_an_anonymous_visitor_is_sent_to_log_in_for_the_templates(anonymous):
    for fmt in ("csv", "xlsx"):
        response = anonymous.get(f"/en/workspace/template.{fmt}")
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_user_without_a_role_may_not_download_or_upload(db, django_user_model):
    client = Client()
    client.force_login(django_user_model.objects.create_user("nobody", password="x" * 20))
    assert client.get("/en/workspace/template.csv").status_code == 403
    assert client.get(UPLOAD).status_code == 403


def test_an_unknown_template_format_is_not_found(busan):
    assert busan.get("/en/workspace/template.pdf").status_code == 404


# --- Round trip ----------------------------------------------------------------------------


def test_a_filled_in_csv_template_round_trips_into_a_draft(busan):
    rows = csv_template(busan)
    for row in rows:
        if row["kpi"] == "rnd_to_grdp_pct" and row["year"] == "2025":
            row["value"] = "2.05"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=template.COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    batch = uploaded_batch(busan, "kpi.csv", buffer.getvalue().encode("utf-8-sig"))

    text = page(busan, preview_url(batch))
    assert count(text, "create") == 1 and count(text, "problems") == 0
    assert count(text, "update") == 0 and count(text, "unchanged") == 1  # rank 2022
    assert count(text, "skip") == 3 * 5 - 2
    assert 'id="confirm-import"' in text

    response = busan.post(preview_url(batch))
    assert response.status_code == 302
    assert response["Location"] == "/en/workspace/?year=2025"
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["1 value saved as a draft."]
    observation = Observation.objects.get(indicator=kpi("rnd_to_grdp_pct"), year=2025)
    assert observation.value == D("2.05") and observation.status == WorkflowStatus.DRAFT
    assert observation.entered_by == busan.user
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.APPLIED and batch.rows_written == 1


def test_a_filled_in_xlsx_template_round_trips_into_a_draft(busan):
    workbook = xlsx_template(busan)
    sheet = workbook.worksheets[0]
    for row in sheet.iter_rows(min_row=2):
        if row[1].value == "rnd_to_grdp_pct" and row[4].value == 2025:
            row[5].value = 2.05
            row[7].value = "부산시 잠정 집계"
    buffer = io.BytesIO()
    workbook.save(buffer)
    batch = uploaded_batch(busan, "KPI.XLSX", buffer.getvalue())

    text = page(busan, preview_url(batch))
    assert count(text, "create") == 1 and count(text, "problems") == 0
    assert "부산시 잠정 집계" in text
    assert busan.post(preview_url(batch))["Location"] == "/en/workspace/?year=2025"
    observation = Observation.objects.get(indicator=kpi("rnd_to_grdp_pct"), year=2025)
    assert observation.value == D("2.05") and observation.note == "부산시 잠정 집계"
    assert (observation.status, observation.entered_by) == (WorkflowStatus.DRAFT, busan.user)


@pytest.mark.parametrize(
    "encoding, note",
    [
        ("utf-8", "잠정치 (통계청 발표 전)"),
        ("utf-8-sig", "잠정치 (통계청 발표 전)"),
        ("cp949", "잠정치, 똠방각하 추정"),  # 똠 exists in CP949 but not in EUC-KR
        ("euc-kr", "잠정치 (통계청 발표 전)"),
    ],
)
def test_csv_files_in_utf8_with_or_without_bom_cp949_and_euc_kr_all_parse(encoding, note):
    content = csv_bytes(
        [["busan-2", "rnd_to_grdp_pct", "2025", "2.05", "", note]], encoding=encoding
    )
    rows = reading.parse_upload(file_name="values.csv", content=content)
    assert rows == [
        {
            "line": 2,
            "plan": "busan-2",
            "kpi": "rnd_to_grdp_pct",
            "year": "2025",
            "value": "2.05",
            "source": "",
            "note": note,
        }
    ]


def test_headers_are_matched_loosely_and_empty_lines_keep_their_line_numbers():
    content = csv_bytes(
        [["", "", "", "", ""], ["busan-2", "x", "rcostii_rank", " 2024 ", "7"]],
        header=[" Plan ", "Extra", "KPI", "YEAR", "Value"],
    )
    rows = reading.parse_upload(file_name="v.csv", content=content)
    assert rows == [
        {"line": 3, "plan": "busan-2", "kpi": "rcostii_rank", "year": "2024", "value": "7"}
    ]


def test_xlsx_numbers_become_exact_decimals():
    content = xlsx_bytes(
        [
            ["busan-2", "rnd_to_grdp_pct", 2025, 1.85, None, None],
            [None, None, None, None, None, None],
            ["busan-2", "rnd_to_grdp_pct", 2026.0, 0.1 + 0.2, None, 2027],
        ]
    )
    rows = reading.parse_upload(file_name="v.xlsx", content=content)
    assert [(r["line"], r["year"], r["value"], r["note"]) for r in rows] == [
        (2, D("2025"), D("1.85"), ""),
        (4, D("2026"), D("0.3"), "2027"),
    ]


def test_a_row_check_survives_its_json_round_trip():
    check = checks.RowCheck(
        line=3,
        plan="busan-2",
        kpi="rnd_to_grdp_pct",
        year=2025,
        value=D("2.050000"),
        action="update",
        problems=["p"],
        version=4,
    )
    data = check.to_json()
    assert data["value"] == "2.05"
    assert checks.RowCheck.from_json(data) == check


# --- Bad rows ------------------------------------------------------------------------------


BAD_ROWS = [
    ([["busan-2", "no_such_kpi", "2025", "3"]], "Unknown KPI “busan-2 / no_such_kpi”"),
    ([["busan-2", "rnd_to_grdp_pct", "2025", "abc"]], "“abc” is not a number."),
    (
        [["busan-2", "rnd_to_grdp_pct", "2030", "2.1"]],
        "2030 is outside this KPI's years (2022–2027)",
    ),
    ([["busan-2", "rnd_to_grdp_pct", "2027", "2.1"]], "2027 has not come yet"),
    ([["busan-2", "rnd_to_grdp_pct", "2025", "2,05"]], "“2,05” is ambiguous"),
    ([["busan-2", "rnd_to_grdp_pct", "2025", "-1"]], "A percentage must be between 0 and 100."),
    ([["busan-2", "rcostii_rank", "2024", "0"]], "A rank must be a whole number from 1 to 17."),
    ([["busan-2", "rnd_to_grdp_pct", "2025.5", "2.1"]], "The year “2025.5” is not a whole number"),
    ([["busan-2", "rcostii_rank", "2024", "2.5"]], "A rank must be a whole number from 1 to 17."),
    ([["busan-2", "rcostii_rank", "2024", "18"]], "A rank must be a whole number from 1 to 17."),
    ([["busan-2", "rnd_to_grdp_pct", "2024", "120"]], "A percentage must be between 0 and 100."),
    (
        [
            ["busan-2", "rnd_to_grdp_pct", "2024", "2.1"],
            ["busan-2", "rnd_to_grdp_pct", "2024", "2"],
        ],
        "Line 2 already gives a value for this KPI and year.",
    ),
    ([["busan-2", "rcostii_rank", "2022", "7"]], "The approved value 6 would be overwritten"),
    (
        [["busan-2", "rnd_to_grdp_pct", "2025", "2.1", "not a url"]],
        "The source must be a web address starting with http:// or https://.",
    ),
    (
        [["busan-2", "rnd_to_grdp_pct", "2025", "2.1", "ftp://example.org/x"]],
        "The source must be a web address",
    ),
    (
        [["national-6", "regions_with_st_agency", "2025", "12"]],
        "This is a national-plan KPI: only ministry officers enter its values.",
    ),
]


@pytest.mark.parametrize("rows, problem", BAD_ROWS)
def test_each_bad_row_is_shown_with_its_problem_and_nothing_can_be_saved(busan, rows, problem):
    batch = uploaded_batch(busan, "bad.csv", csv_bytes(rows, header=HEADER[: len(rows[0])]))
    assert batch.state == ImportBatch.State.CHECKED and batch.problem_count == 1
    text = page(busan, preview_url(batch))
    assert problem in text
    assert count(text, "problems") == 1
    assert 'id="confirm-import"' not in text
    with pytest.raises(WorkflowError, match="rows with problems"):
        import_services.apply_import(batch_id=batch.pk, by=busan.user)
    # Posting anyway changes nothing either.
    response = busan.post(preview_url(batch))
    assert response["Location"] == preview_url(batch)
    assert (
        Observation.objects.filter(
            year__in=[2024, 2025],
            indicator__plan__key="busan-2",
        ).count()
        == 0
    )


def test_a_row_can_have_several_problems_and_all_are_listed(busan):
    [check] = checks.check_rows(
        rows=[
            {
                "line": 2,
                "plan": "busan-2",
                "kpi": "rcostii_rank",
                "year": "2031",
                "value": "x",
                "source": "nope",
            }
        ],
        user=busan.user,
    )
    assert len(check.problems) == 3
    assert "2031 is outside this KPI's years (2022–2027)." in check.problems
    assert "“x” is not a number." in check.problems


def test_a_daejeon_secretariat_cannot_upload_a_busan_row(daejeon):
    content = csv_bytes([["busan-2", "rnd_to_grdp_pct", "2025", "2.05"]], header=HEADER[:4])
    batch = uploaded_batch(daejeon, "busan.csv", content)
    text = page(daejeon, preview_url(batch))
    assert "This KPI belongs to another region (" in text
    assert 'id="confirm-import"' not in text
    with pytest.raises(WorkflowError):
        import_services.apply_import(batch_id=batch.pk, by=daejeon.user)
    assert not Observation.objects.filter(indicator=kpi("rnd_to_grdp_pct"), year=2025).exists()


def test_a_ministry_officer_imports_national_kpi_values_but_not_regional_ones(ministry):
    content = csv_bytes(
        [
            ["national-6", "regions_with_st_agency", "2025", "12"],
            ["busan-2", "rnd_to_grdp_pct", "2025", "2.05"],
        ],
        header=HEADER[:4],
    )
    batch = import_services.create_import(user=ministry.user, file_name="v.csv", content=content)
    national, regional = (checks.RowCheck.from_json(r) for r in batch.rows)
    assert (national.action, national.problems) == ("create", [])
    assert regional.problems and "its secretariat enters its values" in regional.problems[0]

    content = csv_bytes([["national-6", "regions_with_st_agency", "2025", "12"]], HEADER[:4])
    batch = import_services.create_import(user=ministry.user, file_name="v.csv", content=content)
    assert import_services.apply_import(batch_id=batch.pk, by=ministry.user).rows_written == 1
    observation = Observation.objects.get(indicator__plan__key="national-6", year=2025)
    assert (observation.status, observation.entered_by) == (WorkflowStatus.DRAFT, ministry.user)


def test_a_value_under_review_cannot_be_overwritten(busan):
    rnd = kpi("rnd_to_grdp_pct")
    observation = services.save_observation(indicator=rnd, year=2024, value="2.0", by=busan.user)
    services.submit_observation(observation=observation, by=busan.user)
    [check] = checks.check_rows(
        rows=[
            {"line": 2, "plan": "busan-2", "kpi": "rnd_to_grdp_pct", "year": "2024", "value": "2.1"}
        ],
        user=busan.user,
    )
    assert check.action == "update"
    assert check.problems == [
        "The value 2 is under review (submitted) and would be overwritten. Wait for the review, "
        "or ask the ministry to return it."
    ]


def test_an_unchanged_approved_value_is_not_a_problem(busan):
    [check] = checks.check_rows(
        rows=[
            {
                "line": 2,
                "plan": "busan-2",
                "kpi": "rcostii_rank",
                "year": D(2022),
                "value": D("6.0"),
                "source": RANK_2022_SOURCE,
                "note": "",
            }
        ],
        user=busan.user,
    )
    assert (check.action, check.problems, check.version) == ("unchanged", [], 1)


def test_a_value_that_needs_a_note_is_a_warning_and_is_saved_as_a_draft(busan):
    content = csv_bytes(
        [
            ["busan-2", "rnd_to_grdp_pct", "2024", "23", "", "Includes a one-off national grant"],
            ["busan-2", "se_talent_flow_index", "2024", "26", "", ""],
        ]
    )
    batch = uploaded_batch(busan, "warn.csv", content)
    assert batch.problem_count == 0
    text = page(busan, preview_url(batch))
    assert text.count("more than five times this KPI's baseline and target") == 2
    assert 'id="confirm-import"' in text
    assert busan.post(preview_url(batch))["Location"] == "/en/workspace/?year=2024"
    noted = Observation.objects.get(indicator=kpi("rnd_to_grdp_pct"), year=2024)
    assert (noted.value, noted.status) == (23, WorkflowStatus.DRAFT)
    # Without a note it is saved too, but cannot be submitted until it has one.
    unnoted = Observation.objects.get(indicator=kpi("se_talent_flow_index"), year=2024)
    with pytest.raises(ValidationError, match="needs a note"):
        services.submit_observation(observation=unnoted, by=busan.user)


def test_a_percentage_out_of_range_is_refused_even_with_a_note(busan):
    content = csv_bytes([["busan-2", "rnd_to_grdp_pct", "2024", "120", "", "one-off grant"]])
    batch = uploaded_batch(busan, "bad.csv", content)
    assert batch.problem_count == 1
    assert "A percentage must be between 0 and 100." in page(busan, preview_url(batch))


def test_user_supplied_text_is_escaped_in_the_preview(busan):
    content = csv_bytes([["busan-2", "<b>x</b>", "2025", "1", "", "<script>alert(1)</script>"]])
    batch = uploaded_batch(busan, "<i>evil</i>.csv", content)
    raw = busan.get(preview_url(batch)).content.decode()
    assert "<script>alert(1)" not in raw and "<b>x</b>" not in raw and "<i>evil" not in raw
    assert "&lt;b&gt;x&lt;/b&gt;" in raw


# --- All or nothing ------------------------------------------------------------------------


def test_a_value_changed_after_the_preview_fails_the_whole_batch_and_writes_nothing(busan):
    rnd, talent = kpi("rnd_to_grdp_pct"), kpi("se_talent_flow_index")
    services.save_observation(indicator=rnd, year=2024, value="2.0", by=busan.user)
    services.save_observation(indicator=talent, year=2024, value="0.27", by=busan.user)
    content = csv_bytes(
        [
            ["busan-2", "rnd_to_grdp_pct", "2024", "2.01"],
            ["busan-2", "se_talent_flow_index", "2024", "0.28"],
        ],
        header=HEADER[:4],
    )
    batch = uploaded_batch(busan, "two.csv", content)
    assert [r["action"] for r in batch.rows] == ["update", "update"]
    # Someone else edits the second value between the preview and the confirmation.
    services.save_observation(indicator=talent, year=2024, value="0.29", by=busan.user, version=1)

    response = busan.post(preview_url(batch))
    assert response["Location"] == preview_url(batch)
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.FAILED and batch.rows_written == 0
    assert batch.message.startswith(
        "Nothing was saved. Line 3 (busan-2 / se_talent_flow_index, 2024): This value was "
        "changed by someone else"
    )
    assert Observation.objects.get(indicator=rnd, year=2024).value == D("2.0")
    assert Observation.objects.get(indicator=talent, year=2024).value == D("0.29")
    text = page(busan, preview_url(batch))
    assert "Line 3 (busan-2 / se_talent_flow_index, 2024)" in text
    assert 'id="confirm-import"' not in text


def test_a_value_created_by_someone_else_after_the_preview_is_not_overwritten(busan):
    rnd = kpi("rnd_to_grdp_pct")
    content = csv_bytes(
        [
            ["busan-2", "rcostii_rank", "2024", "7"],
            ["busan-2", "rnd_to_grdp_pct", "2025", "2.05"],
        ],
        header=HEADER[:4],
    )
    batch = import_services.create_import(user=busan.user, file_name="v.csv", content=content)
    assert [r["action"] for r in batch.rows] == ["create", "create"]
    services.save_observation(indicator=rnd, year=2025, value="2.2", by=busan.user)

    batch = import_services.apply_import(batch_id=batch.pk, by=busan.user)
    assert batch.state == ImportBatch.State.FAILED
    assert "Line 3 (busan-2 / rnd_to_grdp_pct, 2025)" in batch.message
    assert not Observation.objects.filter(indicator=kpi("rcostii_rank"), year=2024).exists()
    assert Observation.objects.get(indicator=rnd, year=2025).value == D("2.2")


def test_a_batch_is_applied_once_only(busan):
    content = csv_bytes([["busan-2", "rnd_to_grdp_pct", "2025", "2.05"]], header=HEADER[:4])
    batch = import_services.create_import(user=busan.user, file_name="v.csv", content=content)
    assert import_services.apply_import(batch_id=batch.pk, by=busan.user).rows_written == 1
    with pytest.raises(WorkflowError, match="already been saved"):
        import_services.apply_import(batch_id=batch.pk, by=busan.user)


# --- File-level errors ---------------------------------------------------------------------


def failed_message(client, name, content):
    batch = uploaded_batch(client, name, content)
    assert batch.state == ImportBatch.State.FAILED and batch.rows == []
    text = page(client, preview_url(batch))
    assert batch.message in text and 'id="confirm-import"' not in text
    with pytest.raises(WorkflowError):
        import_services.apply_import(batch_id=batch.pk, by=client.user)
    return batch.message


def refused_message(client, name, content):
    # Refused by the upload form (imports/uploads.py): nothing is kept, not even a batch.
    response = upload(client, name, content)
    assert response.status_code == 400
    assert not ImportBatch.objects.exists()
    return response.context["form"].errors["file"][0]


def test_a_file_with_another_extension_is_refused(busan):
    message = refused_message(busan, "values.txt", csv_bytes([]))
    assert message.startswith("“values.txt” is not a .xlsx or .csv file.")
    with pytest.raises(reading.ImportFileError, match="is not a .xlsx or .csv file"):
        reading.parse_upload(file_name="values.txt", content=csv_bytes([]))


def test_a_file_without_a_required_column_names_the_missing_ones(busan):
    message = failed_message(
        busan, "v.csv", csv_bytes([["busan-2", "x", "1"]], header=["PLAN", "kpi", "amount"])
    )
    assert "lacks the required column(s) year, value." in message
    message = failed_message(busan, "v.xlsx", xlsx_bytes([], header=["plan", "kpi", "year"]))
    assert "lacks the required column(s) value." in message


def test_garbage_bytes_named_xlsx_are_not_a_spreadsheet(busan):
    message = refused_message(busan, "v.xlsx", b"\x00\x01 not a zip file" * 100)
    assert message.startswith("This file is not an Excel workbook (.xlsx).")
    with pytest.raises(reading.ImportFileError, match="could not be read as an Excel"):
        reading.parse_upload(file_name="v.xlsx", content=b"\x00\x01 not a zip file" * 100)


def test_an_empty_file_is_refused(busan):
    assert upload(busan, "v.csv", b"").status_code == 400  # the form's own check
    batch = import_services.create_import(user=busan.user, file_name="v.csv", content=b"\r\n\r\n")
    assert batch.state == ImportBatch.State.FAILED
    assert batch.message.startswith("The file is empty")


def test_a_csv_that_is_neither_utf8_nor_cp949_is_refused():
    with pytest.raises(reading.ImportFileError, match="neither UTF-8 nor CP949"):
        reading.parse_upload(file_name="v.csv", content=b"plan,kpi,year,value\n\xff\xff\xff")


def test_too_many_rows_are_refused(busan, monkeypatch):
    monkeypatch.setattr(reading, "MAX_ROWS", 3)
    rows = [["busan-2", "rnd_to_grdp_pct", str(year), ""] for year in range(2022, 2026)]
    assert reading.parse_upload(file_name="v.csv", content=csv_bytes(rows[:3], HEADER[:4]))
    message = failed_message(busan, "v.csv", csv_bytes(rows, HEADER[:4]))
    assert message == "The file has more than 3 rows. Split it into smaller files."


def test_a_file_over_the_size_limit_is_refused_before_reading(busan, monkeypatch):
    monkeypatch.setattr(reading, "MAX_BYTES", 100)
    response = upload(busan, "v.csv", b"x" * 101)
    assert response.status_code == 400
    assert "larger than" in response.content.decode()
    assert not ImportBatch.objects.exists()
    with pytest.raises(reading.ImportFileError, match="larger than"):
        reading.parse_upload(file_name="v.csv", content=b"x" * 101)


def test_the_upload_form_asks_for_a_file(busan):
    page_text = page(busan, UPLOAD)
    assert 'accept=".xlsx,.csv"' in page_text and "csrfmiddlewaretoken" in page_text
    assert "/en/workspace/template.xlsx" in page_text and "/en/workspace/template.csv" in page_text
    response = busan.post(UPLOAD, {})
    assert response.status_code == 400 and "Choose a file to upload." in response.content.decode()


# --- Ownership -----------------------------------------------------------------------------


def test_another_user_cannot_see_or_apply_someone_elses_batch(busan, daejeon, anonymous):
    content = csv_bytes([["busan-2", "rnd_to_grdp_pct", "2025", "2.05"]], header=HEADER[:4])
    batch = uploaded_batch(busan, "v.csv", content)
    assert daejeon.get(preview_url(batch)).status_code == 404
    assert daejeon.post(preview_url(batch)).status_code == 404
    assert anonymous.get(preview_url(batch)).status_code == 302
    with pytest.raises(WorkflowError, match="belongs to another user"):
        import_services.apply_import(batch_id=batch.pk, by=daejeon.user)
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.CHECKED
    assert not Observation.objects.filter(indicator=kpi("rnd_to_grdp_pct"), year=2025).exists()


# --- Bounded work --------------------------------------------------------------------------


def _rows(n):
    keys = ["rcostii_rank", "rnd_to_grdp_pct", "se_talent_flow_index", "unknown"]
    return [
        {
            "line": i + 2,
            "plan": "busan-2",
            "kpi": keys[i % 4],
            "year": str(2020 + i % 9),
            "value": str(i % 17 + 1),
            "source": "",
            "note": "",
        }
        for i in range(n)
    ]


def test_checking_rows_takes_the_same_number_of_queries_for_10_or_200_rows(busan):
    counts = []
    for n in (10, 200):
        user = get_user_model().objects.get(pk=busan.user.pk)  # nothing cached
        with CaptureQueriesContext(connection) as context:
            checked = checks.check_rows(rows=_rows(n), user=user)
        assert len(checked) == n
        counts.append(len(context.captured_queries))
    # The user's role, the KPIs, their values (the rulebook's history comes from them) and
    # the number of regions a rank is out of.
    assert counts[0] == counts[1] <= 4


def test_creating_an_import_reports_its_progress(busan, monkeypatch):
    monkeypatch.setattr(checks, "PROGRESS_EVERY", 50)
    content = csv_bytes(
        [[r["plan"], r["kpi"], r["year"], r["value"]] for r in _rows(120)], HEADER[:4]
    )
    with CaptureQueriesContext(connection) as context:
        batch = import_services.create_import(user=busan.user, file_name="v.csv", content=content)
    progress = [q["sql"] for q in context.captured_queries if 'SET "rows_checked" =' in q["sql"]]
    assert len(progress) == 2  # after rows 50 and 100
    batch.refresh_from_db()
    assert (batch.rows_total, batch.rows_checked, batch.state) == (120, 120, "checked")
    assert batch.problem_count == sum(1 for r in batch.rows if r["problems"]) > 0


def test_a_row_checks_json_holds_every_field():
    fields = {f.name for f in dataclasses.fields(checks.RowCheck)}
    assert set(checks.RowCheck(line=1, plan="p", kpi="k").to_json()) == fields


def test_checked_rows_are_kept_compressed_and_read_back(busan):
    batch = import_services.create_import(
        user=busan.user,
        file_name="kpi.csv",
        content=csv_bytes([["busan-2", "rnd_to_grdp_pct", "2025", "2.05", "", "메모"]]),
    )
    stored = ImportBatch.objects.get(pk=batch.pk)
    assert isinstance(stored.rows_data, bytes | memoryview)
    assert [(r["kpi"], r["value"], r["note"]) for r in stored.rows] == [
        ("rnd_to_grdp_pct", "2.05", "메모")
    ]


def test_a_nul_character_is_a_problem_of_its_row_not_a_failed_write(busan):
    content = csv_bytes([["busan-2", "rnd_to_grdp_pct", "2025", "2.05", "", "a\x00b"]])
    batch = import_services.create_import(user=busan.user, file_name="kpi.csv", content=content)
    assert batch.problem_count == 1
    assert "NUL character" in batch.rows[0]["problems"][0]
    assert not Observation.objects.filter(indicator=kpi("rnd_to_grdp_pct"), year=2025).exists()


def test_a_kpi_deleted_after_the_preview_fails_the_batch_naming_its_line(busan):
    content = csv_bytes(
        [
            ["busan-2", "rnd_to_grdp_pct", "2025", "2.05", "", ""],
            ["busan-2", "se_talent_flow_index", "2025", "0.27", "", ""],
        ]
    )
    batch = import_services.create_import(user=busan.user, file_name="kpi.csv", content=content)
    assert batch.problem_count == 0
    kpi("se_talent_flow_index").delete()
    import_services.request_apply(batch_id=batch.pk, by=busan.user)
    batch = import_services.apply_import(batch_id=batch.pk, by=busan.user)
    assert batch.state == ImportBatch.State.FAILED
    assert batch.message.startswith(
        "Nothing was saved. Line 3 (busan-2 / se_talent_flow_index, 2025)"
    )
    assert not Observation.objects.filter(indicator=kpi("rnd_to_grdp_pct"), year=2025).exists()

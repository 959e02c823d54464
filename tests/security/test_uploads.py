"""Spreadsheet uploads: size, type and shape are checked before anything is kept.

Files are posted through the upload page as a Busan secretariat would; a refusal must leave no
ImportBatch and no file anywhere.
"""

import csv
import io
import os
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from core.security import max_request_bytes
from imports import reading, template, uploads
from imports import services as import_services
from imports import views as import_views
from imports.models import ImportBatch
from indicators.models import Observation

UPLOAD = "/en/workspace/import/"
HEADER = ["plan", "kpi", "year", "value", "source", "note"]
ROW = ["busan-2", "rnd_to_grdp_pct", "2025", "2.05", "", ""]
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def csv_bytes(rows=(ROW,)) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def xlsx_bytes(rows=(ROW,)) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(HEADER)
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_sheet(sheet_xml: bytes, *, main_type: str | None = None) -> bytes:
    """A real workbook from openpyxl with its first sheet's XML replaced."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml
            if info.filename == "[Content_Types].xml" and main_type:
                data = data.replace(uploads.XLSX_MAIN.encode(), main_type.encode())
            target.writestr(info.filename, data)
    return out.getvalue()


def sheet(rows_xml: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}"><sheetData>'
        f"{rows_xml}</sheetData></worksheet>"
    ).encode()


def inline_row(number: int, values: list[str]) -> str:
    cells = "".join(
        f'<c r="{chr(65 + i)}{number}" t="inlineStr"><is><t>{value}</t></is></c>'
        for i, value in enumerate(values)
    )
    return f'<row r="{number}">{cells}</row>'


def post(client, name, content):
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, content)})


def refused(client, name, content) -> str:
    response = post(client, name, content)
    assert response.status_code == 400
    assert not ImportBatch.objects.exists()
    errors = response.context["form"].errors["file"]
    assert errors[0] in response.content.decode().replace("&quot;", '"').replace("&#x27;", "'")
    return errors[0]


# --- Accepted ------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "content"), [("v.csv", csv_bytes()), ("v.xlsx", xlsx_bytes())])
def test_a_real_spreadsheet_is_accepted_and_imported(busan, name, content):
    response = post(busan, name, content)
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.state == ImportBatch.State.CHECKED
    assert batch.rows_total == 1 and batch.problem_count == 0


def test_the_upload_is_kept_only_in_the_database(busan, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "upload-tmp")
    os.makedirs(settings.FILE_UPLOAD_TEMP_DIR)
    queued = []
    monkeypatch.setattr(import_views, "enqueue", lambda task, *args: queued.append(args))
    marker = "marker-6f1d0c2e-kept-only-in-the-database"
    content = csv_bytes([[*ROW[:5], marker]])
    # Close to the limit: a file this big must still never be spooled to a temporary file.
    content += b"\n" * (reading.MAX_BYTES - len(content) - 1)
    assert post(busan, "v.csv", content).status_code == 302
    batch = ImportBatch.objects.get()
    assert bytes(batch.content) == content  # waiting for the check job, in the database
    assert queued == [(batch.pk,)]
    assert not os.path.exists(settings.MEDIA_ROOT)
    assert os.listdir(settings.FILE_UPLOAD_TEMP_DIR) == []
    for folder in [settings.STATIC_ROOT, *settings.STATICFILES_DIRS]:
        for root, _dirs, files in os.walk(folder):
            for name in files:
                with open(os.path.join(root, name), "rb") as handle:
                    assert marker.encode() not in handle.read()


def test_an_accepted_request_always_fits_in_memory():
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE >= max_request_bytes()
    assert settings.IMPORT_MAX_BYTES == reading.MAX_BYTES


# --- Size ----------------------------------------------------------------------------------


def test_a_file_over_the_limit_is_refused_unread(busan, monkeypatch):
    monkeypatch.setattr(reading, "MAX_BYTES", 1024 * 1024)
    message = refused(busan, "v.csv", csv_bytes() + b"\n" * (1024 * 1024))
    assert message == "The file is larger than 1 MB. Split it into smaller files."


def test_a_request_body_over_the_limit_is_refused_before_the_csrf_check(busan, settings):
    settings.IMPORT_MAX_BYTES = 1000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = Client(enforce_csrf_checks=True)
    client.force_login(busan.user)
    big = SimpleUploadedFile("v.csv", b"x" * (max_request_bytes() + 1))
    response = client.post(UPLOAD, {"file": big})
    assert response.status_code == 413  # not 403: the body was never parsed
    assert "The upload is too large: files may be at most" in response.content.decode()
    assert not ImportBatch.objects.exists()
    small = Client(enforce_csrf_checks=True)
    small.force_login(busan.user)
    assert small.post(UPLOAD, {"file": SimpleUploadedFile("v.csv", b"x")}).status_code == 403


# --- Type ----------------------------------------------------------------------------------

PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
WEB_PAGE = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


@pytest.mark.parametrize("name", ["values.csv", "values.xlsx"])
def test_a_renamed_program_is_refused(busan, name):
    message = refused(busan, name, PROGRAM)
    assert "not text" in message or "not an Excel workbook" in message


def test_a_web_page_renamed_csv_is_refused(busan):
    message = refused(busan, "values.csv", b"\n  " + WEB_PAGE)
    assert message.startswith("This .csv file holds a web page or other markup")


def test_a_web_page_renamed_xlsx_is_refused(busan):
    message = refused(busan, "values.xlsx", WEB_PAGE)
    assert message.startswith("This file is not an Excel workbook (.xlsx).")


def test_an_xlsx_renamed_csv_is_refused(busan):
    assert refused(busan, "values.csv", xlsx_bytes()).startswith("This .csv file is not text")


def test_an_old_xls_file_renamed_xlsx_is_refused_with_a_hint(busan):
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    message = refused(busan, "values.xlsx", ole2)
    assert "If it is an old .xls file" in message


def test_a_csv_with_control_characters_is_not_text(busan):
    message = refused(busan, "v.csv", csv_bytes() + b"busan-2,x,2025,1\x07\n")
    assert message == "This .csv file holds control characters: it is not plain text."


def test_a_zip_that_is_not_a_workbook_is_refused(busan):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert refused(busan, "v.xlsx", buffer.getvalue()).startswith("This file is not an Excel")


def test_a_macro_enabled_workbook_renamed_xlsx_is_refused(busan):
    content = with_sheet(
        sheet(inline_row(1, HEADER) + inline_row(2, ROW[:4])), main_type=uploads.MACRO_MAIN
    )
    assert refused(busan, "v.xlsx", content).startswith("This is a macro-enabled workbook.")


def test_an_xml_entity_bomb_is_refused_unparsed(busan):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is>'
        "<t>&lol2;</t></is></c></row></sheetData></worksheet>"
    ).encode()
    assert refused(busan, "v.xlsx", with_sheet(bomb)).startswith("This file is not an Excel")


# --- Shape ("zip bombs") -------------------------------------------------------------------


def test_a_highly_compressed_workbook_is_refused(busan):
    same = "<row>" + '<c t="inlineStr"><is><t>busan-2</t></is></c>' * 6 + "</row>"
    content = with_sheet(sheet(same * 60_000))
    assert len(content) < 200_000  # small on the wire…
    assert refused(busan, "v.xlsx", content).startswith(  # …huge unpacked
        "This workbook unpacks to far more data than a values sheet holds."
    )


def test_a_workbook_that_unpacks_to_too_much_is_refused(busan, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_UNPACKED_BYTES", 20_000)
    content = with_sheet(sheet("".join(inline_row(n, ROW[:4]) for n in range(1, 300))))
    assert refused(busan, "v.xlsx", content).startswith("This workbook unpacks to far more")


def test_a_cell_far_down_the_sheet_is_refused(busan):
    # Tiny, but openpyxl would hand the parser a million empty rows before it.
    content = with_sheet(sheet(inline_row(1, HEADER) + inline_row(1_048_576, ["x"])))
    message = refused(busan, "v.xlsx", content)
    assert message.startswith("The first sheet goes down to row 1,048,576; at most 110,000 rows")


def test_a_cell_far_to_the_right_is_refused(busan):
    far = '<row r="2"><c r="XFD2" t="inlineStr"><is><t>x</t></is></c></row>'
    message = refused(busan, "v.xlsx", with_sheet(sheet(inline_row(1, HEADER) + far)))
    assert message.startswith("The first sheet uses columns beyond column 100.")


def test_cells_without_references_are_counted_too(busan):
    cells = '<c t="inlineStr"><is><t>x</t></is></c>' * 101
    message = refused(busan, "v.xlsx", with_sheet(sheet(f"<row>{cells}</row>")))
    assert message.startswith("The first sheet uses columns beyond column 100.")


def test_too_many_cells_are_refused(busan, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_CELLS", 50)
    content = with_sheet(sheet("".join(inline_row(n, ROW[:4]) for n in range(1, 20))))
    assert refused(busan, "v.xlsx", content).startswith("This workbook unpacks to far more")


def test_the_limits_let_a_full_size_template_through():
    # The largest file the importer reads (MAX_ROWS rows of the template's 9 columns) passes.
    assert uploads.MAX_SHEET_ROWS > reading.MAX_ROWS
    assert uploads.MAX_CELLS >= (reading.MAX_ROWS + 1) * len(template.COLUMNS)
    assert uploads.MAX_COLUMNS >= len(template.COLUMNS)


# --- Formulas ------------------------------------------------------------------------------


def test_formulas_are_read_as_their_saved_values_never_evaluated(busan):
    rows = inline_row(1, HEADER) + (
        '<row r="2">'
        '<c r="A2" t="inlineStr"><is><t>busan-2</t></is></c>'
        '<c r="B2" t="inlineStr"><is><t>rnd_to_grdp_pct</t></is></c>'
        '<c r="C2"><v>2025</v></c>'
        # Excel saved 2.05 with this formula: 2.05 is imported, 1+1 is never computed.
        '<c r="D2"><f>1+1</f><v>2.05</v></c>'
        '<c r="F2" t="str"><f>HYPERLINK("http://example.com","click")</f><v>click</v></c>'
        "</row>"
        '<row r="3">'
        '<c r="A3" t="inlineStr"><is><t>busan-2</t></is></c>'
        '<c r="B3" t="inlineStr"><is><t>rnd_to_grdp_pct</t></is></c>'
        '<c r="C3"><v>2026</v></c>'
        '<c r="D3"><f>SUM(1,2)</f></c>'  # no saved value: an empty value, skipped
        "</row>"
    )
    response = post(busan, "v.xlsx", with_sheet(sheet(rows)))
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.state == ImportBatch.State.CHECKED, batch.message
    import_services.apply_import(batch_id=batch.pk, by=busan.user)
    written = Observation.objects.get(indicator__plan__key="busan-2", indicator__key=ROW[1])
    assert (written.year, written.value, written.note) == (2025, Decimal("2.05"), "click")
    assert not Observation.objects.filter(indicator=written.indicator, year=2026).exists()

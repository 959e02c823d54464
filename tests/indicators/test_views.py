from decimal import Decimal

import pytest

from indicators import services
from indicators.models import Observation, WorkflowStatus
from tests import factories
from tests.helpers import count_queries

D = Decimal


@pytest.fixture
def rnd(db):
    return factories.seed_kpi("busan-2", "rnd_to_grdp_pct")


@pytest.fixture
def rank(db):
    return factories.seed_kpi("busan-2", "rcostii_rank")


# ---------------------------------------------------------------- who may open what


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/workspace/", {"anonymous": 302, "busan": 200, "daejeon": 200, "ministry": 200}),
        ("/review/", {"anonymous": 302, "busan": 403, "daejeon": 403, "ministry": 200}),
        ("/review/board/", {"anonymous": 302, "busan": 403, "daejeon": 403, "ministry": 200}),
    ],
)
def test_each_role_gets_the_pages_it_may_see(
    db, anonymous, busan, daejeon, ministry, path, expected
):
    clients = {"anonymous": anonymous, "busan": busan, "daejeon": daejeon, "ministry": ministry}
    for persona, status in expected.items():
        assert clients[persona].get(path).status_code == status, persona


def test_a_user_without_a_role_is_refused(db, client):
    client.force_login(factories.account("norole"))
    assert client.get("/workspace/").status_code == 403


# ---------------------------------------------------------------- workspace


def test_the_busan_workspace_lists_busans_kpis_and_years(db, busan):
    html = busan.get("/workspace/?year=2025").content.decode()
    assert "지역내총생산(GRDP) 대비 연구개발 투자 비중" in html
    assert "이공계 인재 유출입지수" in html
    assert html.count('name="value-') == 3
    assert "대전" not in html.split('id="matrix-heading"')[1].split("</table>")[0]
    # The plan runs to 2027, but values are entered up to this year (2026 in the suite).
    for year in range(2022, 2027):
        assert f"?year={year}" in html
    assert "?year=2027" not in html


def test_the_daejeon_workspace_has_no_busan_kpi(db, daejeon):
    html = daejeon.get("/workspace/").content.decode()
    assert "지역혁신역량지수 순위" not in html
    assert "입력할 성과지표가 없습니다" in html


def test_the_secretariat_saves_a_draft_from_the_grid(rnd, busan):
    response = busan.post(
        "/workspace/?year=2025",
        {
            "year": "2025",
            "action": "save",
            f"value-{rnd.pk}": "2.05",
            f"source-{rnd.pk}": "https://bistep.re.kr/r",
            f"note-{rnd.pk}": "잠정치",
        },
    )
    assert response.status_code == 302
    observation = Observation.objects.get(indicator=rnd, year=2025)
    assert (observation.value, observation.status) == (D("2.05"), WorkflowStatus.DRAFT)
    assert observation.entered_by == busan.user


def test_a_grid_holding_only_another_regions_values_says_nothing_was_saved(rnd, ministry):
    response = ministry.post(
        "/en/workspace/?year=2025",
        {"year": "2025", "action": "save", f"value-{rnd.pk}": "2.05"},
        follow=True,
    )
    shown = [str(m) for m in response.context["messages"]]
    assert shown == ["Nothing was saved: the form held no values to save."]
    assert not Observation.objects.filter(indicator=rnd, year=2025).exists()


def test_a_bad_row_saves_nothing_and_keeps_what_was_typed(rnd, rank, busan):
    response = busan.post(
        "/workspace/?year=2025",
        {"year": "2025", "action": "save", f"value-{rnd.pk}": "2.05", f"value-{rank.pk}": "다섯"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "저장하지 않았습니다" in html
    assert 'value="다섯"' in html and 'value="2.05"' in html
    assert not Observation.objects.filter(year=2025).exists()


def test_the_secretariat_submits_one_value(rnd, busan):
    busan.post(
        "/workspace/?year=2025",
        {"year": "2025", "action": f"submit:{rnd.pk}", f"value-{rnd.pk}": "2.05"},
    )
    assert Observation.objects.get(indicator=rnd, year=2025).status == WorkflowStatus.SUBMITTED


def test_the_secretariat_submits_the_whole_year(rnd, rank, busan):
    busan.post(
        "/workspace/?year=2025",
        {
            "year": "2025",
            "action": "submit_year",
            f"value-{rnd.pk}": "2.05",
            f"value-{rank.pk}": "7",
        },
    )
    statuses = set(Observation.objects.filter(year=2025).values_list("status", flat=True))
    assert statuses == {WorkflowStatus.SUBMITTED}


def test_a_stale_grid_gets_a_conflict_message_and_overwrites_nothing(rnd, busan):
    observation = factories.value(rnd, 2025, "2.05", by=busan.user)
    services.save_observation(
        indicator=rnd, year=2025, value="2.10", by=busan.user, version=observation.version
    )
    response = busan.post(
        "/workspace/?year=2025",
        {
            "year": "2025",
            "action": "save",
            f"value-{rnd.pk}": "2.20",
            f"version-{rnd.pk}": str(observation.version),
        },
    )
    assert response.status_code == 200
    assert "다른 사람이" in response.content.decode()
    assert Observation.objects.get(indicator=rnd, year=2025).value == D("2.10")


def test_a_returned_value_is_highlighted_with_the_ministrys_comment(rnd, busan, ministry):
    observation = factories.value(rnd, 2025, "2.05", by=busan.user, to="submitted")
    services.return_observation(
        observation=observation, by=ministry.user, comment="<b>출처</b>를 확인해 주세요"
    )
    html = busan.get("/workspace/?year=2025").content.decode()
    assert "row-returned" in html
    assert "&lt;b&gt;출처&lt;/b&gt;를 확인해 주세요" in html


def test_an_approved_value_shows_locked_without_inputs(rank, busan):
    html = busan.get("/workspace/?year=2022").content.decode()
    assert f'name="value-{rank.pk}"' not in html
    assert "잠김" in html


# ---------------------------------------------------------------- review


def test_the_ministry_sees_the_queue_and_approves(rnd, busan, ministry):
    observation = factories.value(rnd, 2025, "2.05", by=busan.user, to="submitted")
    html = ministry.get("/review/?region=26").content.decode()
    assert f'id="obs-{observation.pk}"' in html
    response = ministry.post(
        "/review/", {"approve": observation.pk, f"version-{observation.pk}": observation.version}
    )
    assert response.status_code == 302
    observation.refresh_from_db()
    assert observation.status == WorkflowStatus.APPROVED


def test_the_queue_filters_by_region_plan_and_year(rnd, busan, ministry):
    observation = factories.value(rnd, 2025, "2.05", by=busan.user, to="submitted")
    for query in ("region=30", "plan=daejeon-2023", "year=2024"):
        assert (
            f'id="obs-{observation.pk}"' not in ministry.get(f"/review/?{query}").content.decode()
        )


def test_returning_without_a_comment_is_refused_with_a_message(rnd, busan, ministry):
    observation = factories.value(rnd, 2025, "2.05", by=busan.user, to="submitted")
    response = ministry.post(
        "/review/", {"return": observation.pk, f"comment-{observation.pk}": ""}, follow=True
    )
    assert "반려 사유를" in response.content.decode()
    observation.refresh_from_db()
    assert observation.status == WorkflowStatus.SUBMITTED


def test_bulk_approve(rnd, rank, busan, ministry):
    one = factories.value(rnd, 2025, "2.05", by=busan.user, to="submitted")
    two = factories.value(rank, 2023, "7", by=busan.user, to="submitted")
    ministry.post("/review/", {"bulk_approve": "1", "selected": [one.pk, two.pk]})
    assert set(
        Observation.objects.filter(pk__in=[one.pk, two.pk]).values_list("status", flat=True)
    ) == {WorkflowStatus.APPROVED}


def test_a_secretariat_cannot_post_to_the_review_queue(rnd, busan):
    observation = factories.value(rnd, 2025, "2.05", by=busan.user, to="submitted")
    assert busan.post("/review/", {"approve": observation.pk}).status_code == 403
    observation.refresh_from_db()
    assert observation.status == WorkflowStatus.SUBMITTED


def test_the_board_counts_values_by_region_year_and_status(rnd, busan, ministry):
    factories.value(rnd, 2025, "2.05", by=busan.user, to="submitted")
    html = ministry.get("/review/board/").content.decode()
    busan_row = html.split(">부산</a>")[1].split("</tr>")[0]
    cells = busan_row.split("<td>")[1:]
    years = list(range(2022, 2028))
    cell_2025 = cells[years.index(2025)]
    assert "제출됨 1" in cell_2025 and "미입력 2" in cell_2025
    cell_2022 = cells[years.index(2022)]
    assert "승인됨 1" in cell_2022 and "미입력 2" in cell_2022


def test_review_pages_run_a_fixed_number_of_queries(rnd, rank, busan, ministry):
    factories.value(rnd, 2025, "2.05", by=busan.user, to="submitted")
    few = {p: count_queries(ministry, p) for p in ("/review/", "/review/board/")}
    factories.value(rank, 2023, "7", by=busan.user, to="submitted")
    factories.value(rank, 2024, "7", by=busan.user, to="submitted")
    many = {p: count_queries(ministry, p) for p in ("/review/", "/review/board/")}
    assert few == many
    assert count_queries(busan, "/workspace/") <= 10


# ---------------------------------------------------------------- KPI page


def test_the_ministry_reopens_an_approved_value_from_the_kpi_page(rank, ministry):
    approved = rank.observations.get(year=2022)
    page = ministry.get("/plans/busan-2/kpis/rcostii_rank/").content.decode()
    assert f"/observations/{approved.pk}/reopen/" in page
    ministry.post(
        f"/observations/{approved.pk}/reopen/", {"reason": "정정 발표", "version": approved.version}
    )
    approved.refresh_from_db()
    assert approved.status == WorkflowStatus.RETURNED


def test_the_public_sees_no_reopen_or_target_form(rank, anonymous, busan):
    for client in (anonymous, busan):
        html = client.get("/plans/busan-2/kpis/rcostii_rank/").content.decode()
        assert "/reopen/" not in html and "/target/" not in html
    approved = rank.observations.get(year=2022)
    assert busan.post(f"/observations/{approved.pk}/reopen/", {"reason": "x"}).status_code == 302
    approved.refresh_from_db()
    assert approved.status == WorkflowStatus.APPROVED


def test_a_revised_target_shows_beside_the_original(rank, ministry, anonymous):
    ministry.post(
        "/plans/busan-2/kpis/rcostii_rank/target/",
        {"target_year": "2027", "target_value": "4", "reason": "중간점검 상향"},
    )
    html = anonymous.get("/plans/busan-2/kpis/rcostii_rank/").content.decode()
    assert "중간점검 상향" in html and "최초 목표" in html
    assert '"symbol": "star-open"' in html  # the original target is still on the chart


def test_history_on_the_kpi_page_shows_drafts_only_to_those_who_may_see_them(
    rnd, busan, anonymous, ministry, django_capture_on_commit_callbacks
):
    observation = factories.value(rnd, 2025, "2.07", by=busan.user, to="submitted")
    assert "2.07%" in ministry.get("/plans/busan-2/kpis/rnd_to_grdp_pct/").content.decode()
    assert "2.07%" in busan.get("/plans/busan-2/kpis/rnd_to_grdp_pct/").content.decode()
    assert "2.07%" not in anonymous.get("/plans/busan-2/kpis/rnd_to_grdp_pct/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_observation(observation=observation, by=ministry.user)
    html = anonymous.get("/plans/busan-2/kpis/rnd_to_grdp_pct/").content.decode()
    history = html.split('id="history-heading"')[1]
    assert "2.07%" in history and "승인" in history


def test_every_approved_value_downloads_as_one_streamed_csv(anonymous, rnd, busan):
    factories.value(rnd, 2025, "2.05", by=busan.user)  # a draft
    response = anonymous.get("/data/kpi-values.csv")
    assert response.streaming
    lines = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff").splitlines()
    assert lines[0] == "plan,region,kpi,year,value,source"
    assert len(lines) - 1 == Observation.objects.approved().count()
    assert (
        "busan-2,26,rcostii_rank,2022,6,http://www.ulsanilbo.co.kr/news/articleView.html"
        "?idxno=63057" in lines
    )
    assert not any(",2025," in line for line in lines)

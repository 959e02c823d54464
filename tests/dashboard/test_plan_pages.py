import pytest

from plans.models import Budget, Plan, Task
from regions.models import Region
from tests import factories
from tests.helpers import count_queries

PUBLIC_PAGES = [
    "/",
    "/plans/national-6/",
    "/plans/busan-2/",
    "/plans/daejeon-2023/",
    "/regions/26/",
    "/regions/11/",
    "/plans/national-6/tasks/2-2/",
    "/plans/busan-2/tasks/2-4/",
    "/login/",
]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
@pytest.mark.parametrize("prefix", ["", "/en"])
def test_every_public_page_answers_in_both_languages(db, anonymous, path, prefix):
    response = anonymous.get(prefix + path)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{"en" if prefix else "ko"}">' in html
    # The switch always leads to the same page in the other language.
    assert f'href="{path}"' in html if prefix else f'href="/en{path}"' in html


def test_home_shows_the_national_plan_and_all_17_regions_in_korean(db, anonymous):
    html = anonymous.get("/").content.decode()
    assert "제6차 지방과학기술진흥종합계획" in html
    assert "과학기술 혁신을 기반으로 지역주도 균형발전시대 개막" in html
    assert "지역주도 과학기술 혁신 추진체계 구축" in html
    assert "지역 과학기술 정책 전담기관 보유 시·도 수" in html
    for region in Region.objects.all():
        assert region.name_ko in html
    assert "제2차 부산과학기술진흥종합계획" in html
    assert html.count("등록된 계획 없음") == 17 - 5  # five regions have a plan in the seed
    assert "성과지표" in html and "Key performance indicators" not in html


def test_home_in_english_uses_the_english_names(db, anonymous):
    html = anonymous.get("/en/").content.decode()
    assert "6th Comprehensive Plan for Regional S&amp;T Promotion" in html
    assert "Busan Metropolitan City" in html
    assert "No plan registered yet" in html
    assert "Key performance indicators" in html


def test_the_busan_plan_page_shows_structure_kpis_and_latest_values(db, anonymous):
    html = anonymous.get("/plans/busan-2/").content.decode()
    assert "과학기술로 앞서가는 혁신 허브 도시 부산" in html
    for direction in ("전환", "연계", "고도화", "도전"):
        assert direction in html
    assert html.count('class="task"') == 15
    assert ">2-4</a>" in html and "과학기술 거버넌스 구축" in html
    # Rank: baseline 9위 (2021) → target 5위 (2027), latest approved 6위 in 2022.
    assert "9위" in html and "5위" in html and "6위" in html and "(2022)" in html
    assert "1.85%" in html and "2.3%" in html
    assert "승인된 실적 없음" in html
    assert "편집자 판단" in html
    assert "https://busan.breaknews.com/37491" in html
    assert "2,023" not in html  # years are never grouped


def test_the_english_plan_page_formats_units_in_english(db, anonymous):
    html = anonymous.get("/en/plans/busan-2/").content.decode()
    assert "Busan, an innovation hub city leading through S&amp;T" in html
    assert "Lower is better" in html
    assert "1.85%" in html
    assert "editorial" in html


def test_provisional_items_carry_a_badge_with_their_note_as_tooltip(db, anonymous):
    html = anonymous.get("/en/plans/busan-2/").content.decode()
    kpi = factories.seed_kpi("busan-2", "rnd_to_grdp_pct")
    assert 'class="badge badge-provisional"' in html
    assert "Not confirmed: Baseline year is not stated" in html
    assert kpi.note_en[:40].replace("'", "&#x27;") in html
    # A confirmed KPI carries no badge in its row.
    row = html.split('id="kpi-rcostii_rank"')[1].split("</tr>")[0]
    assert "badge-provisional" not in row


def test_placeholder_tasks_are_never_shown_as_titles(db, anonymous):
    html = anonymous.get("/plans/national-6/").content.decode()
    assert "중점과제 2-3 (명칭 확인 필요)" not in html
    assert html.count("명칭 확인 필요") == 2


def test_the_national_plan_page_shows_the_budget_table(db, anonymous):
    html = anonymous.get("/plans/national-6/").content.decode()
    assert "41,492" in html and "27,286" in html and "60,506" in html
    assert "2-2: 21,075" in html
    assert "보고되지 않은 값" in html


def test_a_national_task_page_lists_every_regional_task_that_serves_it(db, anonymous):
    html = anonymous.get("/plans/national-6/tasks/2-2/").content.decode()
    national = Task.objects.get(strategy__plan__key="national-6", strategy__number=2, number=2)
    serving = national.served_by.all()
    assert serving.count() > 5
    for task in serving:
        assert task.name_ko in html
    for short in ("부산", "대전", "울산", "경남"):
        assert short in html
    assert "편집자 판단" in html


def test_a_regional_task_page_shows_the_national_tasks_it_serves(db, anonymous):
    html = anonymous.get("/en/plans/busan-2/tasks/2-4/").content.decode()
    assert "Build S&amp;T governance" in html
    assert "Stronger regional S&amp;T policy agencies" in html


def test_a_region_without_a_plan_says_so(db, anonymous):
    html = anonymous.get("/regions/11/").content.decode()
    assert "서울특별시" in html
    assert "이 지역에 등록된 계획이 아직 없습니다." in html


@pytest.mark.parametrize(
    "path", ["/plans/nope/", "/regions/99/", "/plans/busan-2/tasks/9-9/", "/plans/busan-2/tasks/x/"]
)
def test_unknown_things_are_404(db, anonymous, path):
    assert anonymous.get(path).status_code == 404


def test_a_stored_javascript_link_never_renders(db, anonymous):
    plan = Plan.objects.get(key="busan-2")
    plan.sources = ["javascript:alert(1)"]
    plan.save(update_fields=["sources"])
    html = anonymous.get("/plans/busan-2/").content.decode()
    assert 'href="javascript:' not in html


def add_regional_plans(number: int) -> None:
    """More plans, strategies, tasks, KPIs, values and budgets: pages must not query more."""
    national_task = Task.objects.filter(strategy__plan__key="national-6").first()
    for index, region in enumerate(Region.objects.filter(plans__isnull=True)[:number]):
        plan = factories.plan(
            f"extra-{region.code}",
            region=region.code,
            name_ko=f"추가 계획 {index}",
            name_en=f"Extra {index}",
            provisional=True,
        )
        plan.directions.create(number=1, name_ko="방향", name_en="Direction")
        for s in (1, 2, 3):
            for t in (1, 2, 3):
                factories.task(plan, f"{s}-{t}", aligns_with=[national_task])
        for k in range(4):
            kpi = factories.kpi(
                plan,
                key=f"kpi-{k}",
                unit="rank",
                baseline=9,
                target=5,
                direction="decrease",
                name_ko=f"지표 {k}",
                name_en=f"KPI {k}",
            )
            factories.approved_values(kpi, dict.fromkeys((2022, 2023, 2024), 8))
        Budget.objects.create(plan=plan, year=2024, basis="plan", total=100, central=60)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/plans/national-6/",
        "/regions/{code}/",
        "/plans/extra-{code}/",
        "/plans/national-6/tasks/1-1/",
    ],
)
def test_public_pages_run_the_same_number_of_queries_at_any_size(
    db, anonymous, path, django_assert_max_num_queries
):
    add_regional_plans(1)
    code = Plan.objects.get(key__startswith="extra-").region_id
    path = path.format(code=code)
    small = count_queries(anonymous, path)
    add_regional_plans(12)
    assert count_queries(anonymous, path) == small
    with django_assert_max_num_queries(12):
        anonymous.get(path)


def test_a_logged_in_page_shows_the_role_and_a_logout_button(db, busan):
    html = busan.get("/").content.decode()
    assert "bistep" in html and "지역 전담기관 담당자" in html and "(부산)" in html
    assert 'action="/logout/"' in html

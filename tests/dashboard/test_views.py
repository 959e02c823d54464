import json
from decimal import Decimal

import pytest

from indicators import services
from indicators.models import Indicator, Observation, SeriesValue, Unit, WorkflowStatus
from plans.models import Plan, Strategy, Task
from regions.models import Region
from tests import factories
from tests.helpers import count_queries

DASHBOARD_PAGES = [
    "/dashboard/",
    "/dashboard/?series=rcostii_score&year=2022",
    "/dashboard/regions/26/",
    "/dashboard/regions/11/",
    "/plans/busan-2/kpis/rcostii_rank/",
    "/plans/busan-2/kpis/rnd_to_grdp_pct/",
    "/dashboard/compare/",
    "/dashboard/compare/?series=rcostii_score&year=2013",
]
CHART_URLS = [
    "/charts/kpi/?plan=busan-2&kpi=rcostii_rank",
    "/charts/status/",
    "/charts/map/?series=rcostii_rank&year=2022",
    "/charts/investment/",
    "/charts/alignment/",
    "/charts/compare-bars/?series=rcostii_rank&year=2022",
    "/charts/compare-lines/?series=rcostii_rank",
]


def figures(html: str) -> dict[str, dict]:
    """Every chart figure a page carries, by chart id."""
    found = {}
    for part in html.split('<script id="')[1:]:
        chart_id, rest = part.split('"', 1)
        body = rest.split(">", 1)[1].split("</script>", 1)[0]
        found[chart_id.removesuffix("-figure")] = json.loads(body)
    return found


@pytest.mark.parametrize("path", DASHBOARD_PAGES)
@pytest.mark.parametrize("prefix", ["", "/en"])
def test_every_dashboard_answers_in_both_languages(db, anonymous, path, prefix):
    response = anonymous.get(prefix + path)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{"en" if prefix else "ko"}">' in html
    assert 'src="/static/vendor/plotly.min.js"' in html
    assert "cdn.plot.ly" not in html and "https://cdn" not in html


def test_the_busan_dashboard_shows_its_3_kpis_with_the_methodologys_statuses(db, anonymous):
    html = anonymous.get("/dashboard/regions/26/").content.decode()
    assert html.count('class="kpi-card"') == 3
    rank = html.split('id="kpi-rcostii_rank"')[1].split("</article>")[0]
    assert "status-substantial_progress" in rank and "순조로운 진전" in rank
    assert "75%" in rank and "16.7%" in rank  # gap closed against the period elapsed
    assert "<polyline" in rank
    for key in ("rnd_to_grdp_pct", "se_talent_flow_index"):
        card = html.split(f'id="kpi-{key}"')[1].split("</article>")[0]
        assert "status-not_available" in card and "자료 없음" in card
        assert "badge-provisional" in card
    assert len(figures(html)) == 3


def test_the_rank_chart_is_drawn_upside_down_with_path_target_and_forecast(db, anonymous):
    html = anonymous.get("/plans/busan-2/kpis/rcostii_rank/").content.decode()
    (figure,) = figures(html).values()
    low, high = figure["layout"]["yaxis"]["range"]
    assert low > high  # reversed: the better (smaller) rank is up
    names = [trace["name"] for trace in figure["data"]]
    assert len(names) == 4
    observed, path, target, forecast = figure["data"]
    assert observed["x"] == [2015, 2016, 2017, 2018, 2019, 2021, 2022]
    assert path["x"] == [2021, 2027] and path["y"] == [9.0, 5.0]
    assert target["marker"]["symbol"] == "star" and target["y"] == [5.0]
    assert forecast["line"]["dash"] == "dash" and forecast["y"] == [9.0, -9.0]


def test_the_why_panel_shows_the_inputs_and_the_intermediate_numbers(db, anonymous):
    html = anonymous.get("/plans/busan-2/kpis/rcostii_rank/").content.decode()
    why = html.split('id="why-heading"')[1].split("</aside>")[0]
    assert "(6 − 9) / (5 − 9) = <strong>0.75</strong>" in why
    assert "(2022 − 2021) / (2027 − 2021) = <strong>0.166667</strong>" in why
    assert "<strong>4.5</strong>" in why
    assert "0.95" in why and "0.6" in why
    assert "2023" in why  # the trend reaches rank 5 in 2023


def test_the_kpi_page_lists_approved_values_with_their_sources(db, anonymous):
    html = anonymous.get("/plans/busan-2/kpis/rcostii_rank/").content.decode()
    assert 'href="http://www.ulsanilbo.co.kr/news/articleView.html?idxno=63057"' in html
    assert html.count("<tr") >= 8
    assert "최초 목표" in html  # the target history starts with the original target


def test_only_approved_values_are_public(
    db, anonymous, busan, ministry, django_capture_on_commit_callbacks
):
    kpi = factories.seed_kpi("busan-2", "rnd_to_grdp_pct")
    draft = factories.value(kpi, 2023, "2.1", by=busan.user)
    html = anonymous.get("/dashboard/regions/26/").content.decode()
    card = html.split('id="kpi-rnd_to_grdp_pct"')[1].split("</article>")[0]
    assert "status-not_available" in card and "2.1%" not in card
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_observation(observation=draft, by=busan.user)
        services.approve_observation(observation=draft, by=ministry.user)
    html = anonymous.get("/dashboard/regions/26/").content.decode()
    card = html.split('id="kpi-rnd_to_grdp_pct"')[1].split("</article>")[0]
    # (2.1 − 1.85) / (2.3 − 1.85) = 0.556 of the gap in 1/3 of the period: pace 1.67.
    assert "status-substantial_progress" in card and "2.1%" in card


def test_the_overview_counts_every_kpi_by_status(db, anonymous):
    html = anonymous.get("/dashboard/").content.decode()
    summary = html.split('class="status-summary"')[1].split("</ul>")[0]
    assert "status-substantial_progress" in summary
    counts = [part.split("</strong>")[0] for part in summary.split('class="count">')[1:]]
    assert sum(int(c) for c in counts) == Indicator.objects.count() == 6
    assert counts[1] == "1"  # Busan's rank
    assert counts[-1] == "5"  # no value after the baseline yet


def test_the_map_colours_all_17_regions_and_greys_those_without_a_value(db, anonymous):
    html = anonymous.get("/dashboard/?series=rcostii_rank&year=2022").content.decode()
    chart = next(f for key, f in figures(html).items() if key.startswith("chart-map"))
    shapes = [t for t in chart["data"] if t.get("fill") == "toself"]
    assert len(shapes) == 17
    with_value = SeriesValue.objects.filter(series="rcostii_rank", year=2022).count()
    grey = [t for t in shapes if t["fillcolor"] == "#e4e4e4"]
    assert len(grey) == 17 - with_value
    assert "geo" not in json.dumps(chart["layout"])  # no plotly geo: it would fetch a CDN map
    gyeonggi = next(t for t in shapes if t["name"] == "경기")
    jeju = next(t for t in shapes if t["name"] == "제주")
    assert gyeonggi["fillcolor"] == "#08306b"  # rank 1: the darkest
    assert jeju["fillcolor"] == "#f7fbff"  # rank 17: the lightest


def test_the_investment_chart_stacks_central_local_private_for_plan_and_actual(db, anonymous):
    html = anonymous.get("/charts/investment/").content.decode()
    (figure,) = figures(html).values()
    central = figure["data"][0]
    assert central["x"][0][:3] == ["2023", "2024", "2024"]
    assert central["y"][:3] == [27286, 38062, 50545]
    assert figure["layout"]["barmode"] == "stack"


def test_the_alignment_sankey_runs_from_strategies_to_regional_tasks(db, anonymous):
    html = anonymous.get("/charts/alignment/").content.decode()
    (figure,) = figures(html).values()
    labels = figure["data"][0]["node"]["label"]
    national_tasks = Task.objects.filter(strategy__plan__key="national-6").count()
    links = sum(
        t.aligns_with.count() for t in Task.objects.filter(strategy__plan__level="regional")
    )
    assert len([label for label in labels if label.startswith("전략 ")]) == 3
    assert len(figure["data"][0]["link"]["source"]) == national_tasks + links
    assert "2-3 명칭 확인 필요" in labels


def test_the_compare_page_ranks_regions_best_first_with_their_targets(db, anonymous):
    html = anonymous.get("/dashboard/compare/?series=rcostii_rank&year=2022").content.decode()
    bars, lines = figures(html).values()
    assert bars["data"][0]["y"][:3] == ["경기", "서울", "대전"]
    targets = bars["data"][1]
    assert dict(zip(targets["y"], targets["x"], strict=True)) == {"부산": 5.0}
    stars = [t for t in lines["data"] if t["mode"] == "markers"]
    assert {t["name"].split()[0] for t in stars} == {"부산", "경남"}


def test_each_chart_has_a_table_a_csv_and_an_embeddable_page(db, anonymous):
    html = anonymous.get("/dashboard/compare/").content.decode()
    assert html.count('<details class="chart-table">') == 2
    assert 'href="/charts/compare-bars/data.csv?series=rcostii_rank&amp;year=2022"' in html
    assert 'href="/charts/compare-bars/?series=rcostii_rank&amp;year=2022"' in html


@pytest.mark.parametrize("url", CHART_URLS)
def test_every_chart_embeds_without_header_and_may_be_framed(db, anonymous, url):
    response = anonymous.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "site-header" not in html and "site-footer" not in html
    assert "data-chart=" in html
    assert "X-Frame-Options" not in response.headers


@pytest.mark.parametrize("url", CHART_URLS)
def test_every_chart_downloads_as_csv_for_korean_excel(db, anonymous, url):
    path, _, query = url.partition("?")
    response = anonymous.get(path + "data.csv" + ("?" + query if query else ""))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    assert len(body.splitlines()) >= 2


def test_the_kpi_csv_has_exact_values(db, anonymous):
    body = anonymous.get("/charts/kpi/data.csv?plan=busan-2&kpi=rcostii_rank").content.decode()
    assert body.splitlines()[1:] == [
        "2015,11,approved",
        "2016,9,approved",
        "2017,8,approved",
        "2018,7,approved",
        "2019,5,approved",
        "2021,9,approved",
        "2022,6,approved",
    ]


@pytest.mark.parametrize(
    "url",
    [
        "/charts/nope/",
        "/charts/map/?series=nope",
        "/charts/map/?series=rcostii_rank&year=1900",
        "/charts/kpi/?plan=busan-2&kpi=nope",
        "/dashboard/regions/99/",
        "/plans/busan-2/kpis/nope/",
        "/dashboard/compare/?year=abc",
    ],
)
def test_unknown_charts_series_and_years_are_404(db, anonymous, url):
    assert anonymous.get(url).status_code == 404


def grow_to_national_scale(years: int = 15, kpis_per_plan: int = 30) -> None:
    """17 regions × 30 KPIs × 15 years of approved values, plus series for every region."""
    rank = Unit.objects.get(key="rank")
    national_task = Task.objects.filter(strategy__plan__key="national-6").first()
    indicators, observations, series = [], [], []
    for region in Region.objects.all():
        plan = Plan.objects.create(
            key=f"scale-{region.code}",
            level="regional",
            region=region,
            name_ko=f"{region.short_ko} 계획",
            name_en="Plan",
            start_year=2020,
            end_year=2034,
        )
        strategy = Strategy.objects.create(plan=plan, number=1, name_ko="전략", name_en="S")
        Task.objects.create(
            strategy=strategy, number=1, name_ko="과제", name_en="T"
        ).aligns_with.add(national_task)
        for k in range(kpis_per_plan):
            indicators.append(
                Indicator(
                    plan=plan,
                    key=f"k{k}",
                    name_ko=f"지표 {k}",
                    name_en=f"KPI {k}",
                    unit=rank,
                    direction="decrease",
                    baseline_year=2019,
                    baseline_value=Decimal(10),
                    target_year=2034,
                    target_value=Decimal(3),
                    series="rcostii_rank",
                )
            )
        for year in range(2000, 2000 + years):
            series.append(
                SeriesValue(
                    series="scale_series", region=region, year=year, value=Decimal(year % 17 + 1)
                )
            )
    Indicator.objects.bulk_create(indicators)
    for indicator in Indicator.objects.filter(plan__key__startswith="scale-"):
        for year in range(2020, 2020 + years):
            observations.append(
                Observation(
                    indicator=indicator,
                    year=year,
                    value=Decimal(year % 9 + 1),
                    status=WorkflowStatus.APPROVED,
                )
            )
    Observation.objects.bulk_create(observations)
    SeriesValue.objects.bulk_create(series)


def test_dashboards_run_at_most_15_queries_the_same_at_small_and_national_scale(db, anonymous):
    pages = DASHBOARD_PAGES + CHART_URLS
    small = {path: count_queries(anonymous, path) for path in pages}
    grow_to_national_scale()
    assert Observation.objects.count() > 17 * 30 * 15
    large = {path: count_queries(anonymous, path) for path in pages}
    # Seoul has no KPI in the seed, so at small scale its value prefetch is skipped: one
    # query more at any size once it has KPIs, never one per KPI or per year.
    assert large.pop("/dashboard/regions/11/") == small.pop("/dashboard/regions/11/") + 1
    assert large == small
    assert max(large.values()) <= 15, large


def test_a_provisional_kpis_chart_is_marked_provisional(db, anonymous):
    html = anonymous.get("/charts/kpi/?plan=busan-2&kpi=rnd_to_grdp_pct").content.decode()
    assert "badge-provisional" in html and "Baseline year is not stated" in html
    html = anonymous.get("/charts/kpi/?plan=busan-2&kpi=rcostii_rank").content.decode()
    assert "badge-provisional" not in html


def test_an_approved_value_shows_on_the_next_request_although_pages_are_cached(
    db,
    anonymous,
    busan,
    ministry,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    anonymous.get("/dashboard/regions/26/")
    with django_assert_max_num_queries(2):  # served from the cache (the session, at most)
        anonymous.get("/dashboard/regions/26/")
    kpi = factories.seed_kpi("busan-2", "rnd_to_grdp_pct")
    with django_capture_on_commit_callbacks(execute=True):
        factories.value(kpi, 2024, "2.2", by=busan.user, to="approved", reviewer=ministry.user)
    assert "2.2%" in anonymous.get("/dashboard/regions/26/").content.decode()


def test_the_refresh_job_warms_every_dashboard_in_both_languages(
    db, anonymous, django_assert_max_num_queries
):
    from dashboard.tasks import refresh_dashboard_cache

    assert refresh_dashboard_cache.delay().get() == 2 * (2 + 17)
    for path in ("/dashboard/", "/en/dashboard/regions/26/", "/dashboard/compare/"):
        with django_assert_max_num_queries(2):
            assert anonymous.get(path).status_code == 200


def test_an_anonymous_page_is_served_from_the_cache_and_a_signed_in_one_is_not(
    db, anonymous, busan, django_assert_max_num_queries
):
    first = anonymous.get("/plans/busan-2/").content
    with django_assert_max_num_queries(0):
        assert anonymous.get("/plans/busan-2/").content == first
    assert "bistep" in busan.get("/plans/busan-2/").content.decode()
    assert "bistep" not in anonymous.get("/plans/busan-2/").content.decode()


def test_a_cached_embed_may_still_be_framed_and_a_cached_csv_stays_a_download(db, anonymous):
    for _ in range(2):
        embed = anonymous.get("/charts/investment/")
        assert "X-Frame-Options" not in embed.headers
        csv = anonymous.get("/charts/investment/data.csv")
        assert csv["Content-Disposition"].startswith("attachment")
        assert csv["Content-Type"].startswith("text/csv")


def test_a_region_with_many_plans_lists_them_and_shows_one_in_full(db, anonymous):
    add = factories.plan(
        "muni-21010",
        region="26",
        name_ko="부산광역시 중구 과학기술진흥계획",
        name_en="Jung-gu plan",
        start_year=2020,
        end_year=2030,
    )
    html = anonymous.get("/dashboard/regions/26/").content.decode()
    assert "부산광역시 중구 과학기술진흥계획" in html and 'href="?plan=muni-21010"' in html
    assert html.count('class="kpi-card"') == 3  # busan-2, the newest plan with KPIs
    other = anonymous.get(f"/dashboard/regions/26/?plan={add.key}").content.decode()
    assert 'class="kpi-card"' not in other
    assert anonymous.get("/dashboard/regions/26/?plan=daejeon-2023").status_code == 404

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from datatools.seed import SeedError, load_seed
from indicators.models import Indicator, Observation, SeriesValue, WorkflowStatus
from plans.models import Budget, Plan, Strategy, Task
from regions.models import Agency, Region

SHARED_DATA = Path(settings.BASE_DIR).parent / "shared" / "data"
ALL_MODELS = [Region, Agency, Plan, Strategy, Task, Budget, Indicator, Observation, SeriesValue]


def counts():
    return {model.__name__: model.objects.count() for model in ALL_MODELS}


def history_counts():
    return {m.__name__: m.history.count() for m in (Plan, Strategy, Task, Indicator, Observation)}


@pytest.fixture
def seed_copy(tmp_path):
    """A writable copy of the project's seed, to break or change in a test."""
    for name in ("plans.yaml", "indicator_history.csv"):
        shutil.copy(settings.SEED_DIR / name, tmp_path / name)
    return tmp_path


@pytest.fixture
def empty_db(db):
    """Remove the session seed inside this test's transaction (rolled back afterwards)."""
    Observation.objects.all().delete()
    Indicator.objects.all().delete()
    Budget.objects.all().delete()
    Plan.objects.regional().delete()
    Plan.objects.all().delete()
    SeriesValue.objects.all().delete()
    Region.objects.all().delete()
    assert sum(counts().values()) == 0


def edit(path: Path, old: str, new: str, count: int = 1):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"test setup: {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def test_it_loads_the_17_regions_in_standard_order(db):
    codes = list(Region.objects.values_list("code", flat=True))
    assert codes == [
        "11",
        "26",
        "27",
        "28",
        "29",
        "30",
        "31",
        "36",
        "41",
        "51",
        "43",
        "44",
        "52",
        "46",
        "47",
        "48",
        "50",
    ]
    assert Region.objects.get(code="26").kostat_code == "21"
    assert Agency.objects.get(region_id="26").abbreviation == "BISTEP"


def test_it_loads_the_national_plan_with_3_strategies_and_9_tasks(db):
    plan = Plan.objects.get(key="national-6")
    assert plan.level == "national" and plan.region is None
    assert (plan.start_year, plan.end_year) == (2023, 2027)
    assert plan.strategies.count() == 3
    assert Task.objects.filter(strategy__plan=plan).count() == 9
    placeholders = Task.objects.filter(strategy__plan=plan, placeholder=True)
    assert sorted(t.code for t in placeholders) == ["2-3", "3-3"]


def test_it_loads_busan_with_4_strategies_15_tasks_and_3_kpis(db):
    plan = Plan.objects.get(key="busan-2")
    assert plan.region_id == "26" and plan.implements.key == "national-6"
    assert plan.strategies.count() == 4
    assert Task.objects.filter(strategy__plan=plan).count() == 15
    assert plan.editorial_alignment
    assert [d.name_ko for d in plan.directions.all()] == ["전환", "연계", "고도화", "도전"]
    kpis = {i.key: i for i in plan.indicators.all()}
    assert set(kpis) == {"rcostii_rank", "rnd_to_grdp_pct", "se_talent_flow_index"}
    rank, rnd, talent = kpis["rcostii_rank"], kpis["rnd_to_grdp_pct"], kpis["se_talent_flow_index"]
    assert (rank.baseline_year, rank.baseline_value) == (2021, Decimal("9"))
    assert (rank.target_year, rank.target_value) == (2027, Decimal("5"))
    assert rank.direction == "decrease" and rank.unit_id == "rank" and not rank.provisional
    assert (rnd.baseline_value, rnd.target_value) == (Decimal("1.85"), Decimal("2.3"))
    assert rnd.unit_id == "pct" and rnd.provisional
    assert (talent.baseline_value, talent.target_value) == (Decimal("0.26"), Decimal("0.30"))
    assert talent.direction == "increase" and talent.provisional


def test_it_keeps_the_alignment_of_regional_tasks_to_national_tasks(db):
    governance = Task.objects.get(strategy__plan__key="busan-2", strategy__number=2, number=4)
    assert sorted(t.code for t in governance.aligns_with.all()) == ["1-2", "1-3"]
    national_2_2 = Task.objects.get(strategy__plan__key="national-6", strategy__number=2, number=2)
    serving = national_2_2.served_by.values_list("strategy__plan__key", flat=True)
    assert {"busan-2", "daejeon-2023", "ulsan-6", "gyeongnam-6"} <= set(serving)


def test_it_turns_the_series_of_the_plans_region_into_approved_observations(db):
    rank = Indicator.objects.get(plan__key="busan-2", key="rcostii_rank")
    observations = {o.year: o for o in rank.observations.all()}
    assert {y: o.value for y, o in observations.items()} == {
        2015: 11,
        2016: 9,
        2017: 8,
        2018: 7,
        2019: 5,
        2021: 9,
        2022: 6,
    }
    assert all(o.status == WorkflowStatus.APPROVED for o in observations.values())
    assert (
        observations[2022].source == "http://www.ulsanilbo.co.kr/news/articleView.html?idxno=63057"
    )
    # Another region's rank in the same series never leaks into Busan's KPI.
    gyeongnam = Indicator.objects.get(plan__key="gyeongnam-6", key="rcostii_rank")
    assert {o.year: o.value for o in gyeongnam.observations.all()} == {2021: Decimal("10")}


def test_it_keeps_every_series_row_for_comparisons(db):
    assert SeriesValue.objects.count() == 98
    national = SeriesValue.objects.get(series="rnd_to_grdp_pct", region=None, year=2021)
    assert national.value == Decimal("4.96")
    assert SeriesValue.objects.get(
        series="rcostii_score", region_id="11", year=2022
    ).value == Decimal("16.0")


def test_it_loads_budgets_with_unreported_parts_left_empty(db):
    national = Budget.objects.filter(plan__key="national-6", task=None)
    assert national.count() == 4
    plan_2024 = national.get(year=2024, basis="plan")
    assert (plan_2024.total, plan_2024.central, plan_2024.local) == (47627, 38062, 9565)
    assert plan_2024.private is None
    actual_2024 = national.get(year=2024, basis="actual")
    assert actual_2024.total == 60506
    by_task = Budget.objects.filter(
        plan__key="national-6", year=2024, basis="actual", task__isnull=False
    )
    assert {(b.task.code, b.total) for b in by_task} == {("2-2", 21075), ("2-1", 13041)}


def test_a_second_load_changes_nothing_and_duplicates_nothing(db):
    before, history_before = counts(), history_counts()
    report = load_seed(path=settings.SEED_DIR)
    assert not report.changed
    assert sum(report.created.values()) == 0 and sum(report.updated.values()) == 0
    assert counts() == before
    assert history_counts() == history_before


def test_a_changed_title_is_updated_in_place(db, seed_copy):
    edit(
        seed_copy / "plans.yaml",
        "name_en: 2nd Busan Comprehensive Plan for S&T Promotion",
        "name_en: 2nd Busan S&T Promotion Master Plan",
    )
    plan_id = Plan.objects.get(key="busan-2").pk
    before = counts()
    report = load_seed(path=seed_copy)
    assert report.updated["plan"] == 1
    assert Plan.objects.get(pk=plan_id).name_en == "2nd Busan S&T Promotion Master Plan"
    assert counts() == before
    assert Plan.history.filter(id=plan_id).first().history_change_reason == "seed"


def test_it_loads_everything_into_an_empty_database(empty_db):
    report = load_seed(path=settings.SEED_DIR)
    assert report.created["region"] == 17 and report.created["plan"] == 6
    assert counts()["Observation"] == 8


def test_it_keeps_a_value_a_secretariat_entered_over_the_seed(db, busan):
    rank = Indicator.objects.get(plan__key="busan-2", key="rcostii_rank")
    entered = rank.observations.get(year=2022)
    entered.value, entered.entered_by = Decimal("7"), busan.user
    entered.save()
    report = load_seed(path=settings.SEED_DIR)
    assert report.kept["observation"] == 1
    assert rank.observations.get(year=2022).value == Decimal("7")


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "plans.yaml",
            "unit: rank\n",
            "unit: rnk\n",
            "plans.yaml › plans[1] 'busan-2' › indicators[0] 'rcostii_rank': `unit` 'rnk' is not "
            "defined under `units`",
        ),
        (
            "plans.yaml",
            'region: "26"',
            'region: "99"',
            "plans.yaml › plans[1] 'busan-2': `region` '99' is not one of the 17 region codes",
        ),
        (
            "plans.yaml",
            "key: daejeon-2023",
            "key: busan-2",
            "plans.yaml › plans: plan key 'busan-2' appears 2 times",
        ),
        (
            "plans.yaml",
            'aligns_with: ["national-6:2-1"]',
            'aligns_with: ["national-6:7-1"]',
            "plans.yaml › plans[1] 'busan-2' › strategies[0] '1' › tasks[0] '1': aligns_with "
            "'national-6:7-1': that plan has no task 7-1",
        ),
        (
            "plans.yaml",
            "target: {year: 2027, value: 5}",
            "target: {year: 2020, value: 5}",
            "plans.yaml › plans[1] 'busan-2' › indicators[0] 'rcostii_rank': target year 2020 must "
            "come after baseline year 2021",
        ),
        (
            "plans.yaml",
            "baseline: {year: 2021, value: 1.85}",
            "baseline: {year: 2021, value: abc}",
            "plans.yaml › plans[1] 'busan-2' › indicators[1] 'rnd_to_grdp_pct' › baseline › value: "
            "'abc' is not a number",
        ),
        (
            "plans.yaml",
            "direction: decrease",
            "direction: down",
            "`direction` must be increase or decrease, found 'down'",
        ),
        (
            "plans.yaml",
            "basis: actual",
            "basis: estimate",
            "plans.yaml › plans[0] 'national-6' › budgets[2] '2024': "
            "`basis` must be plan or actual",
        ),
        (
            "indicator_history.csv",
            "26,rcostii_rank,2022,6,",
            "26,rcostii_rank,2022,six,",
            "indicator_history.csv line 14 › value: 'six' is not a number",
        ),
        (
            "indicator_history.csv",
            "26,rcostii_rank,2022,6,",
            "99,rcostii_rank,2022,6,",
            "indicator_history.csv line 14: region_code '99' is not a region code or 00",
        ),
        (
            "indicator_history.csv",
            "26,rcostii_rank,2022,6,",
            "26,rcostii_rank,2021,6,",
            "indicator_history.csv line 14: 26 rcostii_rank 2021 already given on line 13",
        ),
        (
            "indicator_history.csv",
            "region_code,series",
            "region,series",
            "indicator_history.csv: header must be region_code,series,year,value,source_url",
        ),
    ],
)
def test_a_broken_seed_is_refused_with_file_entry_and_problem(
    seed_copy, db, file, old, new, message
):
    edit(seed_copy / file, old, new)
    before = counts()
    with pytest.raises(SeedError) as caught:
        load_seed(path=seed_copy)
    assert any(message in problem for problem in caught.value.problems), caught.value.problems
    assert counts() == before


def test_a_broken_seed_writes_nothing_into_an_empty_database(empty_db, seed_copy):
    edit(seed_copy / "indicator_history.csv", "26,rcostii_rank,2022,6,", "26,rcostii_rank,2022,x,")
    with pytest.raises(SeedError):
        load_seed(path=seed_copy)
    assert sum(counts().values()) == 0


def test_it_reports_every_problem_at_once(seed_copy, db):
    edit(seed_copy / "plans.yaml", "unit: rank\n", "unit: rnk\n", count=2)
    edit(seed_copy / "plans.yaml", "direction: increase", "direction: up")
    with pytest.raises(SeedError) as caught:
        load_seed(path=seed_copy)
    assert len(caught.value.problems) == 3


def test_invalid_yaml_names_the_line(seed_copy, db):
    edit(seed_copy / "plans.yaml", "schema_version: 1", "schema_version: [1")
    with pytest.raises(SeedError) as caught:
        load_seed(path=seed_copy)
    assert caught.value.problems[0].startswith("plans.yaml line ")
    assert "not valid YAML" in caught.value.problems[0]


def test_a_missing_file_is_named(tmp_path, db):
    with pytest.raises(SeedError) as caught:
        load_seed(path=tmp_path)
    assert f"{tmp_path / 'plans.yaml'}: file not found" in caught.value.problems


def test_the_command_reports_what_it_did(db, capsys):
    call_command("load_seed")
    assert "Seed already up to date; nothing changed." in capsys.readouterr().out


def test_the_command_explains_a_broken_seed_and_says_nothing_was_written(db, seed_copy):
    edit(seed_copy / "plans.yaml", "unit: rank\n", "unit: rnk\n")
    with pytest.raises(CommandError) as caught:
        call_command("load_seed", "--path", str(seed_copy))
    assert "nothing was written" in str(caught.value)
    assert "`unit` 'rnk' is not defined" in str(caught.value)


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data is not beside this clone")
@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        ("seed/plans.yaml", "seed/plans.yaml"),
        ("seed/indicator_history.csv", "seed/indicator_history.csv"),
        ("seed/maps/korea-provinces-2018.geojson", "korea-provinces-2018.geojson"),
        ("seed/maps/korea-municipalities-2018.geojson", "korea-municipalities-2018.geojson"),
    ],
)
def test_the_projects_seed_copy_is_identical_to_shared_data(ours, theirs):
    assert (Path(settings.BASE_DIR) / ours).read_bytes() == (SHARED_DATA / theirs).read_bytes()

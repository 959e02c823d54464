import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from datatools import scale
from datatools.scale import ScaleError, ScaleSize, generate_scale_data
from indicators.models import Indicator, Observation, SeriesValue, WorkflowStatus
from plans.models import Budget, Plan, Strategy, Task
from regions.models import Region

SMALL = ScaleSize(regions=2, municipalities=5, kpis=3, years=4)
SMALL_OPTIONS = ["--regions", "2", "--municipalities", "5", "--kpis", "3", "--years", "4"]
LAST_YEAR = 2025


def synthetic_plans():
    return Plan.objects.filter(scale.SYNTHETIC)


def synthetic_counts():
    plans = synthetic_plans()
    return {
        "plan": plans.count(),
        "strategy": Strategy.objects.filter(plan__in=plans).count(),
        "task": Task.objects.filter(strategy__plan__in=plans).count(),
        "indicator": Indicator.objects.filter(plan__in=plans).count(),
        "observation": Observation.objects.filter(indicator__plan__in=plans).count(),
        "budget": Budget.objects.filter(plan__in=plans).count(),
        "series value": SeriesValue.objects.filter(series=scale.SERIES).count(),
    }


def seed_counts():
    seed = Plan.objects.exclude(scale.SYNTHETIC)
    return {
        "plan": seed.count(),
        "task": Task.objects.filter(strategy__plan__in=seed).count(),
        "indicator": Indicator.objects.filter(plan__in=seed).count(),
        "observation": Observation.objects.filter(indicator__plan__in=seed).count(),
        "budget": Budget.objects.filter(plan__in=seed).count(),
        "series value": SeriesValue.objects.exclude(series=scale.SERIES).count(),
    }


def features():
    document = json.loads(scale.MUNICIPALITIES_GEOJSON.read_text(encoding="utf-8"))
    return {feature["id"]: feature["properties"] for feature in document["features"]}


@pytest.fixture
def small(db):
    return generate_scale_data(size=SMALL, last_year=LAST_YEAR)


def test_the_default_size_makes_about_280000_observations():
    size = ScaleSize()
    assert (size.regions, size.municipalities, size.kpis, size.years) == (17, 250, 35, 30)
    assert size.plans == 267
    assert size.observations == (17 + 250) * 35 * 30 == 280_350
    assert size.budgets == 267 * 30 * 2


def test_a_small_run_creates_the_expected_numbers_of_plans_kpis_observations_and_budgets(small):
    expected = {
        "plan": 7,
        "strategy": 7 * 3,
        "task": 7 * 9,
        "indicator": 7 * 3,
        "observation": 7 * 3 * 4,
        "budget": 7 * 4 * 2,
        "series value": 17 * 4,
    }
    assert synthetic_counts() == expected
    assert dict(small.created) == expected
    assert SMALL.observations == expected["observation"]
    assert (small.first_year, small.last_year) == (2022, 2025)


def test_region_plans_are_the_first_regions_in_standard_order(small):
    keys = set(synthetic_plans().filter(key__startswith="scale-").values_list("key", flat=True))
    assert keys == {"scale-11", "scale-26"}
    assert Plan.objects.get(key="scale-26").name_ko == "부산광역시 과학기술진흥계획 (합성)"


def test_municipality_plans_take_their_names_and_codes_from_the_geojson(small):
    by_code = features()
    plans = list(synthetic_plans().filter(key__startswith="muni-").select_related("region"))
    assert len(plans) == 5
    for plan in plans:
        properties = by_code[plan.key.removeprefix("muni-")]
        assert plan.name_ko == (
            f"{plan.region.name_ko} {properties['name_ko_2018']} 과학기술진흥계획 (합성)"
        )
        assert plan.name_en == f"{properties['name_en_2018']} S&T plan (synthetic)"


def test_a_full_run_would_name_haeundae_gu_as_in_the_issue(db):
    generate_scale_data(
        size=ScaleSize(regions=0, municipalities=250, kpis=1, years=2), last_year=LAST_YEAR
    )
    plan = Plan.objects.get(key="muni-21090")
    assert plan.name_ko == "부산광역시 해운대구 과학기술진흥계획 (합성)"
    assert plan.name_en == "Haeundae-gu S&T plan (synthetic)"
    assert synthetic_plans().count() == 250


def test_municipality_plans_belong_to_their_parent_region(small):
    by_code = features()
    for plan in synthetic_plans().filter(key__startswith="muni-"):
        assert plan.region_id == by_code[plan.key.removeprefix("muni-")]["region_code"]
    # A small run takes one 시·군·구 from each 시·도 in turn, so it spans several 시·도.
    regions = synthetic_plans().filter(key__startswith="muni-").values("region").distinct()
    assert regions.count() == 5


def test_synthetic_plans_are_provisional_regional_plans_of_the_national_plan(small):
    for plan in synthetic_plans():
        assert plan.level == "regional"
        assert plan.implements.key == "national-6"
        assert plan.provisional
        assert "synthetic" in plan.note_en.lower()
        assert plan.end_year == LAST_YEAR


def test_every_task_serves_one_non_placeholder_national_task_in_turn(small):
    national = list(
        Task.objects.filter(strategy__plan__key="national-6", placeholder=False).order_by(
            "strategy__number", "number"
        )
    )
    tasks = Task.objects.filter(strategy__plan__in=synthetic_plans()).prefetch_related(
        "aligns_with"
    )
    served = []
    for task in tasks:
        aligned = list(task.aligns_with.all())
        assert len(aligned) == 1
        served.append(aligned[0])
    assert set(served) == set(national)


def test_ranks_are_whole_numbers_from_1_to_17_and_percentages_stay_within_0_to_100(small):
    kpis = Indicator.objects.filter(plan__in=synthetic_plans())
    ranks = Observation.objects.filter(indicator__in=kpis, indicator__unit="rank")
    percentages = Observation.objects.filter(indicator__in=kpis, indicator__unit="pct")
    assert ranks.exists() and percentages.exists()
    for observation in ranks:
        assert observation.value == observation.value.to_integral_value()
        assert 1 <= observation.value <= 17
    for observation in percentages:
        assert 0 <= observation.value <= 100
        assert observation.value == observation.value.quantize(Decimal("0.01"))
    for kpi in kpis.filter(unit="rank"):
        assert kpi.direction == "decrease"
        assert 1 <= kpi.target_value <= kpi.baseline_value <= 17


def test_baseline_values_are_the_values_of_the_baseline_year_and_targets_the_last_year(small):
    for kpi in Indicator.objects.filter(plan__in=synthetic_plans()):
        assert kpi.baseline_year == 2024  # first year + 5, or less when there are few years
        assert kpi.target_year == LAST_YEAR
        assert kpi.observations.get(year=kpi.baseline_year).value == kpi.baseline_value


def test_the_ranking_series_ranks_every_region_once_a_year(small):
    for year in range(2022, 2026):
        values = SeriesValue.objects.filter(series=scale.SERIES, year=year)
        assert sorted(int(v.value) for v in values) == list(range(1, 18))
        assert set(values.values_list("region_id", flat=True)) == set(
            Region.objects.values_list("code", flat=True)
        )


def test_the_last_years_values_are_a_mix_of_statuses_and_earlier_ones_are_approved(small):
    values = Observation.objects.filter(indicator__plan__in=synthetic_plans())
    last = set(values.filter(year=LAST_YEAR).values_list("status", flat=True))
    assert len(last) >= 2
    assert last <= {WorkflowStatus.DRAFT, WorkflowStatus.SUBMITTED, WorkflowStatus.APPROVED}
    earlier = set(values.exclude(year=LAST_YEAR).values_list("status", flat=True))
    assert earlier == {WorkflowStatus.APPROVED}


def test_budgets_are_planned_and_actual_for_every_year_and_never_split_beyond_the_total(small):
    for plan in synthetic_plans():
        budgets = list(plan.budgets.all())
        assert {(b.year, b.basis) for b in budgets} == {
            (year, basis) for year in range(2022, 2026) for basis in ("plan", "actual")
        }
        for budget in budgets:
            assert budget.total > 0
            assert budget.unallocated >= 0


def test_every_synthetic_row_has_a_history_row(small):
    plans = synthetic_plans()
    observations = Observation.objects.filter(indicator__plan__in=plans)
    history = Observation.history.filter(id__in=observations.values("id"))
    assert history.count() == observations.count() == 84
    assert set(history.values_list("history_type", flat=True)) == {"+"}
    kpis = Indicator.objects.filter(plan__in=plans)
    assert Indicator.history.filter(id__in=kpis.values("id")).count() == 21
    assert Plan.history.filter(key__startswith="muni-").count() == 5
    task = Task.objects.filter(strategy__plan__in=plans).first()
    record = task.history.get()
    assert [link.to_task for link in record.aligns_with.all()] == list(task.aligns_with.all())


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data(db):
    def values():
        return list(
            Observation.objects.filter(indicator__plan__in=synthetic_plans())
            .order_by("indicator__plan__key", "indicator__key", "year")
            .values_list("value", "status")
        )

    generate_scale_data(size=SMALL, last_year=LAST_YEAR, seed=1)
    first = values()
    generate_scale_data(size=SMALL, last_year=LAST_YEAR, seed=1, replace=True)
    assert values() == first
    generate_scale_data(size=SMALL, last_year=LAST_YEAR, seed=2, replace=True)
    assert values() != first


def test_a_second_run_refuses_and_writes_nothing(small):
    before = synthetic_counts()
    with pytest.raises(CommandError, match="--replace"):
        call_command("generate_scale_data", *SMALL_OPTIONS)
    with pytest.raises(ScaleError, match="already exist"):
        generate_scale_data(size=ScaleSize(regions=1, municipalities=0, kpis=1, years=2))
    assert synthetic_counts() == before


def test_replace_deletes_the_earlier_synthetic_data_and_its_history_and_keeps_the_seed(small):
    seed = seed_counts()
    old_plans = list(synthetic_plans().values_list("id", flat=True))
    old_tasks = list(Task.objects.filter(strategy__plan__in=old_plans).values_list("id", flat=True))
    old_kpis = list(Indicator.objects.filter(plan__in=old_plans).values_list("id", flat=True))
    out = StringIO()
    options = ["--regions", "1", "--municipalities", "2", "--kpis", "2", "--years", "3"]
    call_command(
        "generate_scale_data", *options, "--last-year", str(LAST_YEAR), "--replace", stdout=out
    )
    assert synthetic_counts() == {
        "plan": 3,
        "strategy": 9,
        "task": 27,
        "indicator": 6,
        "observation": 18,
        "budget": 18,
        "series value": 17 * 3,
    }
    assert "deleted observation: 84" in out.getvalue()
    assert seed_counts() == seed
    # No history of the deleted plans is left behind to grow with every --replace.
    assert not Plan.history.filter(id__in=old_plans).exists()
    assert not Strategy.history.filter(plan_id__in=old_plans).exists()
    assert not Task.history.filter(id__in=old_tasks).exists()
    assert not Task.history.model.aligns_with.model.objects.filter(from_task__in=old_tasks).exists()
    assert not Indicator.history.filter(id__in=old_kpis).exists()
    assert not Observation.history.filter(indicator_id__in=old_kpis).exists()
    assert not Budget.history.filter(plan_id__in=old_plans).exists()
    new_kpis = Indicator.objects.filter(plan__in=synthetic_plans()).values("id")
    assert Observation.history.filter(indicator_id__in=new_kpis).count() == 18


def test_a_failure_midway_leaves_nothing_written(db, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(scale, "_budgets", broken)
    with pytest.raises(RuntimeError):
        generate_scale_data(size=SMALL, last_year=LAST_YEAR)
    assert sum(synthetic_counts().values()) == 0
    assert not Observation.history.filter(indicator__plan__key__startswith="muni-").exists()


def test_the_command_refuses_when_the_seed_is_missing(db):
    Plan.objects.regional().delete()  # they implement national-6, which protects it
    Plan.objects.filter(key="national-6").delete()
    with pytest.raises(CommandError, match="national-6.*load_seed"):
        call_command("generate_scale_data", *SMALL_OPTIONS)
    assert sum(synthetic_counts().values()) == 0


@pytest.mark.parametrize(
    "options, problem",
    [
        (["--regions", "18"], "regions must be 0..17"),
        (["--municipalities", "251"], "municipalities must be 0..250"),
        (["--kpis", "0"], "kpis must be"),
        (["--years", "1"], "years must be"),
        (["--regions", "0", "--municipalities", "0"], "nothing to generate"),
    ],
)
def test_the_command_refuses_sizes_out_of_range(db, options, problem):
    with pytest.raises(CommandError, match=problem):
        call_command("generate_scale_data", *options)
    assert sum(synthetic_counts().values()) == 0


def test_the_command_prints_counts_and_the_elapsed_time(db):
    out = StringIO()
    call_command("generate_scale_data", *SMALL_OPTIONS, "--last-year", "2025", stdout=out)
    text = out.getvalue()
    assert "plan: 7" in text
    assert "observation: 84" in text
    assert "budget: 56" in text
    assert "2022–2025 written in" in text and text.rstrip().endswith(" s.")

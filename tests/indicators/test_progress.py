import dataclasses
from decimal import Decimal

import pytest

from indicators.progress import (
    LIMITED,
    MODERATE,
    STATUSES,
    SUBSTANTIAL,
    Assessment,
    ProgressStatus,
    assess,
    classify,
    forecast_line,
)

D = Decimal
BASELINE_YEAR = 2021
TARGET_YEAR = 2027
METHODS = ["linear", "cagr"]


def cagr_pace(direction, v0, latest, target, years_elapsed, years_planned):
    """Open SDG's achieved-to-required yearly growth ratio, worked out independently in floats."""
    sign = 1 if direction == "increase" else -1
    achieved = (latest / v0) ** (1 / years_elapsed) - 1
    required = (target / v0) ** (1 / years_planned) - 1
    return sign * achieved / abs(required)


def plan(direction, v0, vt, observations, method="linear"):
    return assess(
        direction=direction,
        baseline=(BASELINE_YEAR, D(str(v0))),
        target=(TARGET_YEAR, D(str(vt))),
        observations=[(year, D(str(value))) for year, value in observations],
        method=method,
    )


# The four worked examples from the methodology note: baseline 2021, target 2027, value in 2024.
WORKED_EXAMPLES = [
    pytest.param("decrease", "9", "5", "7", id="innovation-rank-improves"),
    pytest.param("increase", "1.85", "2.30", "2.00", id="rnd-share-of-grdp"),
    pytest.param("increase", "0.26", "0.30", "0.265", id="talent-index"),
    pytest.param("decrease", "9", "5", "10", id="innovation-rank-slips"),
]


@pytest.mark.parametrize(
    ("direction", "v0", "vt", "latest", "progress", "pace", "status"),
    [
        pytest.param(*example.values, progress, pace, status, id=example.id)
        for example, progress, pace, status in zip(
            WORKED_EXAMPLES,
            ["0.5", "0.333333", "0.125", "-0.25"],
            ["1", "0.666667", "0.25", "-0.5"],
            [
                ProgressStatus.SUBSTANTIAL_PROGRESS,
                ProgressStatus.MODERATE_PROGRESS,
                ProgressStatus.LIMITED_PROGRESS,
                ProgressStatus.DETERIORATION,
            ],
            strict=True,
        )
    ],
)
def test_it_reproduces_the_worked_examples_with_the_linear_method(
    direction, v0, vt, latest, progress, pace, status
):
    result = plan(direction, v0, vt, [(2024, latest)], method="linear")

    assert result.progress == D(progress)
    assert result.expected == D("0.5")
    assert result.pace == D(pace)
    assert result.status == status
    assert result.latest_year == 2024
    assert result.latest_value == D(latest)


@pytest.mark.parametrize(
    ("direction", "v0", "vt", "latest", "pace", "status"),
    [
        pytest.param(*example.values, pace, status, id=example.id)
        for example, pace, status in zip(
            WORKED_EXAMPLES,
            # (7/9)^(1/3) - 1 = -0.080358 against |(5/9)^(1/6) - 1| = 0.093318, and so on.
            ["0.861119", "0.712454", "0.263895", "-0.383033"],
            [
                ProgressStatus.MODERATE_PROGRESS,
                ProgressStatus.MODERATE_PROGRESS,
                ProgressStatus.LIMITED_PROGRESS,
                ProgressStatus.DETERIORATION,
            ],
            strict=True,
        )
    ],
)
def test_it_reproduces_the_worked_examples_with_the_cagr_method(
    direction, v0, vt, latest, pace, status
):
    result = plan(direction, v0, vt, [(2024, latest)], method="cagr")

    by_hand = cagr_pace(direction, float(v0), float(latest), float(vt), 3, 6)
    assert float(result.pace) == pytest.approx(by_hand, abs=1e-6)
    assert result.pace == D(pace)
    assert result.status == status


@pytest.mark.parametrize("method", METHODS)
def test_it_reports_progress_and_expected_independently_of_the_method(method):
    result = plan("increase", "1.85", "2.30", [(2024, "2.00")], method=method)

    assert (result.progress, result.expected) == (D("0.333333"), D("0.5"))


@pytest.mark.parametrize(
    ("method", "pace"),
    [
        ("linear", D("4.5")),
        # One year elapsed, so the achieved rate is simply 6/9 - 1.
        ("cagr", D(str(round(cagr_pace("decrease", 9, 6, 5, 1, 6), 6)))),
    ],
)
def test_it_assesses_the_busan_rank_seed_data(method, pace):
    result = assess(
        direction="decrease",
        baseline=(2021, D(9)),
        target=(2027, D(5)),
        observations=[
            (2015, D(11)),
            (2016, D(9)),
            (2017, D(8)),
            (2018, D(7)),
            (2019, D(5)),
            (2021, D(9)),
            (2022, D(6)),
        ],
        method=method,
    )

    assert result == Assessment(
        status=ProgressStatus.SUBSTANTIAL_PROGRESS,
        progress=D("0.75"),
        expected=D("0.166667"),
        pace=pace,
        latest_year=2022,
        latest_value=D(6),
        forecast_value=D(-9),
        forecast_year_reached=2023,
    )


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "observations",
    [
        pytest.param([], id="no-values"),
        pytest.param([(2018, "8"), (2019, "5")], id="only-before-baseline"),
        pytest.param([(2019, "5"), (2021, "9")], id="only-up-to-baseline-year"),
    ],
)
def test_it_reports_not_available_when_no_value_follows_the_baseline(observations, method):
    result = plan("decrease", "9", "5", observations, method=method)

    assert result == Assessment(
        ProgressStatus.NOT_AVAILABLE, None, None, None, None, None, None, None
    )


def test_it_ignores_values_before_the_baseline_even_when_they_met_the_target():
    result = plan("decrease", "9", "5", [(2019, "5"), (2023, "8")])

    assert (result.latest_year, result.pace) == (2023, D("0.75"))
    assert result.status == ProgressStatus.MODERATE_PROGRESS


@pytest.mark.parametrize(
    ("direction", "v0", "vt", "year", "value", "expected", "pace", "status", "forecast"),
    [
        (
            "increase",
            "10",
            "20",
            2022,
            "12",
            "0.166667",
            "1.2",
            ProgressStatus.SUBSTANTIAL_PROGRESS,
            "22",
        ),
        (
            "increase",
            "10",
            "20",
            2023,
            "11",
            "0.333333",
            "0.3",
            ProgressStatus.LIMITED_PROGRESS,
            "13",
        ),
        (
            "decrease",
            "50",
            "20",
            2026,
            "30",
            "0.833333",
            "0.8",
            ProgressStatus.MODERATE_PROGRESS,
            "26",
        ),
        (
            "decrease",
            "50",
            "20",
            2022,
            "51",
            "0.166667",
            "-0.2",
            ProgressStatus.DETERIORATION,
            "56",
        ),
    ],
)
def test_it_assesses_a_single_value_after_the_baseline(
    direction, v0, vt, year, value, expected, pace, status, forecast
):
    result = plan(direction, v0, vt, [(year, value)])

    assert result.latest_year == year
    assert result.expected == D(expected)
    assert result.pace == D(pace)
    assert result.status == status
    assert result.forecast_value == D(forecast)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    ("direction", "latest", "status"),
    [
        ("increase", "100", ProgressStatus.TARGET_ACHIEVED),
        ("increase", "101", ProgressStatus.TARGET_ACHIEVED),
        ("increase", "99", ProgressStatus.DETERIORATION),
        ("decrease", "100", ProgressStatus.TARGET_ACHIEVED),
        ("decrease", "99", ProgressStatus.TARGET_ACHIEVED),
        ("decrease", "101", ProgressStatus.DETERIORATION),
    ],
)
def test_it_judges_maintain_targets_as_met_or_deteriorating(direction, latest, status, method):
    result = plan(direction, "100", "100", [(2024, latest)], method=method)

    assert result.status == status
    assert result.progress is None
    assert result.pace is None
    assert result.expected == D("0.5")


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    ("direction", "v0", "vt", "latest", "progress"),
    [
        ("increase", "1.85", "2.30", "2.30", "1"),
        ("increase", "1.85", "2.30", "2.75", "2"),
        ("decrease", "9", "5", "5", "1"),
        ("decrease", "9", "5", "3", "1.5"),
    ],
)
def test_it_reports_target_achieved_when_the_target_is_reached_or_overshot(
    direction, v0, vt, latest, progress, method
):
    result = plan(direction, v0, vt, [(2022, latest)], method=method)

    assert result.status == ProgressStatus.TARGET_ACHIEVED
    assert result.progress == D(progress)


@pytest.mark.parametrize(
    ("year", "value", "progress", "status"),
    [
        (2027, "16", "0.6", ProgressStatus.MODERATE_PROGRESS),
        (2029, "16", "0.6", ProgressStatus.MODERATE_PROGRESS),
        (2030, "19.5", "0.95", ProgressStatus.SUBSTANTIAL_PROGRESS),
        (2031, "12", "0.2", ProgressStatus.LIMITED_PROGRESS),
    ],
)
def test_it_clamps_expected_to_one_for_values_after_the_target_year(year, value, progress, status):
    result = plan("increase", "10", "20", [(2024, "15"), (year, value)])

    assert result.latest_year == year
    assert result.expected == D(1)
    assert result.progress == D(progress)
    assert result.pace == result.progress
    assert result.status == status


@pytest.mark.parametrize(
    ("direction", "v0", "vt", "latest"),
    [
        pytest.param("increase", "-100", "200", "50", id="negative-baseline-crossing-zero"),
        pytest.param("increase", "-100", "-20", "-60", id="all-negative"),
        pytest.param("increase", "0", "10", "4", id="zero-baseline"),
        pytest.param("decrease", "10", "0", "6", id="zero-target"),
        pytest.param("decrease", "10", "-10", "-2", id="target-below-zero"),
        pytest.param("decrease", "4", "1", "0", id="zero-latest-overshoot"),
        pytest.param("increase", "5", "20", "-3", id="latest-below-zero"),
    ],
)
def test_the_cagr_method_falls_back_to_linear_pace_unless_all_values_are_positive(
    direction, v0, vt, latest
):
    linear = plan(direction, v0, vt, [(2024, latest)], method="linear")
    cagr = plan(direction, v0, vt, [(2024, latest)], method="cagr")

    assert cagr.pace == linear.pace
    assert cagr == linear


def test_the_cagr_method_falls_back_to_linear_pace_when_the_target_year_is_not_after_baseline():
    observations = [(2024, D(7))]
    kwargs = dict(direction="decrease", baseline=(2021, D(9)), target=(2021, D(5)))

    cagr = assess(**kwargs, observations=observations, method="cagr")
    linear = assess(**kwargs, observations=observations, method="linear")

    assert cagr == linear
    assert cagr.expected == D(1)
    assert cagr.pace == D("0.5")


@pytest.mark.parametrize(
    ("direction", "v0", "vt", "observations", "forecast_value", "year_reached"),
    [
        pytest.param(
            "decrease", "9", "5", [(2024, "7")], "5", 2027, id="crossing-exactly-on-target-year"
        ),
        pytest.param("decrease", "9", "5", [(2022, "6")], "-9", 2023, id="busan-two-point-line"),
        pytest.param(
            "increase", "10", "20", [(2023, "13")], "19", 2028, id="crossing-after-target-year"
        ),
        pytest.param(
            "increase",
            "10",
            "20",
            [(2022, "11"), (2023, "13"), (2024, "16")],
            # OLS through (2021,10),(2022,11),(2023,13),(2024,16): slope 2, line(2021) = 9.5.
            "21.5",
            2027,
            id="least-squares-through-four-points",
        ),
        pytest.param(
            "increase",
            "1",
            "2",
            [(2022, "1"), (2023, "2"), (2024, "2")],
            # slope 0.4 through (2022.5, 1.5): crosses 2 at 2023.75, so 2024.
            "3.3",
            2024,
            id="least-squares-crossing-between-years",
        ),
        pytest.param(
            "increase",
            "10",
            "20",
            [(2022, "30"), (2023, "20")],
            # slope 5, line(2021) = 15 ... the line crosses 20 at 2022 exactly.
            "45",
            2022,
            id="least-squares-not-through-the-baseline",
        ),
        pytest.param(
            "increase",
            "20",
            "20",
            [(2023, "20"), (2025, "20")],
            "20",
            2021,
            id="flat-line-already-on-a-maintain-target",
        ),
        pytest.param(
            "increase", "10", "20", [(2024, "10")], "10", None, id="flat-line-below-target"
        ),
        pytest.param("decrease", "9", "5", [(2024, "10")], "11", None, id="moving-away-rank"),
        pytest.param("increase", "10", "20", [(2023, "8")], "4", None, id="moving-away-share"),
    ],
)
def test_it_forecasts_the_value_at_the_target_year_and_the_year_the_target_is_reached(
    direction, v0, vt, observations, forecast_value, year_reached
):
    result = plan(direction, v0, vt, observations)

    assert result.forecast_value == D(forecast_value)
    assert result.forecast_year_reached == year_reached


@pytest.mark.parametrize(
    ("direction", "v0", "vt", "observations", "year_reached"),
    [
        # The OLS line through (2021,25),(2022,21),(2023,17) is 25 - 4t: already above 20 at 2021.
        pytest.param("increase", "25", "20", [(2022, "21"), (2023, "17")], 2021, id="increase"),
        pytest.param("decrease", "3", "5", [(2023, "4")], 2021, id="decrease"),
    ],
)
def test_it_reports_the_baseline_year_when_the_line_already_meets_the_target_there(
    direction, v0, vt, observations, year_reached
):
    result = plan(direction, v0, vt, observations)

    assert result.forecast_year_reached == year_reached


def test_it_leaves_pre_baseline_values_out_of_the_forecast():
    with_history = plan("decrease", "9", "5", [(2015, "30"), (2018, "1"), (2022, "6")])
    without_history = plan("decrease", "9", "5", [(2022, "6")])

    assert with_history.forecast_value == without_history.forecast_value == D(-9)
    assert with_history.forecast_year_reached == without_history.forecast_year_reached == 2023


@pytest.mark.parametrize(
    "observations",
    [
        pytest.param([(2022, "6"), (2024, "7"), (2023, "8")], id="latest-in-the-middle"),
        pytest.param([(2024, "7"), (2023, "8"), (2022, "6")], id="latest-first"),
        pytest.param([(2023, "8"), (2022, "6"), (2024, "7")], id="latest-last"),
    ],
)
def test_it_picks_the_latest_observation_by_greatest_year_not_list_order(observations):
    result = plan("decrease", "9", "5", observations)

    assert (result.latest_year, result.latest_value) == (2024, D(7))
    assert result.progress == D("0.5")


def test_it_uses_the_last_pair_given_when_a_year_is_duplicated():
    result = plan("decrease", "9", "5", [(2024, "8"), (2024, "7")])

    assert result.latest_value == D(7)


def test_it_accepts_any_iterable_of_observations():
    pairs = {2022: D(6), 2023: D(7)}

    result = assess(
        direction="decrease",
        baseline=(2021, D(9)),
        target=(2027, D(5)),
        observations=pairs.items(),
    )

    assert result.latest_year == 2023


@pytest.mark.parametrize(
    ("v0", "vt", "latest"),
    [
        pytest.param(9, 5, 7, id="int"),
        pytest.param(9.0, 5.0, 7.0, id="float"),
        pytest.param(D("9.00"), D("5.0"), D("7"), id="decimal-with-trailing-zeros"),
    ],
)
def test_it_accepts_ints_and_floats_as_well_as_decimals(v0, vt, latest):
    result = assess(
        direction="decrease",
        baseline=(2021, v0),
        target=(2027, vt),
        observations=[(2024, latest)],
    )

    assert isinstance(result.latest_value, Decimal)
    assert (result.progress, result.pace, result.status) == (
        D("0.5"),
        D(1),
        ProgressStatus.SUBSTANTIAL_PROGRESS,
    )


def test_it_reads_floats_through_their_decimal_text():
    result = assess(
        direction="increase", baseline=(2021, 0.1), target=(2027, 0.3), observations=[(2024, 0.2)]
    )

    assert result.latest_value == D("0.2")
    assert result.pace == D(1)


@pytest.mark.parametrize(
    ("baseline", "target", "observations", "error"),
    [
        pytest.param((2021, "9"), (2027, D(5)), [], TypeError, id="text-value"),
        pytest.param((2021, D(9)), (2027, True), [], TypeError, id="bool-value"),
        pytest.param((2021, D(9)), (2027, D(5)), [(2024, None)], TypeError, id="missing-value"),
        pytest.param((2021.0, D(9)), (2027, D(5)), [], TypeError, id="float-year"),
        pytest.param((2021, D("NaN")), (2027, D(5)), [], ValueError, id="nan-value"),
        pytest.param((2021, D(9)), (2027, float("inf")), [], ValueError, id="infinite-value"),
    ],
)
def test_it_rejects_values_and_years_that_are_not_numbers(baseline, target, observations, error):
    with pytest.raises(error):
        assess(direction="decrease", baseline=baseline, target=target, observations=observations)


@pytest.mark.parametrize(
    ("direction", "method", "message"),
    [
        ("up", "linear", "direction"),
        ("Increase", "linear", "direction"),
        ("", "linear", "direction"),
        ("increase", "geometric", "method"),
        ("increase", "CAGR", "method"),
        ("increase", None, "method"),
    ],
)
def test_it_rejects_an_unknown_direction_or_method(direction, method, message):
    with pytest.raises(ValueError, match=message):
        assess(
            direction=direction,
            baseline=(2021, D(1)),
            target=(2027, D(2)),
            observations=[],
            method=method,
        )


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(Assessment)])
def test_an_assessment_cannot_be_changed_after_it_is_made(field):
    result = plan("decrease", "9", "5", [(2024, "7")])

    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(result, field, None)


def test_an_assessment_lists_its_fields_in_the_documented_order():
    assert [f.name for f in dataclasses.fields(Assessment)] == [
        "status",
        "progress",
        "expected",
        "pace",
        "latest_year",
        "latest_value",
        "forecast_value",
        "forecast_year_reached",
    ]


@pytest.mark.parametrize(
    ("pace", "status"),
    [
        ("4.5", ProgressStatus.SUBSTANTIAL_PROGRESS),
        ("0.95", ProgressStatus.SUBSTANTIAL_PROGRESS),
        ("0.949999", ProgressStatus.MODERATE_PROGRESS),
        ("0.6", ProgressStatus.MODERATE_PROGRESS),
        ("0.599999", ProgressStatus.LIMITED_PROGRESS),
        ("0", ProgressStatus.LIMITED_PROGRESS),
        ("-0.000001", ProgressStatus.DETERIORATION),
        ("-3", ProgressStatus.DETERIORATION),
    ],
)
def test_it_places_a_pace_in_its_band_with_inclusive_lower_bounds(pace, status):
    assert classify(D(pace)) == status


@pytest.mark.parametrize(
    ("latest", "pace", "status"),
    [
        # Six-place rounding, half to even: 0.9499995 -> 0.950000, 0.9499994 -> 0.949999.
        ("0.9499995", "0.95", ProgressStatus.SUBSTANTIAL_PROGRESS),
        ("0.9499994", "0.949999", ProgressStatus.MODERATE_PROGRESS),
        ("0.5999995", "0.6", ProgressStatus.MODERATE_PROGRESS),
        ("-0.0000004", "0", ProgressStatus.LIMITED_PROGRESS),
    ],
)
def test_it_decides_the_status_on_the_pace_as_reported(latest, pace, status):
    result = plan("increase", "0", "1", [(TARGET_YEAR, latest)])

    assert result.pace == D(pace)
    assert result.status == status


@pytest.mark.parametrize("method", METHODS)
def test_it_rounds_reported_figures_to_six_decimal_places(method):
    result = plan("increase", "1.85", "2.30", [(2024, "2.00")], method=method)

    for figure in (result.progress, result.expected, result.pace, result.forecast_value):
        assert figure.as_tuple().exponent == -6
    assert result.latest_value.as_tuple().exponent == -2


def test_it_exposes_statuses_and_thresholds_for_display():
    assert STATUSES == (
        "not_available",
        "target_achieved",
        "substantial_progress",
        "moderate_progress",
        "limited_progress",
        "deterioration",
    )
    assert (SUBSTANTIAL, MODERATE, LIMITED) == (D("0.95"), D("0.6"), D("0"))


def test_the_forecast_line_passes_through_the_forecast_value_at_the_target_year():
    baseline, observations = (2021, Decimal("9")), [(2015, Decimal("11")), (2022, Decimal("6"))]
    result = assess(
        direction="decrease",
        baseline=baseline,
        target=(2027, Decimal("5")),
        observations=observations,
    )
    line = forecast_line(baseline=baseline, observations=observations, years=[2021, 2024, 2027])
    assert line == [(2021, Decimal("9")), (2024, Decimal("0")), (2027, result.forecast_value)]


def test_the_forecast_line_is_empty_without_a_value_after_the_baseline():
    line = forecast_line(baseline=(2021, 9), observations=[(2019, 5)], years=[2021, 2027])
    assert line == []

"""Properties of indicators.progress.assess that must hold for every input (hypothesis).

The expected figures are worked out here from the methodology (docs/methodology.md) with exact
fractions (and, for CAGR, a separate high-precision logarithm), never through progress.py's
helpers, so a slip in the module cannot hide behind the same slip in the test.
"""

import math
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from indicators.progress import (
    STATUSES,
    Assessment,
    ProgressStatus,
    _cagr_pace,
    assess,
    forecast_line,
)

D = Decimal

# Deterministic in CI, and the whole file well under 20 s.
PROPERTY = settings(
    max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)

# Lower bounds of the pace bands, as docs/methodology.md states them (not the module's constants).
BANDS = [
    (D("0.95"), "substantial_progress"),
    (D("0.6"), "moderate_progress"),
    (D("0"), "limited_progress"),
]
# Better statuses rank higher; not_available has no place on the scale.
RANK = {
    "deterioration": 0,
    "limited_progress": 1,
    "moderate_progress": 2,
    "substantial_progress": 3,
    "target_achieved": 4,
}
SIX_PLACES = -6
# Decimal arithmetic that neither rounds nor overflows, for the test's own rounding.
UNBOUNDED = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)


# --- Inputs ---------------------------------------------------------------------------------

# What the database holds: 14 digits before and 6 after the point (services.parse_value).
stored_values = st.integers(0, 6).flatmap(
    lambda places: st.decimals(
        min_value=D("-99999999999999.999999"),
        max_value=D("99999999999999.999999"),
        places=places,
    )
)
# Far beyond that: up to 30 significant digits at any exponent from 10^-2500 to 10^2500, so
# that quotients run past 4,300 digits (Python's int/str conversion limit).
extreme_decimals = st.builds(
    lambda negative, digits, exponent: Decimal((negative, digits, exponent)),
    st.booleans(),
    st.lists(st.integers(0, 9), min_size=1, max_size=30).map(tuple),
    st.integers(-2500, 2500),
)
finite_floats = st.floats(allow_nan=False, allow_infinity=False)
whole_numbers = st.integers(-(10**30), 10**30)
small_values = st.sampled_from([D(0), D("-0"), D(1), D(-1), D("0.000001"), D(5), D(9), D(17)])

any_value = st.one_of(stored_values, extreme_decimals, finite_floats, whole_numbers, small_values)
positive_stored = st.integers(0, 6).flatmap(
    lambda places: st.decimals(
        min_value=D("0.000001"), max_value=D("99999999999999.999999"), places=places
    )
)

plan_years = st.integers(2010, 2040)
any_year = st.one_of(plan_years, st.integers(-(10**6), 10**6))
directions = st.sampled_from(["increase", "decrease"])
methods = st.sampled_from(["linear", "cagr"])


def observations_of(values, years=any_year, max_size=6):
    # Duplicated years on purpose: the last pair given for a year must win.
    return st.lists(st.tuples(years, values), max_size=max_size)


# --- The methodology, worked out independently ---------------------------------------------


def exact(value) -> Fraction:
    """The number a KPI value stands for: floats are read through their shortest decimal text."""
    if isinstance(value, float):
        return Fraction(D(repr(value)))
    return Fraction(value)


def six_places(value: Fraction) -> Decimal:
    """Round half to even at the sixth decimal place, exactly."""
    scaled = value * 10**6
    whole = math.floor(scaled)
    rest = scaled - whole
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and whole % 2):
        whole += 1
    return D(whole).scaleb(SIX_PLACES, context=UNBOUNDED)


def band(pace: Decimal) -> str:
    for lower, status in BANDS:
        if pace >= lower:
            return status
    return "deterioration"


def latest_of(base_year, observations):
    """The pair of the greatest year after the baseline; the last one given for that year."""
    latest = None
    for year, value in observations:
        if year > base_year and (latest is None or year >= latest[0]):
            latest = (year, value)
    return latest


def meets(direction, value: Fraction, target: Fraction) -> bool:
    return value >= target if direction == "increase" else value <= target


def expected_share(base_year, target_year, latest_year) -> Fraction:
    if target_year <= base_year:
        return Fraction(1)
    return min(max(Fraction(latest_year - base_year, target_year - base_year), Fraction(0)), 1)


def cagr_applies(v0, latest, vt, years_elapsed, years_planned) -> bool:
    return min(v0, latest, vt) > 0 and years_elapsed > 0 and years_planned > 0


def cagr_pace(direction, v0, latest, vt, years_elapsed, years_planned) -> Decimal | None:
    """Open SDG's achieved/required growth ratio through ln and exp at 80 digits (the module
    uses Decimal's power); None when the required rate is zero."""
    with localcontext() as ctx:
        ctx.prec = 80
        v0, latest, vt = (D(x.numerator) / D(x.denominator) for x in (v0, latest, vt))
        achieved = ((latest / v0).ln() / years_elapsed).exp() - 1
        required = ((vt / v0).ln() / years_planned).exp() - 1
        if required == 0:
            return None
        sign = 1 if direction == "increase" else -1
        return sign * achieved / abs(required)


def ols(points):
    """Least-squares slope and intercept through exact points, from the normal equations."""
    n = len(points)
    sx = sum(x for x, _ in points)
    sy = sum(y for _, y in points)
    sxx = sum(x * x for x, _ in points)
    sxy = sum(x * y for x, y in points)
    slope = Fraction(n * sxy - sx * sy, n * sxx - sx * sx)
    return slope, Fraction(sy - slope * sx, n)


# --- Properties -----------------------------------------------------------------------------


@PROPERTY
@given(
    direction=directions,
    method=methods,
    baseline=st.tuples(any_year, any_value),
    target=st.tuples(any_year, any_value),
    observations=observations_of(any_value),
)
@example(
    # A target 10^-5000 away from the baseline: progress has over 4,300 digits.
    direction="increase",
    method="linear",
    baseline=(2021, D(0)),
    target=(2027, D("1E-5000")),
    observations=[(2024, D(1))],
)
def test_any_finite_input_gives_a_well_formed_assessment(
    direction, method, baseline, target, observations
):
    result = assess(
        direction=direction,
        baseline=baseline,
        target=target,
        observations=observations,
        method=method,
    )

    assert isinstance(result, Assessment)
    assert result.status in STATUSES
    latest = latest_of(baseline[0], observations)
    if latest is None:
        assert result == Assessment(
            ProgressStatus.NOT_AVAILABLE, None, None, None, None, None, None, None
        )
        return
    v0, vt = exact(baseline[1]), exact(target[1])
    assert result.status != ProgressStatus.NOT_AVAILABLE
    assert result.latest_year == latest[0]
    assert isinstance(result.latest_value, Decimal)
    assert exact(result.latest_value) == exact(latest[1])
    assert D(0) <= result.expected <= D(1)
    # Progress and pace are empty exactly for a "maintain" target.
    assert (result.progress is None) == (result.pace is None) == (v0 == vt)
    for figure in (result.progress, result.expected, result.pace, result.forecast_value):
        if figure is not None:
            assert isinstance(figure, Decimal) and figure.is_finite()
            assert figure.as_tuple().exponent == SIX_PLACES
    assert result.forecast_value is not None
    reached = result.forecast_year_reached
    assert reached is None or (isinstance(reached, int) and reached >= baseline[0])


@PROPERTY
@given(
    direction=directions,
    method=methods,
    baseline=st.tuples(any_year, any_value),
    target=st.tuples(any_year, any_value),
    observations=observations_of(any_value),
)
def test_the_status_follows_the_documented_rules_and_pace_bands(
    direction, method, baseline, target, observations
):
    result = assess(
        direction=direction,
        baseline=baseline,
        target=target,
        observations=observations,
        method=method,
    )

    latest = latest_of(baseline[0], observations)
    if latest is None:
        assert result.status == ProgressStatus.NOT_AVAILABLE
        return
    v0, vt, value = exact(baseline[1]), exact(target[1]), exact(latest[1])
    if meets(direction, value, vt):
        assert result.status == ProgressStatus.TARGET_ACHIEVED
    elif v0 == vt:
        assert result.status == ProgressStatus.DETERIORATION
    else:
        assert result.status == band(result.pace)


@st.composite
def paces_near_a_band_edge(draw):
    """A linear KPI whose latest value puts the pace within a few millionths of a band edge."""
    edge = draw(st.sampled_from([D("0.95"), D("0.6"), D("0"), D(1)]))
    pace = edge + draw(st.integers(-3, 3)) * D("0.000001") + draw(st.sampled_from([0, D("5E-7")]))
    direction = draw(directions)
    v0 = draw(st.integers(-1000, 1000))
    gap = draw(st.integers(1, 1000)) * (1 if direction == "increase" else -1)
    base_year = draw(plan_years)
    planned = draw(st.integers(1, 10))
    elapsed = draw(st.integers(1, planned + 2))
    expected = min(Fraction(elapsed, planned), 1)
    exact_latest = v0 + gap * Fraction(pace) * expected
    # The value as a decimal of 12 places: the pace moves by far less than its sixth place.
    value = D(round(exact_latest * 10**12)).scaleb(-12)
    return (
        direction,
        (base_year, D(v0)),
        (base_year + planned, D(v0 + gap)),
        (base_year + elapsed, value),
    )


@PROPERTY
@given(kpi=paces_near_a_band_edge())
def test_a_pace_near_a_band_edge_is_judged_on_the_reported_pace(kpi):
    direction, baseline, target, latest = kpi
    result = assess(direction=direction, baseline=baseline, target=target, observations=[latest])

    v0, vt, value = exact(baseline[1]), exact(target[1]), exact(latest[1])
    expected = expected_share(baseline[0], target[0], latest[0])
    assert result.pace == six_places((value - v0) / (vt - v0) / expected)
    if meets(direction, value, vt):
        assert result.status == ProgressStatus.TARGET_ACHIEVED
    else:
        assert result.status == band(result.pace)


@PROPERTY
@given(
    direction=directions,
    method=methods,
    baseline=st.tuples(any_year, any_value),
    target=st.tuples(any_year, any_value),
    observations=observations_of(any_value).filter(bool),
)
def test_progress_and_expected_are_the_documented_exact_shares(
    direction, method, baseline, target, observations
):
    result = assess(
        direction=direction,
        baseline=baseline,
        target=target,
        observations=observations,
        method=method,
    )

    latest = latest_of(baseline[0], observations)
    if latest is None:
        return
    v0, vt, value = exact(baseline[1]), exact(target[1]), exact(latest[1])
    expected = expected_share(baseline[0], target[0], latest[0])
    assert result.expected == six_places(expected)
    if v0 != vt:
        progress = (value - v0) / (vt - v0)
        assert result.progress == six_places(progress)
        linear = method == "linear" or not cagr_applies(
            v0, value, vt, latest[0] - baseline[0], target[0] - baseline[0]
        )
        if linear:
            assert result.pace == six_places(progress / expected)


@st.composite
def stored_targets(draw, v0):
    """Any stored value, or one a few millionths from the baseline: the hardest for CAGR, as
    the required rate is then about 10^-22 and the pace some 10^21."""
    near = v0 + draw(st.integers(-3, 3).filter(bool)) * D("0.000001")
    return draw(st.one_of(positive_stored, st.just(near))) if near > 0 else draw(positive_stored)


@PROPERTY
@given(
    direction=directions,
    baseline=positive_stored.flatmap(lambda v0: st.tuples(st.just(v0), stored_targets(v0))),
    latest=positive_stored,
    base_year=plan_years,
    years_elapsed=st.integers(1, 30),
    years_planned=st.integers(1, 60),
)
def test_the_cagr_pace_is_the_ratio_of_achieved_to_required_growth(
    direction, baseline, latest, base_year, years_elapsed, years_planned
):
    v0, vt = baseline
    result = assess(
        direction=direction,
        baseline=(base_year, v0),
        target=(base_year + years_planned, vt),
        observations=[(base_year + years_elapsed, latest)],
        method="cagr",
    )

    by_hand = cagr_pace(
        direction, exact(v0), exact(latest), exact(vt), years_elapsed, years_planned
    )
    if by_hand is None:  # a "maintain" target: no pace at all
        assert result.pace is None
        return
    # The sixth decimal place is right for every value the database can hold, unless the
    # exact pace is within a hair of a rounding tie (the reference is itself an 80-digit one).
    rounded = six_places(Fraction(by_hand))
    if abs(abs(by_hand - rounded) - D("0.0000005")) > D("1E-40"):
        assert result.pace == rounded
    else:
        assert abs(result.pace - rounded) <= D("0.000001")


@PROPERTY
@given(
    direction=directions,
    baseline=st.tuples(any_year, any_value),
    target=st.tuples(any_year, any_value),
    observations=observations_of(any_value, max_size=4),
)
def test_cagr_falls_back_to_linear_unless_every_value_and_period_is_positive(
    direction, baseline, target, observations
):
    kwargs = dict(direction=direction, baseline=baseline, target=target, observations=observations)
    cagr, linear = assess(**kwargs, method="cagr"), assess(**kwargs, method="linear")

    # Only the pace, and the status that follows from it, may differ between the methods.
    assert (cagr.progress, cagr.expected, cagr.latest_year, cagr.latest_value) == (
        linear.progress,
        linear.expected,
        linear.latest_year,
        linear.latest_value,
    )
    assert (cagr.forecast_value, cagr.forecast_year_reached) == (
        linear.forecast_value,
        linear.forecast_year_reached,
    )
    latest = latest_of(baseline[0], observations)
    if latest is not None and not cagr_applies(
        exact(baseline[1]),
        exact(latest[1]),
        exact(target[1]),
        latest[0] - baseline[0],
        target[0] - baseline[0],
    ):
        assert cagr == linear


def kpi_with_two_latest_values(values):
    """A KPI, its earlier values, a latest year and two candidate values for that year."""

    @st.composite
    def build(draw):
        base_year = draw(plan_years)
        target_year = draw(st.one_of(st.integers(base_year + 1, base_year + 15), any_year))
        latest_year = draw(st.integers(base_year + 1, base_year + 20))
        earlier = draw(observations_of(values, years=st.integers(base_year - 5, latest_year - 1)))
        return (
            (base_year, draw(values)),
            (target_year, draw(values)),
            earlier,
            latest_year,
            draw(values),
            draw(values),
        )

    return build()


@PROPERTY
@given(
    direction=directions,
    method=methods,
    kpi=kpi_with_two_latest_values(st.one_of(stored_values, finite_floats, small_values)),
)
def test_progress_moves_with_the_latest_value_towards_the_target(direction, method, kpi):
    baseline, target, earlier, year, a, b = kpi
    low, high = sorted([a, b], key=exact)

    def run(value):
        return assess(
            direction=direction,
            baseline=baseline,
            target=target,
            observations=[*earlier, (year, value)],
            method=method,
        )

    at_low, at_high = run(low), run(high)

    v0, vt = exact(baseline[1]), exact(target[1])
    assert at_low.expected == at_high.expected
    if v0 == vt:
        # A "maintain" target: met or not, in the KPI's direction; nothing in between.
        for value, result in ((low, at_low), (high, at_high)):
            met = meets(direction, exact(value), vt)
            assert result.status == (
                ProgressStatus.TARGET_ACHIEVED if met else ProgressStatus.DETERIORATION
            )
        return
    # Whatever the direction, a value nearer the target side never has less progress.
    if vt > v0:
        assert at_low.progress <= at_high.progress
    else:
        assert at_low.progress >= at_high.progress
    towards_target = (vt > v0) == (direction == "increase")
    if not towards_target:
        return  # a target set against the KPI's own direction: see the note in the report
    better, worse = (at_high, at_low) if direction == "increase" else (at_low, at_high)
    # An "increase" KPI: a higher value never gives lower progress or a worse status;
    # a "decrease" KPI (a rank): a lower value never does.
    assert better.progress >= worse.progress
    if method == "linear":
        assert better.pace >= worse.pace
    elif exact(low) <= 0 < exact(high):
        # The methodology switches CAGR to the linear pace where a value is not positive, so the two
        # values are judged by different yardsticks and the status may step back: baseline 2,
        # target 8,000,002, a value of 0 has linear pace -0.0000005, reported (and judged) as
        # 0 = limited progress, while 1 has a growth pace of -0.00025 = deterioration.
        return
    assert RANK[better.status] >= RANK[worse.status]


@PROPERTY
@given(
    direction=directions,
    method=methods,
    baseline=st.tuples(plan_years, any_value),
    target=st.tuples(plan_years, any_value),
    observations=observations_of(any_value, years=plan_years),
    history=observations_of(any_value, years=st.integers(1990, 2040)),
    data=st.data(),
)
def test_values_up_to_the_baseline_year_and_the_order_of_years_do_not_matter(
    direction, method, baseline, target, observations, history, data
):
    kwargs = dict(direction=direction, baseline=baseline, target=target, method=method)
    result = assess(**kwargs, observations=observations)

    # Only the last pair given for each year counts...
    last_per_year = dict(observations)
    shuffled = data.draw(st.permutations(list(last_per_year.items())))
    assert assess(**kwargs, observations=shuffled) == result
    # ...and values in or before the baseline year are ignored, wherever they appear.
    old = [(year, value) for year, value in history if year <= baseline[0]]
    assert assess(**kwargs, observations=old + observations + old) == result


@PROPERTY
@given(
    direction=directions,
    baseline=st.tuples(plan_years, stored_values),
    target=st.tuples(plan_years, stored_values),
    observations=observations_of(st.one_of(stored_values, finite_floats), years=plan_years),
)
def test_an_int_float_or_decimal_of_the_same_number_gives_the_same_assessment(
    direction, baseline, target, observations
):
    def as_float(value):
        return float(value) if D(repr(float(value))) == value else value

    def as_decimal(value):
        return D(repr(value)) if isinstance(value, float) else value

    as_given = assess(
        direction=direction, baseline=baseline, target=target, observations=observations
    )
    as_decimals = assess(
        direction=direction,
        baseline=baseline,
        target=target,
        observations=[(y, as_decimal(v)) for y, v in observations],
    )
    as_floats = assess(
        direction=direction,
        baseline=(baseline[0], as_float(baseline[1])),
        target=(target[0], as_float(target[1])),
        observations=[(y, as_float(as_decimal(v))) for y, v in observations],
    )

    assert as_given == as_decimals
    # Decimals compare by value, so 2.5 given as a float equals Decimal("2.50").
    assert as_floats == as_decimals


@PROPERTY
@given(
    direction=directions,
    baseline=st.tuples(plan_years, stored_values),
    target=st.tuples(plan_years, stored_values),
    observations=observations_of(stored_values, years=plan_years).filter(bool),
)
def test_the_forecast_is_the_least_squares_line_and_the_first_year_it_meets_the_target(
    direction, baseline, target, observations
):
    result = assess(
        direction=direction, baseline=baseline, target=target, observations=observations
    )

    base_year = baseline[0]
    after = dict((y, v) for y, v in observations if y > base_year)
    if not after:
        assert result.forecast_value is None and result.forecast_year_reached is None
        return
    points = [(base_year, exact(baseline[1]))] + [(y, exact(v)) for y, v in after.items()]
    slope, intercept = ols(points)

    def line(year):
        return intercept + slope * year

    vt = exact(target[1])
    assert result.forecast_value == six_places(line(target[0]))
    reached = result.forecast_year_reached
    if reached is None:
        # Never reached: not there at the baseline, and flat or running away.
        assert not meets(direction, line(base_year), vt)
        assert slope == 0 or (slope > 0) != (direction == "increase")
    else:
        assert reached >= base_year
        assert meets(direction, line(reached), vt)
        assert reached == base_year or not meets(direction, line(reached - 1), vt)


@pytest.mark.parametrize("method", ["linear", "cagr"])
def test_the_helpers_of_this_file_agree_with_a_worked_example(method):
    # Guards the test's own arithmetic: the worked example 1.85 -> 2.30, 2.00 in 2024.
    assert six_places(Fraction(1, 3)) == D("0.333333")
    assert six_places(Fraction(2, 3)) == D("0.666667")
    assert six_places(Fraction(1, 4_000_000)) == D("0.000000")  # half to even: down
    assert six_places(Fraction(3, 2_000_000)) == D("0.000002")  # half to even: up
    assert band(D("0.949999")) == "moderate_progress" and band(D("-0.000001")) == "deterioration"
    result = assess(
        direction="increase",
        baseline=(2021, D("1.85")),
        target=(2027, D("2.30")),
        observations=[(2024, D("2.00"))],
        method=method,
    )
    assert result.progress == six_places(Fraction(15, 45))


# --- Regression examples for what the properties found ---------------------------------------


def test_a_year_given_twice_counts_once_in_the_forecast_too():
    # The latest value already took the last pair given for a year; the least-squares line
    # used to take both, so a corrected value still pulled the forecast (here 4 instead of -9).
    twice = [(2022, D(9)), (2022, D(6))]

    result = assess(direction="decrease", baseline=(2021, 9), target=(2027, 5), observations=twice)
    once = assess(
        direction="decrease", baseline=(2021, 9), target=(2027, 5), observations=twice[1:]
    )

    assert result == once
    assert (result.forecast_value, result.forecast_year_reached) == (D(-9), 2023)
    line = forecast_line(baseline=(2021, 9), observations=twice, years=[2027])
    assert line == [(2027, D(-9))]


def test_a_quotient_of_over_4300_digits_is_reported_not_refused():
    # A target 10^-5000 above the baseline: progress is 10^5000, which Python refuses to turn
    # into text; the figure used to be built from its text and raised ValueError.
    result = assess(
        direction="increase",
        baseline=(2021, D(0)),
        target=(2027, D("1E-5000")),
        observations=[(2024, D(1))],
    )

    assert result.status == ProgressStatus.TARGET_ACHIEVED
    assert result.progress == D("1E+5000")
    assert result.progress.as_tuple().exponent == SIX_PLACES


def test_a_growth_ratio_beyond_the_default_decimal_range_does_not_overflow():
    # (10^500000 / 10^-500000) exceeds Decimal's default exponent limit (10^999999); the CAGR
    # step raised decimal.Overflow. assess() itself is not run here: exact fractions of a
    # million digits take minutes, which no stored value (20 digits) comes near.
    pace = _cagr_pace(1, D("1E-500000"), D("1E+500000"), D("2E-500000"), 3, 6)

    assert pace > 10**333_000


def test_a_cagr_pace_of_near_equal_stored_values_is_right_to_the_sixth_place():
    # Baseline and target two millionths apart at 14 digits: the required rate is about
    # 10^-22 and the pace about 10^21. At 50 digits the sixth decimal place came out one off
    # (...192.463523) for about one such KPI in 60.
    result = assess(
        direction="increase",
        baseline=(2000, D("84481189948222.660211")),
        target=(2038, D("84481189948222.660213")),
        observations=[(2003, D("0.000001"))],
        method="cagr",
    )

    assert result.pace == D("-1605142243202263976192.463522")
    assert result.status == ProgressStatus.DETERIORATION

"""How far has a KPI moved towards its target, and is it on pace?

This module is plain Python (no Django) so that the method can be read, checked and tested on
its own. Every page that shows a progress status gets it from :func:`assess`.

Inputs
------
* the direction in which the indicator should move: ``"increase"`` or ``"decrease"``;
* the baseline: year ``b0`` and value ``v0``;
* the target: year ``t1`` and value ``vT``;
* the approved observations, as (year, value) pairs.

The *latest* observation is the one with the greatest year after ``b0``. Observations in or
before the baseline year are ignored (the baseline stands for them); observations after the
target year do count. If a year is given twice, the pair given last is used.

Measures
--------
progress
    Share of the gap between baseline and target that has been closed::

        progress = (latest - v0) / (vT - v0)

    It is 0 at the baseline and 1 at the target, may be negative (moved away from the target)
    or above 1 (overshot). The same formula serves both directions: a rank going 9 -> 7 against
    a target of 5 has progress (7 - 9) / (5 - 9) = 0.5. It is empty when ``vT == v0``.

expected
    Share of the plan period that has elapsed by the latest observation, kept between 0 and 1::

        expected = (latest_year - b0) / (t1 - b0)

    If the target year is not after the baseline year, expected is 1.

pace
    Actual progress compared with the progress expected by now.

    * ``method="linear"`` (default): ``pace = progress / expected``.
    * ``method="cagr"``: the yearly growth rate achieved compared with the yearly rate
      required, as Open SDG computes it::

          achieved = (latest / v0) ** (1 / (latest_year - b0)) - 1
          required = (vT / v0) ** (1 / (t1 - b0)) - 1
          pace     = d * achieved / |required|      (d = +1 for increase, -1 for decrease)

      Growth rates only make sense for positive numbers, so when ``v0``, the latest value or
      ``vT`` is zero or negative, or the target year is not after the baseline year, or the
      required rate is zero, the linear pace is used instead.

    A pace of 1 means "exactly on schedule".

ProgressStatus
------
Decided by the first rule that applies:

1. no observation after the baseline year -> ``not_available``;
2. latest value at or beyond the target in the indicator's direction (``latest >= vT`` for
   increase, ``latest <= vT`` for decrease) -> ``target_achieved``;
3. target equal to baseline (a "maintain" target) that is not met -> ``deterioration``;
4. pace >= 0.95 -> ``substantial_progress``;
5. pace >= 0.6 -> ``moderate_progress``;
6. pace >= 0 -> ``limited_progress``;
7. otherwise -> ``deterioration``.

Rules 4-7 use the pace as reported (rounded to 6 decimal places), so the status can be checked
against the figure on the page. Should the pace ever be missing at step 4 (the rules above
rule this out; the code guards anyway), the rounded progress is judged against the same bands
instead, which is the stricter reading because progress never exceeds progress / expected.

Forecast
--------
A straight line is fitted by ordinary least squares through the baseline point and the
approved observations after the baseline year (with one such observation it is simply the line
through the two points). ``forecast_value`` is that line at the target year.
``forecast_year_reached`` is the first whole year, from the baseline year on, in which the line
is at or beyond the target in the indicator's direction: the baseline year itself if the line
already meets the target there, otherwise the year the line crosses the target, rounded up. It
is empty when the line is flat or runs away from the target. The fit uses exact fractions, so a
line that meets the target exactly at a whole year reports that year.

Rounding and arithmetic
-----------------------
Values may be given as ``Decimal``, ``int`` or ``float`` (floats are read through their
shortest decimal text, so ``0.1`` means 0.1). Linear pace, progress, expected and the forecast
are computed exactly with fractions. The CAGR fractional powers are computed with ``Decimal``
at 100 significant digits: a baseline and a target that agree to 20 digits (what the database
stores: 14 before the point and 6 after) leave a required rate of about 10^-22, whose
quotient needs some 70 digits for its sixth decimal place to be right. Values agreeing to
still more digits may be off by one in that place. progress, expected, pace and
forecast_value are then rounded once, to 6 decimal places, half to even. latest_value is
returned exactly as given.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal, localcontext
from fractions import Fraction

__all__ = [
    "CAGR",
    "DECIMAL_PLACES",
    "DECREASE",
    "DIRECTIONS",
    "INCREASE",
    "LIMITED",
    "LINEAR",
    "METHODS",
    "MODERATE",
    "STATUSES",
    "SUBSTANTIAL",
    "Assessment",
    "ProgressStatus",
    "assess",
    "forecast_line",
    "classify",
]

INCREASE = "increase"
DECREASE = "decrease"
DIRECTIONS = (INCREASE, DECREASE)

LINEAR = "linear"
CAGR = "cagr"
METHODS = (LINEAR, CAGR)

# Lower bounds of the pace bands; pages show these next to the statuses.
SUBSTANTIAL = Decimal("0.95")
MODERATE = Decimal("0.6")
LIMITED = Decimal("0")

DECIMAL_PLACES = 6

# Headroom so the 6-place output never depends on the CAGR power's rounding (see above; 50
# digits got one pace in 60 wrong in the sixth place for near-equal 20-digit values).
_CAGR_PRECISION = 100
# Arithmetic that must neither round nor overflow, whatever the size of the numbers.
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)

Number = Decimal | int | float
YearValue = tuple[int, Number]


class ProgressStatus:
    """Status codes returned in :attr:`Assessment.status`."""

    NOT_AVAILABLE = "not_available"
    TARGET_ACHIEVED = "target_achieved"
    SUBSTANTIAL_PROGRESS = "substantial_progress"
    MODERATE_PROGRESS = "moderate_progress"
    LIMITED_PROGRESS = "limited_progress"
    DETERIORATION = "deterioration"


STATUSES = (
    ProgressStatus.NOT_AVAILABLE,
    ProgressStatus.TARGET_ACHIEVED,
    ProgressStatus.SUBSTANTIAL_PROGRESS,
    ProgressStatus.MODERATE_PROGRESS,
    ProgressStatus.LIMITED_PROGRESS,
    ProgressStatus.DETERIORATION,
)


@dataclass(frozen=True)
class Assessment:
    """Outcome of :func:`assess`; see the module docstring for what each field means."""

    status: str
    progress: Decimal | None
    expected: Decimal | None
    pace: Decimal | None
    latest_year: int | None
    latest_value: Decimal | None
    forecast_value: Decimal | None
    forecast_year_reached: int | None


def classify(pace: Decimal) -> str:
    """Return the progress band (substantial, moderate, limited, deterioration) for a pace."""
    if pace >= SUBSTANTIAL:
        return ProgressStatus.SUBSTANTIAL_PROGRESS
    if pace >= MODERATE:
        return ProgressStatus.MODERATE_PROGRESS
    if pace >= LIMITED:
        return ProgressStatus.LIMITED_PROGRESS
    return ProgressStatus.DETERIORATION


def assess(
    *,
    direction: str,
    baseline: YearValue,
    target: YearValue,
    observations: Iterable[YearValue],
    method: str = LINEAR,
) -> Assessment:
    """Assess a KPI's progress from baseline towards target using the method described above."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    sign = 1 if direction == INCREASE else -1

    base_year, base_value = _year(baseline[0]), _decimal(baseline[1])
    target_year, target_value = _year(target[0]), _decimal(target[1])
    after_baseline = _after(base_year, observations)
    if not after_baseline:
        return Assessment(ProgressStatus.NOT_AVAILABLE, None, None, None, None, None, None, None)

    latest_year, latest_value = max(after_baseline, key=lambda pair: pair[0])

    v0, vt, latest = Fraction(base_value), Fraction(target_value), Fraction(latest_value)
    progress = None if vt == v0 else (latest - v0) / (vt - v0)
    if target_year > base_year:
        elapsed = Fraction(latest_year - base_year, target_year - base_year)
        expected = min(max(elapsed, Fraction(0)), Fraction(1))
    else:
        expected = Fraction(1)

    pace = None
    if method == CAGR:
        pace = _cagr_pace(
            sign,
            base_value,
            latest_value,
            target_value,
            latest_year - base_year,
            target_year - base_year,
        )
    if pace is None and progress is not None and expected != 0:
        pace = progress / expected

    progress_out = _round(progress)
    pace_out = _round(pace)
    if sign * (latest - vt) >= 0:
        status = ProgressStatus.TARGET_ACHIEVED
    elif vt == v0:
        status = ProgressStatus.DETERIORATION
    elif pace_out is not None:
        status = classify(pace_out)
    else:
        # Unreachable by the rules above; progress alone is the stricter yardstick.
        status = (
            classify(progress_out) if progress_out is not None else ProgressStatus.NOT_AVAILABLE
        )

    points = [(Fraction(base_year), v0)] + [(Fraction(y), Fraction(v)) for y, v in after_baseline]
    forecast_value, forecast_year = _forecast(points, base_year, target_year, vt, sign)

    return Assessment(
        status=status,
        progress=progress_out,
        expected=_round(expected),
        pace=pace_out,
        latest_year=latest_year,
        latest_value=latest_value,
        forecast_value=_round(forecast_value),
        forecast_year_reached=forecast_year,
    )


def _cagr_pace(
    sign: int,
    v0: Decimal,
    latest: Decimal,
    vt: Decimal,
    years_elapsed: int,
    years_planned: int,
) -> Fraction | None:
    # None tells the caller to use the linear pace: growth rates need positive values and a
    # positive number of years, and a zero required rate cannot be divided by.
    if min(v0, latest, vt) <= 0 or years_elapsed <= 0 or years_planned <= 0:
        return None
    # The widest exponents: a ratio of two finite values may lie beyond the default range.
    with localcontext(prec=_CAGR_PRECISION, Emax=MAX_EMAX, Emin=MIN_EMIN):
        achieved = (latest / v0) ** (Decimal(1) / years_elapsed) - 1
        required = (vt / v0) ** (Decimal(1) / years_planned) - 1
        if required == 0:
            return None
        return Fraction(sign * achieved / abs(required))


def _forecast(
    points: list[tuple[Fraction, Fraction]],
    base_year: int,
    target_year: int,
    vt: Fraction,
    sign: int,
) -> tuple[Fraction, int | None]:
    line, slope = _fit(points)

    value_at_target = line(target_year)
    if sign * (line(base_year) - vt) >= 0:
        return value_at_target, base_year
    if sign * slope <= 0:
        return value_at_target, None
    crossing = base_year + (vt - line(base_year)) / slope
    return value_at_target, math.ceil(crossing)


def _fit(points: list[tuple[Fraction, Fraction]]):
    """Ordinary least squares: the fitted line (as a function) and its slope, exactly."""
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    # The baseline year is always below every other x, so sxx is never zero.
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in points)
    slope = sxy / sxx

    def line(x: Fraction | int) -> Fraction:
        return mean_y + slope * (x - mean_x)

    return line, slope


def forecast_line(
    *, baseline: YearValue, observations: Iterable[YearValue], years: Iterable[int]
) -> list[tuple[int, Decimal]]:
    """The forecast line of :func:`assess` at each of `years`, for drawing; [] without data."""
    base_year, base_value = _year(baseline[0]), _decimal(baseline[1])
    points = [(Fraction(base_year), Fraction(base_value))] + [
        (Fraction(y), Fraction(v)) for y, v in _after(base_year, observations)
    ]
    if len(points) < 2:
        return []
    line, _ = _fit(points)
    return [(year, _round(line(year))) for year in years]


def _after(base_year: int, observations: Iterable[YearValue]) -> list[tuple[int, Decimal]]:
    """The (year, value) pairs after the baseline year, one per year: the last one given."""
    by_year = {}
    for y, v in observations:
        year, value = _year(y), _decimal(v)
        if year > base_year:
            by_year[year] = value
    return list(by_year.items())


def _round(value: Fraction | None) -> Decimal | None:
    if value is None:
        return None
    # round() on a Fraction is exact and rounds half to even. Decimal(int) is exact too, and
    # scaleb() under an unbounded context neither rounds nor overflows: no 28-digit context
    # limit, and no text conversion (Python refuses ints of over 4,300 digits as text).
    scaled = round(value * 10**DECIMAL_PLACES)
    return Decimal(scaled).scaleb(-DECIMAL_PLACES, context=_EXACT)


def _decimal(value: Number) -> Decimal:
    if isinstance(value, bool):
        raise TypeError("a KPI value must be a number, not a bool")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | float):
        # str() first so a float such as 0.1 means 0.1, not its binary approximation.
        result = Decimal(str(value))
    else:
        raise TypeError(f"a KPI value must be Decimal, int or float, got {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"a KPI value must be finite, got {value!r}")
    return result


def _year(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"a year must be an int, got {value!r}")
    return value

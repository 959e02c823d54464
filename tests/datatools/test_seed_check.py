"""The seed's number check: the rulebook's digit rule (indicators/entry.py), the seed's words."""

from decimal import Decimal

import pytest

from datatools.seed_check import Checker
from indicators.models import MAX_DECIMALS, MAX_INTEGER_DIGITS

TOO_MANY = (
    f"has more than {MAX_INTEGER_DIGITS} digits before or {MAX_DECIMALS} after the decimal point"
)


def decimal(raw):
    check = Checker()
    return check.decimal("where", raw), check.problems


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (1.85, Decimal("1.85")),  # a YAML float becomes the decimal it was written as
        ("0.26", Decimal("0.26")),
        (" 42 ", Decimal("42")),
        (-3, Decimal("-3")),
        ("9" * MAX_INTEGER_DIGITS + "." + "9" * MAX_DECIMALS, Decimal("99999999999999.999999")),
    ],
)
def test_a_number_the_database_keeps_is_read_as_that_decimal(raw, value):
    assert decimal(raw) == (value, [])


@pytest.mark.parametrize(
    "raw",
    ["1" * (MAX_INTEGER_DIGITS + 1), "0.1234567", "1E+20", 10**15],
)
def test_more_digits_than_the_database_keeps_are_refused_in_the_seeds_words(raw):
    value, problems = decimal(raw)
    assert value is None
    assert problems == [f"where: {raw!r} {TOO_MANY}"]


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (None, "where: expected a number, found None"),
        (True, "where: expected a number, found True"),
        ("abc", "where: 'abc' is not a number"),
        ("NaN", "where: 'NaN' is not a finite number"),
        ("Infinity", "where: 'Infinity' is not a finite number"),
    ],
)
def test_what_is_not_a_number_is_named(raw, problem):
    assert decimal(raw) == (None, [problem])

"""The rulebook of an entered value (indicators/entry.py), and that every way in agrees with it.

`RULES` is the rulebook as a table: each row an entry a tired officer might make, with the
outcome the rulebook gives it (accepted, needs a note to be submitted, refused) and which rule
speaks. `test_every_way_in_gives_the_same_outcome_and_message` sends each row through the web
form, the year grid, the API and the spreadsheet import, in Korean and in English, and
requires the same outcome and the same messages from all four, equal to the rulebook's own.
"""

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from imports import services as import_services
from indicators import entry
from indicators.entry import ACCEPTED, NEEDS_NOTE, REFUSED
from indicators.models import Observation
from tests import factories

D = Decimal


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12345678901234", D("12345678901234")),
        ("-0.000001", D("-0.000001")),
        ("1,234.5", D("1234.5")),
        ("1,234,567", D("1234567")),
        (" 2.05 ", D("2.05")),
        ("1e3", D("1E+3")),
        ("000000000000000001", D("1")),
        ("2.0500000", D("2.05")),  # trailing zeros are not digits to keep
        ("１２", D("12")),  # full-width digits, as a Korean keyboard may type them
        ("２．０５", D("2.05")),
        ("−3.5", D("-3.5")),  # the minus sign of a word processor
        (7, D("7")),
        (D("2.05"), D("2.05")),
    ],
)
def test_values_within_the_limits_parse_exactly(text, expected):
    assert entry.parse_value(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("123456789012345", "too_many_digits"),
        ("1.1234567", "too_many_digits"),
        ("1e20", "too_many_digits"),
        ("1E14", "too_many_digits"),
        ("NaN", "not_a_number"),
        ("Infinity", "not_a_number"),
        ("abc", "not_a_number"),
        ("2.05%", "not_a_number"),
        ("9위", "not_a_number"),
        ("1 234", "not_a_number"),
        ("2,05", "ambiguous_grouping"),
        ("1.234,5", "ambiguous_grouping"),
        ("12,34", "ambiguous_grouping"),
        ("0,261", "ambiguous_grouping"),
        ("1,2345", "ambiguous_grouping"),
        ("", "required"),
        ("   ", "required"),
        (None, "required"),
    ],
)
def test_what_is_not_a_number_the_database_keeps_is_refused(text, code):
    with pytest.raises(entry.ValueRefused) as refused:
        entry.parse_value(text)
    assert refused.value.finding.code == code


def test_a_number_typed_with_its_unit_is_told_to_leave_the_unit_out():
    with translation.override("en"), pytest.raises(entry.ValueRefused) as refused:
        entry.parse_value("2.05%")
    assert "without its unit" in refused.value.finding.message


# --------------------------------------------------------------------------- the table


@pytest.fixture
def kpis(db):
    """Busan's three KPIs of the seed, and three more with the units it lacks."""

    def extra(key, unit, baseline, target):
        return factories.kpi("busan-2", key=key, unit=unit, baseline=baseline, target=target)

    return {
        # 9 → 5; approved 2015–2022 (mean about 7.9)
        "rank": factories.seed_kpi("busan-2", "rcostii_rank"),
        "pct": factories.seed_kpi("busan-2", "rnd_to_grdp_pct"),  # 1.85 → 2.3
        "index": factories.seed_kpi("busan-2", "se_talent_flow_index"),  # 0.26 → 0.30
        "persons": extra("rule_graduates", "persons", "7227", "8000"),
        "amount": extra("rule_budget", "krw_100m", "1200", "1500"),
        "points": extra("rule_score", "points", "60", "70"),
    }


@dataclass(frozen=True)
class Rule:
    id: str
    kpi: str
    value: str
    outcome: str
    codes: tuple = ()  # the rules that speak, refusals or flags
    year: int = 2025
    source: str = ""
    note: str = ""


RULES = [
    # ---- accepted
    Rule("plain", "pct", "2.05", ACCEPTED),
    Rule("full-width digits", "pct", "２．０５", ACCEPTED),
    Rule("thousands grouped", "persons", "7,300", ACCEPTED),
    Rule("grouped with decimals", "amount", "1,234.5", ACCEPTED),
    Rule("trailing zeros", "index", "0.2700000", ACCEPTED),
    Rule("a rank in line", "rank", "6", ACCEPTED, year=2023),
    Rule("this year", "pct", "2.1", ACCEPTED, year=2026),
    Rule("a web source", "pct", "2.05", ACCEPTED, source="https://kosis.kr/statHtml/x"),
    # ---- refused, whatever the note says
    Rule("not a number", "pct", "abc", REFUSED, ("not_a_number",), note="설명"),
    Rule("unit typed along", "pct", "2.05%", REFUSED, ("not_a_number",)),
    Rule("decimal comma", "pct", "2,05", REFUSED, ("ambiguous_grouping",), note="설명"),
    Rule("european grouping", "amount", "1.234,5", REFUSED, ("ambiguous_grouping",)),
    Rule("too many decimals", "index", "0.1234567", REFUSED, ("too_many_digits",)),
    Rule("too many digits", "amount", "123456789012345", REFUSED, ("too_many_digits",)),
    Rule("rank 0", "rank", "0", REFUSED, ("rank_range",), note="설명"),
    Rule("rank 25", "rank", "25", REFUSED, ("rank_range",)),
    Rule("rank 5.5", "rank", "5.5", REFUSED, ("rank_range",), note="설명"),
    Rule("share below 0", "pct", "-1", REFUSED, ("share_range",), note="설명"),
    Rule("share above 100", "pct", "101", REFUSED, ("share_range",)),
    Rule("negative persons", "persons", "-5", REFUSED, ("negative",)),
    Rule("half a person", "persons", "7300.5", REFUSED, ("not_whole",)),
    Rule("negative amount", "amount", "-1", REFUSED, ("negative",), note="설명"),
    Rule("the baseline year", "pct", "2.0", REFUSED, ("year_outside_plan",), year=2021),
    Rule("after the plan", "pct", "2.0", REFUSED, ("year_outside_plan",), year=2028),
    Rule("a year to come", "pct", "2.0", REFUSED, ("year_in_future",), year=2027),
    Rule("source not a web address", "pct", "2.0", REFUSED, ("source_not_url",), source="kosis"),
    Rule("a script as source", "pct", "2.0", REFUSED, ("source_not_url",), source="javascript:x"),
    Rule("note too long", "pct", "2.0", REFUSED, ("note_too_long",), note="가" * 5001),
    Rule("NUL in the note", "pct", "2.0", REFUSED, ("nul_character",), note="a\x00b"),
    # ---- saved as a draft, a note needed to submit
    Rule("decimal point slipped", "pct", "23", NEEDS_NOTE, ("implausible",)),
    Rule("index typed as percent", "index", "26", NEEDS_NOTE, ("implausible",)),
    Rule("a rank far from history", "rank", "17", NEEDS_NOTE, ("outlier",), year=2023),
    Rule("points below 0", "points", "-1", NEEDS_NOTE, ("soft_bounds", "implausible")),
    # ---- the same, explained
    Rule("slipped but explained", "pct", "23", ACCEPTED, ("implausible",), note="일회성 국비"),
    Rule("outlier explained", "rank", "17", ACCEPTED, ("outlier",), year=2023, note="새 방식"),
]


@dataclass
class Result:
    outcome: str
    messages: list[str]


def by_form(client, language, kpi, rule) -> Result:
    prefix = "" if language == "ko" else "/en"
    url = f"{prefix}/workspace/kpis/{kpi.pk}/{rule.year}/"
    response = client.post(
        url, {"action": "save", "value": rule.value, "source": rule.source, "note": rule.note}
    )
    if response.status_code == 302:
        flags = [f.message for f in client.get(url).context["page"].flags]
        return Result(NEEDS_NOTE if flags and not rule.note else ACCEPTED, flags)
    context = response.context
    refused = [m for ms in context.get("errors", {}).values() for m in ms]
    return Result(REFUSED, refused or list(context["general_errors"]))


def by_grid(client, language, kpi, rule) -> Result:
    prefix = "" if language == "ko" else "/en"
    url = f"{prefix}/workspace/?year={rule.year}"
    response = client.post(
        url,
        {
            "year": str(rule.year),
            "action": "save",
            f"value-{kpi.pk}": rule.value,
            f"source-{kpi.pk}": rule.source,
            f"note-{kpi.pk}": rule.note,
        },
    )
    if response.status_code == 302:
        [row] = [r for r in client.get(url).context["data"].rows if r.indicator.pk == kpi.pk]
        flags = [f.message for f in row.flags]
        return Result(NEEDS_NOTE if row.needs_note else ACCEPTED, flags)
    [row] = [r for r in response.context["data"].rows if r.indicator.pk == kpi.pk]
    return Result(REFUSED, row.errors)


def by_api(client, language, kpi, rule) -> Result:
    response = client.post(
        "/api/v1/observations/",
        {
            "indicator": kpi.pk,
            "year": rule.year,
            "value": rule.value,
            "source": rule.source,
            "note": rule.note,
        },
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    body = response.json()
    if response.status_code == 201:
        flags = [flag["message"] for flag in body["flags"]]
        return Result(NEEDS_NOTE if flags and not rule.note else ACCEPTED, flags)
    assert response.status_code == 400, body
    return Result(REFUSED, [m for ms in body["error"]["fields"].values() for m in ms])


def by_import(user, language, kpi, rule) -> Result:
    header = "plan,kpi,year,value,source,note\n"
    cells = [kpi.plan.key, kpi.key, str(rule.year), rule.value, rule.source, rule.note]
    line = ",".join(f'"{cell}"' for cell in cells) + "\n"
    with translation.override(language):
        batch = import_services.create_import(
            user=user, file_name="values.csv", content=(header + line).encode()
        )
    [row] = batch.rows
    if row["problems"]:
        return Result(REFUSED, row["problems"])
    return Result(NEEDS_NOTE if row["warnings"] and not rule.note else ACCEPTED, row["warnings"])


@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize("rule", RULES, ids=[rule.id for rule in RULES])
def test_every_way_in_gives_the_same_outcome_and_message(rule, language, kpis, busan):
    kpi = kpis[rule.kpi]
    facts = entry.facts_of(kpi)
    with translation.override(language):
        expected = entry.check_entry(
            facts, year=rule.year, value=rule.value, source=rule.source, note=rule.note
        )
    # The rulebook itself: the outcome and the rules of the table.
    codes = [f.code for f in expected.refusals] or [f.code for f in expected.flags]
    assert (expected.outcome, tuple(codes)) == (rule.outcome, rule.codes)
    messages = expected.messages if rule.outcome == REFUSED else [f.message for f in expected.flags]

    api = APIClient()
    api.force_authenticate(busan.user)
    ways = {
        "form": lambda: by_form(busan, language, kpi, rule),
        "grid": lambda: by_grid(busan, language, kpi, rule),
        "api": lambda: by_api(api, language, kpi, rule),
        "import": lambda: by_import(busan.user, language, kpi, rule),
    }
    for way, send in ways.items():
        result = send()
        assert (result.outcome, sorted(result.messages)) == (rule.outcome, sorted(messages)), way
        saved = Observation.objects.filter(indicator=kpi, year=rule.year)
        if way == "import":
            assert not saved.exists()  # checked, not written: the preview comes first
        elif rule.outcome == REFUSED:
            assert not saved.exists(), f"{way} saved a refused value"
        else:
            assert saved.get().value == expected.value, way
            saved.delete()  # the next way starts from the same empty year


def test_a_value_that_needs_a_note_is_submitted_only_with_one_on_every_way(kpis, busan):
    rnd = kpis["pct"]
    with translation.override("ko"):  # the language of the pages and the API by default
        [flag] = entry.flag_findings(entry.facts_of(rnd), 2025, D("23"))
    url = reverse("value_form", args=[rnd.pk, 2025])
    response = busan.post(url, {"action": "submit", "value": "23", "source": "", "note": ""})
    assert flag.message in " ".join(response.context["general_errors"])
    assert not Observation.objects.filter(indicator=rnd, year=2025).exists()  # all or nothing
    busan.post(url, {"action": "save", "value": "23", "note": ""})
    observation = Observation.objects.get(indicator=rnd, year=2025)
    api = APIClient()
    api.force_authenticate(busan.user)
    response = api.post(f"/api/v1/observations/{observation.pk}/submit/", {}, format="json")
    assert response.status_code == 400 and flag.message in response.json()["error"]["message"]
    busan.post(url, {"action": "submit", "value": "23", "note": "일회성 국비 포함"})
    assert Observation.objects.get(pk=observation.pk).status == "submitted"

"""Test data for every test module: the one place that makes KPIs, values, accounts and reports.

What the seed already gives (`load_seed`, loaded once for the whole run by tests/conftest.py;
each test's changes roll back):

- the 17 시·도 (code "26" is Busan, "30" Daejeon, "11" Seoul) and ten agencies;
- six plans: the national plan `national-6` and the regional plans `busan-2`, `daejeon-2023`,
  `gyeongbuk-2023` and `gyeongnam-6` (all 2023–2027), and `ulsan-6` (no years); their basic
  directions, strategies and tasks, regional tasks aligned with national ones; budgets of
  `national-6`, `daejeon-2023` and `gyeongnam-6`;
- six KPIs, fetched with `seed_kpi`: `national-6` `regions_with_st_agency` (count, 8 → 17 from
  2023); `busan-2` `rcostii_rank` (rank, 9 → 5, lower is better), `rnd_to_grdp_pct` (pct,
  1.85 → 2.3) and `se_talent_flow_index` (index, 0.26 → 0.30), all from 2021 to 2027; and
  `gyeongnam-6` `rcostii_rank` and `rnd_to_grdp_pct`. Daejeon's plan has no KPI;
- approved values of the rank KPIs only: Busan's 2015–2019, 2021 and 2022 (11, 9, 8, 7, 5, 9, 6)
  and Gyeongnam's 2021 — written without history; no draft, submitted or returned value;
- the seven units (count, index, krw_100m, pct, persons, points, rank) and the statistical
  series (rcostii_rank, rcostii_score, …);
- no account: the personas (anonymous, busan, daejeon, ministry, admin) are tests/conftest.py's
  fixtures, made for each test that asks for one.

What the factories add, each a plain function:

- `kpi`: an extra KPI of a plan (Daejeon's, a second national one, the units the seed lacks);
- `value`: a KPI value walked through the real workflow (indicators/services.py: save, submit,
  approve or return) to the state asked for, by the users given; the rulebook
  (indicators/entry.py) refuses there what it refuses everywhere: a rank is a whole number
  1..17, a share 0..100, the year after the KPI's baseline and not after this year (2026 in
  the suite, tests/conftest.py `this_year`), and a flagged value needs a note to be submitted;
- `approved_values`: approved values of one KPI written at once, for data in bulk (query-count
  guards), checked against the same rulebook;
- `account` and `superuser`: users with a role (regions.services.create_account), without one,
  or an administrator;
- `plan` and `task`: an extra plan and a key task in it (its strategy made on demand);
- `report`: a plan's annual report, requested and built by reports.services;
- `import_batch`: a spreadsheet upload, checked and ready to be confirmed.

A factory makes the state a test starts from; what the test is about (a service refusing, a
page answering) the test still does itself.
"""

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from core.cache import public_data_changed
from imports import services as import_services
from imports.models import ImportBatch
from indicators import entry, services
from indicators.models import Indicator, Observation, WorkflowStatus
from plans.models import Level, Plan, Strategy, Task
from regions.services import create_account
from reports import services as reports
from reports.models import Report
from tests.conftest import PASSWORD

STATES = (
    WorkflowStatus.DRAFT,
    WorkflowStatus.SUBMITTED,
    WorkflowStatus.RETURNED,
    WorkflowStatus.APPROVED,
)


def _plan(plan) -> Plan:
    return plan if isinstance(plan, Plan) else Plan.objects.get(key=plan)


# --------------------------------------------------------------------------- KPIs


def seed_kpi(plan_key: str, key: str) -> Indicator:
    """A KPI of the seed (or one `kpi` made), with its plan and unit loaded."""
    return Indicator.objects.select_related("plan", "unit").get(plan__key=plan_key, key=key)


def kpi(
    plan_key="busan-2",
    key: str = "extra_kpi",
    unit: str = "pct",
    baseline="1",
    target="2",
    baseline_year: int = 2021,
    target_year: int = 2027,
    direction: str = "increase",
    **extra,
) -> Indicator:
    """An extra KPI of a plan (its key, or the Plan itself); its names default to its key.

    `extra` sets any other field (name_ko, name_en, task, provisional, series, …). The KPI is
    validated as the admin would (a target against the direction is refused), and its baseline
    and target must be values its unit allows (a rank 1..17, a share 0..100)."""
    names = {"name_ko": key, "name_en": key}
    indicator = Indicator(
        plan=_plan(plan_key),
        key=key,
        unit_id=unit,
        direction=direction,
        baseline_year=baseline_year,
        baseline_value=Decimal(str(baseline)),
        target_year=target_year,
        target_value=Decimal(str(target)),
        **{**names, **extra},
    )
    indicator.full_clean()
    facts = entry.kpi_facts([indicator], observations=[])[indicator.pk]
    for field, amount in (("baseline_value", facts.baseline), ("target_value", facts.target)):
        problems = entry.unit_findings(facts, amount)
        if problems:
            raise ValidationError({field: problems[0].message})
    indicator.save()
    return seed_kpi(indicator.plan.key, key)


# --------------------------------------------------------------------------- values


def value(
    indicator: Indicator,
    year: int,
    amount,
    *,
    by,
    to: str = "draft",
    reviewer=None,
    source: str = "",
    note: str = "",
    comment: str = "확인 요망",
) -> Observation:
    """A KPI value entered by `by` and walked through the workflow services to `to`: draft,
    submitted, returned (by `reviewer`, with `comment`) or approved (by `reviewer`, a ministry
    officer who did not enter it). A year that holds a draft or returned value is edited.

    The services check everything they check for a person: who may act, and the rulebook
    (ValidationError for a value it refuses, or a flagged one without a note past draft).
    Returns the observation as stored, with its KPI's plan and unit loaded."""
    if to not in STATES:
        raise ValueError(f"No workflow state {to!r}; use one of {', '.join(STATES)}.")
    if to in (WorkflowStatus.RETURNED, WorkflowStatus.APPROVED) and reviewer is None:
        raise ValueError(f"A value {to} needs a reviewer: a ministry officer who did not enter it.")
    observation = services.save_observation(
        indicator=indicator, year=year, value=amount, by=by, source=source, note=note
    )
    if to != WorkflowStatus.DRAFT:
        observation = services.submit_observation(observation=observation, by=by)
    if to == WorkflowStatus.APPROVED:
        services.approve_observation(observation=observation, by=reviewer)
    elif to == WorkflowStatus.RETURNED:
        services.return_observation(observation=observation, by=reviewer, comment=comment)
    return Observation.objects.select_related("indicator__plan", "indicator__unit").get(
        pk=observation.pk
    )


@transaction.atomic
def approved_values(indicator: Indicator, values: dict, *, source: str = "") -> list[Observation]:
    """Approved values of one KPI ({year: amount}) written at once, as the seed writes them:
    without the workflow and its history, for data in bulk (a query-count guard's hundred
    values). Each must be one the rulebook accepts without a note, judged against the KPI's
    approved values of the other years, these included."""
    indicator = Indicator.objects.select_related("plan", "unit").get(pk=indicator.pk)
    existing = list(Observation.objects.approved().filter(indicator=indicator).order_by())
    rows = [
        Observation(
            indicator=indicator,
            year=year,
            value=entry.parse_value(amount),
            source=source,
            status=WorkflowStatus.APPROVED,
        )
        for year, amount in values.items()
    ]
    facts = entry.kpi_facts([indicator], observations=existing + rows)[indicator.pk]
    for row in rows:
        checked = entry.check_entry(facts, year=row.year, value=row.value, source=source)
        checked.refuse()
        if checked.flags:
            raise ValidationError(
                f"{indicator} {row.year} = {row.value} needs a note: {checked.flags[0].message}"
            )
    Observation.objects.bulk_create(rows)
    public_data_changed()
    return rows


# --------------------------------------------------------------------------- accounts


def account(
    username: str,
    role: str | None = None,
    region: str | None = None,
    *,
    password: str = PASSWORD,
    email: str = "",
):
    """A user with a role ("secretariat" of `region`, a code such as "26", or "ministry"), as
    `create_account` makes them; with no role, a user the workflow knows nothing of."""
    if role is None:
        return get_user_model().objects.create_user(username, email, password)
    return create_account(
        username=username,
        password=password,
        role=role,
        region_code=region,
        email=email,
        validate=False,
    )


def superuser(username: str, *, password: str = PASSWORD, email: str = "root@example.com"):
    """An administrator: a superuser without a role, who neither enters nor reviews values."""
    return get_user_model().objects.create_superuser(username, email, password)


# --------------------------------------------------------------------------- plans


def plan(
    key: str,
    *,
    region: str | None = None,
    start_year: int | None = 2023,
    end_year: int | None = 2027,
    **extra,
) -> Plan:
    """An extra plan: regional when it has a `region` code, else national. Its names default
    to its key; `extra` sets any other field (name_ko, name_en, provisional, …)."""
    made = Plan(
        key=key,
        level=Level.REGIONAL if region else Level.NATIONAL,
        region_id=region,
        start_year=start_year,
        end_year=end_year,
        **{"name_ko": key, "name_en": key, **extra},
    )
    made.full_clean()
    made.save()
    return made


def task(plan_key, code: str, *, aligns_with=(), **extra) -> Task:
    """Key task `code` ("S-T") of a plan (its key, or the Plan itself), aligned with the given
    national tasks; strategy S is made ("전략 S", "Strategy S") when the plan lacks it. The
    task's names default to "과제 T" and "Task T"; `extra` sets any other field."""
    strategy_number, number = (int(part) for part in code.split("-"))
    strategy, _created = Strategy.objects.get_or_create(
        plan=_plan(plan_key),
        number=strategy_number,
        defaults={"name_ko": f"전략 {strategy_number}", "name_en": f"Strategy {strategy_number}"},
    )
    made = Task.objects.create(
        strategy=strategy,
        number=number,
        **{"name_ko": f"과제 {number}", "name_en": f"Task {number}", **extra},
    )
    if aligns_with:
        made.aligns_with.add(*aligns_with)
    return made


# --------------------------------------------------------------------------- reports, imports


def report(plan_key, year: int, *, by=None, build: bool = True) -> Report:
    """A plan's (its key, or the Plan itself) report for `year`, requested by `by` (or no
    one) and built by the job's own function; queued, not built, with `build=False`."""
    requested = reports.request_report(plan=_plan(plan_key), year=year, by=by)
    if not build:
        return requested
    return reports.build_report(report_id=requested.pk)


def import_batch(*, by, content, file_name: str = "values.csv") -> ImportBatch:
    """A spreadsheet upload by `by` (CSV text or a file's bytes), checked by the import's
    own services and waiting to be confirmed (or showing its problems)."""
    if isinstance(content, str):
        content = content.encode()
    return import_services.create_import(user=by, file_name=file_name, content=content)

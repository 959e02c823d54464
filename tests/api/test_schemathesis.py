"""Property-based tests of the whole API against its own OpenAPI schema, in-process, per persona.

Every generated request — by an anonymous caller and with the token of the Busan secretariat,
the Daejeon secretariat, a ministry officer and the administrator (a superuser without a role)
— must get a response that is not a server error and that conforms to the schema (status code,
content type, body).

Random ids and bodies would almost never name a value that exists, so a hook on the schema
turns two in three schema-valid cases into realistic ones: ids of KPIs, plans and values that
exist (a draft, a submitted, a returned and an approved value of Busan, of Daejeon and of the
national plan are made for each test by tests/factories.py), the value's current version, a
free year of the KPI. A permission oracle then checks every 2xx against the access rules of
docs/design.md (a secretariat writes only its own region's values, only the ministry reviews
and never its own entries, nobody without a role writes, the public and the administrator see
approved values only), and each persona's tests must reach a 2xx on every write that persona
may make: the fuzzing has to get past validation, not just bounce off it.
"""

import csv
import io
from collections import Counter
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    ignored_auth,
    negative_data_rejection,
    positive_data_acceptance,
)
from schemathesis.config import SchemathesisConfig

from config.wsgi import application
from indicators.entry import open_years
from indicators.models import Indicator, Observation
from plans.models import Plan
from regions.models import Region
from tests import factories

SCHEMA_URL = "/api/schema/?format=json"
# Every phase: the schema's examples, coverage (boundary and invalid values of every parameter,
# unexpected methods) and fuzzing.
schema = schemathesis.openapi.from_wsgi(SCHEMA_URL, application)
# Fuzzing only: the coverage phase's hundred-odd requests per operation barely depend on who
# sends them (validation refuses them before any rule is asked), so it runs for the anonymous
# caller and one secretariat (most of the file's requests); the other personas fuzz.
fuzz_only = schemathesis.openapi.from_wsgi(
    SCHEMA_URL,
    application,
    config=SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}}),
)

# An empty filter (`?level=`) means "no filter", as in django-filter everywhere; the schema's
# enum does not list "", so negative_data_rejection would call that acceptance a fault.
# Reads are public: a request with an unknown auth scheme is served as anonymous, which
# ignored_auth (meant for endpoints that require auth) would flag.
# And a schema cannot express every business rule (a KPI id that exists, a year inside the
# plan, a page that exists, the current version, who may act on which value), so
# positive_data_acceptance would flag those refusals; the permission oracle below checks the
# other side: that nothing is accepted that should not be.
LENIENT = [negative_data_rejection, ignored_auth, positive_data_acceptance]

VALUES = r"^/api/v1/observations/"
# Values (reads and writes) get the most examples: that is where the rules are.
VALUE_SETTINGS = settings(
    max_examples=30, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
PUBLIC_SETTINGS = settings(
    max_examples=8, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)

THOROUGH = ["anonymous", "busan"]
QUICK = ["daejeon", "ministry", "admin"]
REGION_OF = {"busan": "26", "daejeon": "30"}
PASSWORD = "fuzz-password-123"

OBSERVATIONS = "/api/v1/observations/"
OBSERVATION = "/api/v1/observations/{id}/"

# The writes each persona may make, which its fuzzing must get a 2xx for at least once.
MUST_SUCCEED = {
    "anonymous": set(),
    "busan": {
        ("POST", OBSERVATIONS),
        ("PATCH", OBSERVATION),
        ("DELETE", OBSERVATION),
        ("POST", OBSERVATION + "submit/"),
        ("POST", OBSERVATION + "withdraw/"),
    },
    "daejeon": {
        ("POST", OBSERVATIONS),
        ("PATCH", OBSERVATION),
        ("DELETE", OBSERVATION),
        ("POST", OBSERVATION + "submit/"),
        ("POST", OBSERVATION + "withdraw/"),
    },
    "ministry": {
        ("POST", OBSERVATIONS),
        ("PATCH", OBSERVATION),
        ("DELETE", OBSERVATION),
        ("POST", OBSERVATION + "submit/"),
        ("POST", OBSERVATION + "withdraw/"),
        ("POST", OBSERVATION + "approve/"),
        ("POST", OBSERVATION + "return/"),
        ("POST", OBSERVATION + "reopen/"),
    },
    # The administrator has no role: the workflow follows roles, not Django's superuser flag
    # (indicators.permissions.may), so no write, and approved values only (visible_to).
    "admin": set(),
}


@dataclass
class World:
    """The data one test fuzzes over, and whose turn it is."""

    persona: str
    users: dict
    kpi_region: dict  # KPI id -> region code, None for the national plan
    observations: list  # every value's id
    value_kpi: dict  # value id -> KPI id (a deleted value can no longer say)
    plan_keys: list
    region_codes: list
    # Per action, the values it can succeed on for this persona and those merely in the right
    # state; per KPI, the years without a value. Fixed when the test starts: hypothesis needs
    # the same choices every time it replays a case.
    favoured: dict = field(default_factory=dict)
    in_state: dict = field(default_factory=dict)
    free_years: dict = field(default_factory=dict)
    kpi_unit: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)
    seen: Counter = field(default_factory=Counter)

    @property
    def user(self):
        return self.users.get(self.persona)

    @property
    def my_kpis(self) -> list:
        if self.persona == "ministry":
            return [k for k, region in self.kpi_region.items() if region is None]
        own = [k for k, region in self.kpi_region.items() if region == REGION_OF.get(self.persona)]
        return own if self.persona in REGION_OF and own else list(self.kpi_region)


# The world of the running test, for the hooks (which get no fixtures).
current: list[World] = []


def build_world(persona: str, *, values: bool) -> World:
    users = {
        "busan": factories.account("fuzz-busan", "secretariat", "26", password=PASSWORD),
        "daejeon": factories.account("fuzz-daejeon", "secretariat", "30", password=PASSWORD),
        "ministry": factories.account("fuzz-ministry", "ministry", password=PASSWORD),
        "admin": factories.superuser("fuzz-root", password=PASSWORD),
    }
    if values:
        make_values(users)
    world = World(
        persona=persona,
        users=users,
        kpi_region=dict(Indicator.objects.values_list("pk", "plan__region_id")),
        observations=list(Observation.objects.values_list("pk", flat=True)),
        value_kpi=dict(Observation.objects.values_list("pk", "indicator_id")),
        plan_keys=list(Plan.objects.values_list("key", flat=True)),
        region_codes=list(Region.objects.values_list("code", flat=True)),
    )
    for action in NEEDS:
        world.favoured[action] = _favoured(world, action)
        world.in_state[action] = list(_in_state(action).values_list("pk", flat=True))
    world.free_years = {kpi: _free_years(kpi) for kpi in world.kpi_region}
    world.kpi_unit = dict(Indicator.objects.values_list("pk", "unit_id"))
    return world


def make_values(users) -> None:
    """A draft, a submitted, a returned and an approved value of Busan, of Daejeon and of the
    national plan (whose submitted ones were entered by another officer and by this one)."""
    reviewer = factories.account("fuzz-reviewer", "ministry", password=PASSWORD)
    # The seed gives Daejeon a plan but no KPI: give it one, so its own writes can succeed.
    daejeon_kpi = factories.kpi(
        "daejeon-2023",
        key="fuzz_rnd_to_grdp_pct",
        unit="pct",
        baseline="5.1",
        target="6",
        name_ko="지역내총생산 대비 연구개발투자 비중",
        name_en="R&D investment as a share of GRDP",
    )
    busan_rnd = factories.seed_kpi("busan-2", "rnd_to_grdp_pct")
    busan_talent = factories.seed_kpi("busan-2", "se_talent_flow_index")
    # And a national KPI with years to spare: values are entered up to this year only.
    national = factories.kpi(
        "national-6",
        key="fuzz_regional_rnd_share",
        unit="pct",
        baseline="40",
        target="45",
        baseline_year=2020,
        name_ko="지역 R&D 비중",
        name_en="Regional share of R&D",
    )

    def value(indicator, year, amount, by, to="draft"):
        factories.value(
            indicator, year, amount, by=by, to=to, reviewer=reviewer, source="https://kosis.kr/"
        )

    busan, daejeon, ministry = users["busan"], users["daejeon"], users["ministry"]
    value(busan_rnd, 2022, "1.9", busan)
    value(busan_rnd, 2023, "1.95", busan, to="submitted")
    value(busan_rnd, 2024, "2.0", busan, to="returned")
    value(busan_rnd, 2025, "2.1", busan, to="approved")
    value(busan_talent, 2022, "0.27", busan, to="submitted")
    value(daejeon_kpi, 2023, "5.2", daejeon)
    value(daejeon_kpi, 2024, "5.3", daejeon, to="submitted")
    value(daejeon_kpi, 2025, "5.4", daejeon, to="returned")
    value(daejeon_kpi, 2026, "5.5", daejeon, to="approved")
    value(national, 2024, "41", reviewer, to="submitted")
    value(national, 2025, "42", ministry, to="submitted")  # the ministry may not approve it
    value(national, 2026, "43", ministry)  # 2021–2023 stay free for the ministry to enter


# --- Realistic cases -------------------------------------------------------------------------

amounts = st.decimals(min_value=0, max_value=100, places=2).map(str)
# What the rulebook (indicators/entry.py) accepts for a KPI of each unit: a whole rank out of
# the 17 regions; shares, indices and others as decimals. Refused values are the negative
# cases' business, and the unit tests' (tests/indicators/test_entry.py).
AMOUNTS = {
    "rank": st.integers(1, 17).map(str),
    "count": st.integers(0, 17).map(str),
    "persons": st.integers(0, 10_000).map(str),
}
sources = st.sampled_from(["", "https://kosis.kr/statHtml/statHtml.do", "not a web address"])
notes = st.sampled_from(["", "잠정치 (provisional)"])
# Hypothesis starts from the first choice: a real comment, then a blank one (refused).
comments = st.sampled_from(["출처를 확인해 주세요 (check the source)", ""])
# The state an action needs, so that the favoured ids can succeed.
NEEDS = {
    "edit": ["draft", "returned"],
    "delete": ["draft"],
    "submit": ["draft", "returned"],
    "withdraw": ["submitted"],
    "approve": ["submitted"],
    "return": ["submitted"],
    "reopen": ["approved"],
}


def _in_state(action: str):
    return Observation.objects.filter(status__in=NEEDS[action])


def _favoured(world: World, action: str) -> list:
    """Values in the state the action needs, of the persona's own region (the national plan
    for the ministry's entries; not its own entries for its reviews)."""
    values = _in_state(action)
    if world.persona in REGION_OF:
        values = values.filter(indicator__plan__region_id=REGION_OF[world.persona])
    elif world.persona == "ministry" and action in ("edit", "delete", "submit", "withdraw"):
        values = values.filter(indicator__plan__region__isnull=True)
    elif world.persona == "ministry" and action in ("approve", "return"):
        values = values.exclude(entered_by=world.user).exclude(submitted_by=world.user)
    return list(values.values_list("pk", flat=True))


def _free_years(kpi: int) -> list:
    """The years the rulebook lets a value be entered for (up to this year) that have none."""
    indicator = Indicator.objects.select_related("plan").get(pk=kpi)
    taken = set(indicator.observations.values_list("year", flat=True))
    return [year for year in open_years(indicator) if year not in taken]


def _version_of(pk) -> int:
    return Observation.objects.filter(pk=pk).values_list("version", flat=True).first() or 1


def _on_a_value(world: World, action: str, fields: dict):
    """An existing value's id and a body with its current version (now and then a stale one).
    Half the time a value the action can succeed on; else one in the right state but not this
    persona's to act on (another region's, the ministry's own entry), or any value."""
    favoured = world.favoured[action]
    others = [pk for pk in world.in_state[action] if pk not in favoured]
    # Favoured first and twice: hypothesis starts from the first choice.
    choices = [favoured, favoured, others, world.observations]
    ids = st.one_of(*(st.sampled_from(pool) for pool in choices if pool))

    def build(drawn):
        pk, stale, body = drawn
        return {"id": pk}, {}, {"version": _version_of(pk) - stale, **body}

    return st.tuples(ids, st.sampled_from([0, 0, 0, 1]), st.fixed_dictionaries(fields)).map(build)


def realistic(world: World, method: str, path: str):
    """A strategy of (path parameters, query, body) that looks like a real caller's, or None."""
    # Two in three of the persona's own KPIs (hypothesis starts from the first choice).
    own = st.sampled_from(world.my_kpis)
    kpis = st.one_of(own, own, st.sampled_from(list(world.kpi_region)))
    if (method, path) == ("POST", OBSERVATIONS):

        def body(kpi):
            free = world.free_years[kpi]
            years = st.integers(2019, 2030)
            if free:
                years = st.one_of(st.sampled_from(free), st.sampled_from(free), years)
            return st.fixed_dictionaries(
                {
                    "indicator": st.just(kpi),
                    "year": years,
                    "value": AMOUNTS.get(world.kpi_unit[kpi], amounts),
                },
                optional={"source": sources, "note": notes},
            )

        return st.tuples(st.just({}), st.just({}), kpis.flatmap(body))
    if (method, path) == ("PATCH", OBSERVATION):
        return _on_a_value(world, "edit", {"value": amounts})
    if (method, path) == ("DELETE", OBSERVATION):
        # The version goes in the query (DELETE has no body).
        return _on_a_value(world, "delete", {}).map(lambda parts: (parts[0], parts[2], None))
    if (method, path) == ("POST", f"{OBSERVATION}return/"):
        return _on_a_value(world, "return", {"comment": comments})
    if (method, path) == ("POST", f"{OBSERVATION}reopen/"):
        return _on_a_value(world, "reopen", {"reason": st.just("정정 발표 (corrected figure)")})
    if (method, path) in (
        ("POST", f"{OBSERVATION}submit/"),
        ("POST", f"{OBSERVATION}withdraw/"),
        ("POST", f"{OBSERVATION}approve/"),
    ):
        return _on_a_value(world, path.split("/")[-2], {})
    if (method, path) == ("GET", OBSERVATION):
        ids = st.sampled_from(world.observations)
        return st.tuples(ids.map(lambda pk: {"id": pk}), st.just({}), st.none())
    if (method, path) == ("GET", OBSERVATIONS):
        query = st.fixed_dictionaries(
            {},
            optional={
                "indicator": kpis,
                "region": st.sampled_from(world.region_codes),
                "status": st.sampled_from(["draft", "submitted", "approved", "returned"]),
                "format": st.sampled_from(["json", "csv"]),
            },
        )
        return st.tuples(st.just({}), query, st.none())
    if (method, path) == ("GET", "/api/v1/indicators/{id}/"):
        return st.tuples(kpis.map(lambda pk: {"id": pk}), st.just({}), st.none())
    if (method, path) == ("GET", "/api/v1/plans/{key}/"):
        keys = st.sampled_from(world.plan_keys)
        return st.tuples(keys.map(lambda key: {"key": key}), st.just({}), st.none())
    if (method, path) == ("GET", "/api/v1/regions/{code}/"):
        codes = st.sampled_from(world.region_codes)
        return st.tuples(codes.map(lambda code: {"code": code}), st.just({}), st.none())
    return None


def flatmap_case(ctx, case):
    # Negative cases stay as generated: they are there to be refused.
    if not current or case.meta is None or case.meta.generation.mode.name != "POSITIVE":
        return st.just(case)
    strategy = realistic(current[-1], case.method.upper(), case.operation.path)
    if strategy is None:
        return st.just(case)

    def apply(parts):
        path_parameters, query, body = parts
        case.path_parameters = {**case.path_parameters, **path_parameters}
        case.query = query
        if body is not None:
            case.body = body
        return case

    # Two realistic cases in three.
    realistic_case = strategy.map(apply)
    return realistic_case | realistic_case | st.just(case)


schema.hook(flatmap_case)
fuzz_only.hook(flatmap_case)


# --- The permission oracle -------------------------------------------------------------------


def _items(response) -> list[dict]:
    if response.headers.get("content-type", [""])[0].startswith("text/csv"):
        text = response.content.decode("utf-8-sig")
        return list(csv.DictReader(io.StringIO(text)))
    body = response.json()
    return body["results"] if "results" in body else [body]


def may_see(world: World, item: dict) -> bool:
    if item["status"] == "approved" or world.persona == "ministry":
        return True
    code = REGION_OF.get(world.persona)
    return code is not None and world.kpi_region[int(item["indicator"])] == code


def check_permissions(world: World, case, response) -> None:
    """Every 2xx on a value must be one the access rules allow this persona."""
    method, path = case.method.upper(), case.operation.path
    world.seen[(method, path, response.status_code // 100)] += 1
    if not 200 <= response.status_code < 300 or not path.startswith(OBSERVATIONS):
        return
    if method != case.operation.method.upper():
        return  # an OPTIONS or HEAD probe of the coverage phase: metadata, no value
    persona = world.persona
    if method == "GET":
        for item in _items(response):
            assert may_see(world, item), f"{persona} was shown {item}"
        return
    assert persona != "anonymous", f"an anonymous {method} {path} succeeded"
    if method == "DELETE":
        region = world.kpi_region[world.value_kpi[int(case.path_parameters["id"])]]
    else:
        region = world.kpi_region[response.json()["indicator"]]
    if path == OBSERVATIONS:
        action = "create"
    elif path == OBSERVATION:
        action = "delete" if method == "DELETE" else "edit"
    else:
        action = path.removeprefix(OBSERVATION).strip("/")
    if action in ("approve", "return"):
        assert persona == "ministry", f"{persona} may not {action} a value"
        observation = Observation.objects.get(pk=response.json()["id"])
        assert world.user.pk not in (observation.entered_by_id, observation.submitted_by_id), (
            f"the ministry officer may not {action} a value they entered or submitted"
        )
    elif action == "reopen":
        assert persona == "ministry", f"{persona} may not reopen a value"
    elif persona == "ministry":
        assert region is None, f"the ministry may not {action} a regional value ({region})"
    else:
        assert persona in REGION_OF, f"{persona} may not {action} a value"
        assert region == REGION_OF[persona], f"{persona} may not {action} a value of {region}"


# --- Tests -----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    # Requests made straight through the WSGI app would close the database connection at
    # their end (as in production); the test's transaction lives on that connection, so keep
    # it open, as Django's own test client does.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _world(persona: str, *, values: bool):
    world = build_world(persona, values=values)
    if world.user is not None:
        world.headers = {"Authorization": f"Token {Token.objects.create(user=world.user).key}"}
    current.append(world)
    yield world
    current.remove(world)
    # The fuzzing must get past validation on every write this persona may make.
    operations = {(method, path) for method, path, _kind in world.seen}
    for method, path in operations & MUST_SUCCEED[persona]:
        assert world.seen[(method, path, 2)], (
            f"no generated {method} {path} by {persona} succeeded: {dict(world.seen)}"
        )


@pytest.fixture
def world(db, persona):
    yield from _world(persona, values=False)


@pytest.fixture
def value_world(db, persona):
    yield from _world(persona, values=True)


def call(world, case):
    response = case.call_and_validate(headers=world.headers, excluded_checks=LENIENT)
    check_permissions(world, case, response)


@pytest.mark.parametrize("persona", THOROUGH)
@schema.include(path_regex=VALUES).parametrize()
@VALUE_SETTINGS
@pytest.mark.django_db
def test_values_thoroughly_for_the_public_and_a_secretariat(case, persona, value_world):
    call(value_world, case)


@pytest.mark.parametrize("persona", QUICK)
@fuzz_only.include(path_regex=VALUES).parametrize()
@VALUE_SETTINGS
@pytest.mark.django_db
def test_values_for_another_secretariat_the_ministry_and_the_administrator(
    case, persona, value_world
):
    call(value_world, case)


@pytest.mark.parametrize("persona", THOROUGH)
@schema.exclude(path_regex=VALUES).parametrize()
@PUBLIC_SETTINGS
@pytest.mark.django_db
def test_public_data_thoroughly_for_the_public_and_a_secretariat(case, persona, world):
    call(world, case)


@pytest.mark.parametrize("persona", QUICK)
@fuzz_only.exclude(path_regex=VALUES).parametrize()
@PUBLIC_SETTINGS
@pytest.mark.django_db
def test_public_data_for_another_secretariat_the_ministry_and_the_administrator(
    case, persona, world
):
    call(world, case)

"""Read and check the seed (plans.yaml + indicator_history.csv) before anything is written.

Every problem is collected, not just the first, each naming the file, the entry and what is
wrong, so one run of load_seed shows everything to fix. What comes out is plain data (dicts and
lists) that datatools/seed.py writes; nothing here touches the database.
"""

from __future__ import annotations

import csv
import datetime
import re
from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from indicators.entry import ValueRefused, parse_value
from indicators.models import MAX_DECIMALS, MAX_INTEGER_DIGITS
from plans.models import Basis, Level

SCHEMA_VERSION = 1
PLANS_FILE = "plans.yaml"
HISTORY_FILE = "indicator_history.csv"
HISTORY_COLUMNS = ["region_code", "series", "year", "value", "source_url"]
NATIONAL_CODE = "00"
TASK_REF = re.compile(r"^([a-z0-9-]+):(\d+)-(\d+)$")
KEY = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class SeedError(Exception):
    """The seed cannot be loaded; `problems` lists every reason, each naming file and entry."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class Checker:
    """Collects problems with their location instead of stopping at the first."""

    def __init__(self):
        self.problems: list[str] = []

    def fail(self, where: str, problem: str) -> None:
        self.problems.append(f"{where}: {problem}")

    def mapping(self, where: str, value: Any) -> dict:
        if not isinstance(value, dict):
            self.fail(where, f"expected a mapping, found {type(value).__name__}")
            return {}
        return value

    def items(self, where: str, value: Any) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(where, f"expected a list, found {type(value).__name__}")
            return []
        return value

    def text(self, where: str, entry: dict, key: str, *, required: bool = True) -> str:
        value = entry.get(key)
        if value is None or value == "":
            if required:
                self.fail(where, f"`{key}` is missing")
            return ""
        if not isinstance(value, str):
            self.fail(where, f"`{key}` must be text, found {value!r}")
            return ""
        return value.strip()

    def integer(self, where: str, entry: dict, key: str, *, required: bool = True) -> int | None:
        value = entry.get(key)
        if value is None:
            if required:
                self.fail(where, f"`{key}` is missing")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(where, f"`{key}` must be a whole number, found {value!r}")
            return None
        return value

    def boolean(self, where: str, entry: dict, key: str) -> bool:
        value = entry.get(key, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.fail(where, f"`{key}` must be true or false, found {value!r}")
            return False
        return value

    def decimal(self, where: str, raw: Any) -> Decimal | None:
        if isinstance(raw, bool) or raw is None:
            self.fail(where, f"expected a number, found {raw!r}")
            return None
        try:
            # str() first: a YAML float such as 1.85 must become Decimal("1.85"), not its binary.
            value = Decimal(str(raw).strip())
        except InvalidOperation:
            self.fail(where, f"{raw!r} is not a number")
            return None
        if not value.is_finite():
            self.fail(where, f"{raw!r} is not a finite number")
            return None
        try:
            # The rulebook's digit rule, so the seed keeps exactly what a person could enter.
            return parse_value(value)
        except ValueRefused:
            self.fail(
                where,
                f"{raw!r} has more than {MAX_INTEGER_DIGITS} digits before or "
                f"{MAX_DECIMALS} after the decimal point",
            )
            return None

    def sources(self, where: str, entry: dict) -> list[str]:
        urls = self.items(f"{where} › sources", entry.get("sources"))
        for url in urls:
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                self.fail(f"{where} › sources", f"{url!r} is not an http(s) URL")
        return [u for u in urls if isinstance(u, str)]


def _label(kind: str, index: int, entry: Any, key: str) -> str:
    name = entry.get(key) if isinstance(entry, dict) else None
    return f"{kind}[{index}]" + (f" '{name}'" if name not in (None, "") else "")


def read_seed(path: Path) -> tuple[dict, list[dict]]:
    """Parse and check both seed files; raise SeedError listing every problem."""
    path = Path(path)
    plans_path, history_path = path / PLANS_FILE, path / HISTORY_FILE
    missing = [str(p) for p in (plans_path, history_path) if not p.is_file()]
    if missing:
        raise SeedError([f"{p}: file not found" for p in missing])

    try:
        document = yaml.safe_load(plans_path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise SeedError([f"{PLANS_FILE}: not UTF-8 text ({error})"]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{PLANS_FILE} line {mark.line + 1}" if mark else PLANS_FILE
        problem = getattr(error, "problem", None) or str(error)
        raise SeedError([f"{where}: not valid YAML ({problem})"]) from None

    check = Checker()
    doc = check.mapping(PLANS_FILE, document)
    if doc and doc.get("schema_version") != SCHEMA_VERSION:
        check.fail(
            PLANS_FILE,
            f"schema_version must be {SCHEMA_VERSION}, found {doc.get('schema_version')!r}",
        )
    seed = {
        "units": _check_units(check, doc.get("units")),
        "regions": _check_regions(check, doc.get("regions")),
    }
    seed["plans"] = _check_plans(check, doc.get("plans"), seed)
    if check.problems:
        raise SeedError(check.problems)
    rows = _read_history(check, history_path, seed)
    if check.problems:
        raise SeedError(check.problems)
    return seed, rows


def _check_units(check: Checker, raw: Any) -> dict[str, dict]:
    units = {}
    for key, entry in check.mapping(f"{PLANS_FILE} › units", raw).items():
        where = f"{PLANS_FILE} › units › {key}"
        entry = check.mapping(where, entry)
        decimals = check.integer(where, entry, "decimals")
        units[key] = {
            "symbol_ko": entry.get("symbol_ko") or "",
            "symbol_en": entry.get("symbol_en") or "",
            "label_en": check.text(where, entry, "label_en"),
            "decimals": decimals if decimals is not None else 0,
        }
    return units


def _check_regions(check: Checker, raw: Any) -> list[dict]:
    regions = []
    entries = check.items(f"{PLANS_FILE} › regions", raw)
    for index, entry in enumerate(entries):
        where = f"{PLANS_FILE} › {_label('regions', index, entry, 'code')}"
        entry = check.mapping(where, entry)
        code = check.text(where, entry, "code")
        if code and not re.fullmatch(r"\d{2}", code):
            check.fail(where, f"`code` must be two digits in quotes, found {code!r}")
        region = {
            "code": code,
            "order": index + 1,
            "kostat_code": check.text(where, entry, "kostat_code"),
        }
        for key in ("name_ko", "name_en", "short_ko", "short_en"):
            region[key] = check.text(where, entry, key)
        agency = entry.get("agency")
        if agency is not None:
            agency = check.mapping(f"{where} › agency", agency)
            agency = {
                "name_ko": check.text(f"{where} › agency", agency, "name_ko"),
                "name_en": check.text(f"{where} › agency", agency, "name_en"),
                "abbreviation": agency.get("abbreviation") or "",
            }
        region["agency"] = agency
        regions.append(region)
    codes = Counter(r["code"] for r in regions)
    for code, count in codes.items():
        if count > 1:
            check.fail(f"{PLANS_FILE} › regions", f"region code {code!r} appears {count} times")
    if len(regions) != 17:
        check.fail(f"{PLANS_FILE} › regions", f"expected the 17 시·도, found {len(regions)}")
    return regions


def _check_plans(check: Checker, raw: Any, seed: dict) -> list[dict]:
    region_codes = {r["code"] for r in seed["regions"]}
    entries = check.items(f"{PLANS_FILE} › plans", raw)
    plans = []
    for index, entry in enumerate(entries):
        where = f"{PLANS_FILE} › {_label('plans', index, entry, 'key')}"
        entry = check.mapping(where, entry)
        plans.append(_check_plan(check, where, entry, seed, region_codes))

    keys = Counter(p["key"] for p in plans)
    for key, count in keys.items():
        if count > 1:
            check.fail(f"{PLANS_FILE} › plans", f"plan key {key!r} appears {count} times")
    _check_links(check, plans)
    return plans


def _check_links(check: Checker, plans: list[dict]) -> None:
    """What a plan's `implements` and its tasks' `aligns_with` name must be in this file, and
    national: only once every plan is read can a reference to a later one be checked."""
    by_key = {p["key"]: p for p in plans}
    for plan in plans:
        implemented = by_key.get(plan["implements"]) if plan["implements"] else None
        if plan["implements"] and (not implemented or implemented["level"] != Level.NATIONAL):
            check.fail(
                plan["where"],
                f"`implements` names {plan['implements']!r}, "
                "which is not a national plan in this file",
            )
        for strategy in plan["strategies"]:
            for task in strategy["tasks"]:
                for ref in task["aligns_with"]:
                    _check_alignment(check, task["where"], ref, by_key)


def _check_alignment(check: Checker, where: str, ref: Any, by_key: dict[str, dict]) -> None:
    match = TASK_REF.match(ref) if isinstance(ref, str) else None
    target = by_key.get(match.group(1)) if match else None
    codes = {t["code"] for s in target["strategies"] for t in s["tasks"]} if target else set()
    if not match:
        check.fail(where, f"aligns_with entry {ref!r} is not '<plan key>:<strategy>-<task>'")
    elif not target or target["level"] != Level.NATIONAL:
        check.fail(where, f"aligns_with {ref!r}: no national plan {match.group(1)!r}")
    elif f"{match.group(2)}-{match.group(3)}" not in codes:
        check.fail(
            where,
            f"aligns_with {ref!r}: that plan has no task {match.group(2)}-{match.group(3)}",
        )


def _check_plan(check: Checker, where: str, entry: dict, seed: dict, region_codes) -> dict:
    plan = _check_plan_fields(check, where, entry, region_codes)
    plan["directions"] = _check_directions(check, where, entry)
    plan["strategies"] = _check_strategies(
        check, where, entry, regional=plan["level"] == Level.REGIONAL
    )
    task_codes = {t["code"] for s in plan["strategies"] for t in s["tasks"]}
    plan["indicators"] = _check_indicators(check, where, entry, seed["units"], task_codes)
    plan["budgets"] = _check_budgets(check, where, entry, task_codes)
    return plan


def _check_plan_fields(check: Checker, where: str, entry: dict, region_codes) -> dict:
    """The plan's own fields: its key, level and region, years, adoption and secretariat."""
    key = check.text(where, entry, "key")
    if key and not KEY.match(key):
        check.fail(where, f"`key` {key!r} must be lower-case letters, digits, - or _")
    level = entry.get("level")
    if level not in Level.values:
        check.fail(where, f"`level` must be national or regional, found {level!r}")
    region = entry.get("region")
    if level == Level.NATIONAL and region is not None:
        check.fail(where, "a national plan has no `region`")
    if level == Level.REGIONAL:
        if region is None:
            check.fail(where, "a regional plan needs a `region`")
        elif str(region) not in region_codes:
            check.fail(where, f"`region` {region!r} is not one of the 17 region codes")
    start, end = (
        check.integer(where, entry, k, required=False) for k in ("start_year", "end_year")
    )
    if start and end and start > end:
        check.fail(where, f"the plan ends ({end}) before it starts ({start})")
    adopted = entry.get("adopted_on")
    if isinstance(adopted, datetime.date):
        adopted = adopted.isoformat()
    if adopted is not None and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", str(adopted)):
        check.fail(where, f"`adopted_on` {adopted!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    secretariat = entry.get("secretariat")
    secretariat = check.mapping(f"{where} › secretariat", secretariat) if secretariat else {}
    basis = entry.get("alignment_basis")
    if basis not in (None, "editorial"):
        check.fail(where, f"`alignment_basis` must be editorial or empty, found {basis!r}")
    return {
        "where": where,
        "key": key,
        "level": level,
        "region": str(region) if region is not None else None,
        "implements": entry.get("implements"),
        "name_ko": check.text(where, entry, "name_ko"),
        "name_en": check.text(where, entry, "name_en"),
        "vision_ko": check.text(where, entry, "vision_ko", required=False),
        "vision_en": check.text(where, entry, "vision_en", required=False),
        "goal_ko": check.text(where, entry, "goal_ko", required=False),
        "goal_en": check.text(where, entry, "goal_en", required=False),
        "start_year": start,
        "end_year": end,
        "adopted_on": str(adopted) if adopted else "",
        "secretariat_ko": secretariat.get("name_ko") or "",
        "secretariat_en": secretariat.get("name_en") or "",
        "provisional": check.boolean(where, entry, "provisional"),
        "editorial_alignment": basis == "editorial",
        "note_en": check.text(where, entry, "note_en", required=False),
        "sources": check.sources(where, entry),
    }


def _check_directions(check: Checker, where: str, entry: dict) -> list[dict]:
    directions = []
    for index, direction in enumerate(
        check.items(f"{where} › directions", entry.get("directions"))
    ):
        dwhere = f"{where} › directions[{index}]"
        direction = check.mapping(dwhere, direction)
        directions.append(
            {
                "number": index + 1,
                "name_ko": check.text(dwhere, direction, "name_ko"),
                "name_en": check.text(dwhere, direction, "name_en"),
            }
        )
    return directions


def _check_strategies(check: Checker, where: str, entry: dict, *, regional: bool) -> list[dict]:
    strategies = []
    for index, strategy in enumerate(check.items(f"{where} › strategies", entry.get("strategies"))):
        swhere = f"{where} › {_label('strategies', index, strategy, 'number')}"
        strategies.append(
            _check_strategy(check, swhere, check.mapping(swhere, strategy), regional=regional)
        )
    numbers = Counter(s["number"] for s in strategies)
    for number, count in numbers.items():
        if number is not None and count > 1:
            check.fail(where, f"strategy number {number} appears {count} times")
    return strategies


def _check_indicators(
    check: Checker, where: str, entry: dict, units: dict, task_codes
) -> list[dict]:
    indicators = []
    for index, indicator in enumerate(
        check.items(f"{where} › indicators", entry.get("indicators"))
    ):
        iwhere = f"{where} › {_label('indicators', index, indicator, 'key')}"
        indicators.append(
            _check_indicator(check, iwhere, check.mapping(iwhere, indicator), units, task_codes)
        )
    keys = Counter(i["key"] for i in indicators)
    for ikey, count in keys.items():
        if count > 1:
            check.fail(where, f"indicator key {ikey!r} appears {count} times")
    return indicators


def _check_budgets(check: Checker, where: str, entry: dict, task_codes) -> list[dict]:
    budgets = []
    for index, budget in enumerate(check.items(f"{where} › budgets", entry.get("budgets"))):
        bwhere = f"{where} › {_label('budgets', index, budget, 'year')}"
        budgets.append(_check_budget(check, bwhere, check.mapping(bwhere, budget), task_codes))
    seen = Counter((b["year"], b["basis"]) for b in budgets)
    for (year, basis), count in seen.items():
        if count > 1:
            check.fail(where, f"budget for {year} ({basis}) appears {count} times")
    return budgets


def _check_strategy(check: Checker, where: str, entry: dict, *, regional: bool) -> dict:
    number = check.integer(where, entry, "number")
    strategy = {
        "number": number,
        "name_ko": check.text(where, entry, "name_ko"),
        "name_en": check.text(where, entry, "name_en"),
        "provisional": check.boolean(where, entry, "provisional"),
        "note_en": check.text(where, entry, "note_en", required=False),
        "tasks": [],
    }
    for index, task in enumerate(check.items(f"{where} › tasks", entry.get("tasks"))):
        twhere = f"{where} › {_label('tasks', index, task, 'number')}"
        task = check.mapping(twhere, task)
        task_number = check.integer(twhere, task, "number")
        note = check.text(twhere, task, "note_en", required=False)
        name_en = check.text(twhere, task, "name_en")
        aligns = check.items(f"{twhere} › aligns_with", task.get("aligns_with"))
        if aligns and not regional:
            check.fail(twhere, "only regional tasks align with national tasks")
        strategy["tasks"].append(
            {
                "where": twhere,
                "number": task_number,
                "code": f"{number}-{task_number}",
                "name_ko": check.text(twhere, task, "name_ko"),
                "name_en": name_en,
                "provisional": check.boolean(twhere, task, "provisional"),
                # The data README: tasks whose titles were not found are placeholders, never titles.
                "placeholder": note.lower().startswith("placeholder")
                or "title to be confirmed" in name_en.lower(),
                "note_en": note,
                "aligns_with": aligns,
            }
        )
    numbers = Counter(t["number"] for t in strategy["tasks"])
    for task_number, count in numbers.items():
        if task_number is not None and count > 1:
            check.fail(where, f"task number {task_number} appears {count} times")
    return strategy


def _check_indicator(check: Checker, where: str, entry: dict, units: dict, task_codes) -> dict:
    key = check.text(where, entry, "key")
    if key and not KEY.match(key):
        check.fail(where, f"`key` {key!r} must be lower-case letters, digits, - or _")
    unit = entry.get("unit")
    if unit not in units:
        check.fail(where, f"`unit` {unit!r} is not defined under `units`")
    direction = entry.get("direction")
    if direction not in ("increase", "decrease"):
        check.fail(where, f"`direction` must be increase or decrease, found {direction!r}")
    method = entry.get("method") or "linear"
    if method not in ("linear", "cagr"):
        check.fail(where, f"`method` must be linear or cagr, found {method!r}")
    task = entry.get("task")
    if task is not None and (not isinstance(task, str) or task not in task_codes):
        check.fail(where, f"`task` {task!r} is not a task of this plan")
    points = {}
    for name in ("baseline", "target"):
        point = check.mapping(f"{where} › {name}", entry.get(name))
        year = check.integer(f"{where} › {name}", point, "year") if point else None
        value = check.decimal(f"{where} › {name} › value", point.get("value")) if point else None
        points[name] = (year, value)
    (b_year, b_value), (t_year, t_value) = points["baseline"], points["target"]
    if b_year and t_year and t_year <= b_year:
        check.fail(where, f"target year {t_year} must come after baseline year {b_year}")
    series = entry.get("series")
    if series is not None and (not isinstance(series, str) or not KEY.match(series)):
        check.fail(where, f"`series` {series!r} is not a series name")
    return {
        "key": key,
        "name_ko": check.text(where, entry, "name_ko"),
        "name_en": check.text(where, entry, "name_en"),
        "definition_ko": check.text(where, entry, "definition_ko", required=False),
        "definition_en": check.text(where, entry, "definition_en", required=False),
        "unit": unit,
        "direction": direction,
        "method": method,
        "task": task,
        "baseline_year": b_year,
        "baseline_value": b_value,
        "target_year": t_year,
        "target_value": t_value,
        "series": series or "",
        "provisional": check.boolean(where, entry, "provisional"),
        "note_en": check.text(where, entry, "note_en", required=False),
        "sources": check.sources(where, entry),
    }


def _check_budget(check: Checker, where: str, entry: dict, task_codes) -> dict:
    basis = entry.get("basis")
    if basis not in Basis.values:
        check.fail(where, f"`basis` must be plan or actual, found {basis!r}")
    budget = {"year": check.integer(where, entry, "year"), "basis": basis}
    for key in ("total", "central", "local", "private"):
        amount = check.integer(where, entry, key, required=key == "total")
        if amount is not None and amount < 0:
            check.fail(where, f"`{key}` must not be negative")
        budget[key] = amount
    parts = [budget[k] for k in ("central", "local", "private") if budget[k] is not None]
    if budget["total"] is not None and sum(parts) > budget["total"]:
        check.fail(
            where, f"central + local + private ({sum(parts)}) exceed the total ({budget['total']})"
        )
    budget["by_task"] = []
    for index, item in enumerate(check.items(f"{where} › by_task", entry.get("by_task"))):
        iwhere = f"{where} › by_task[{index}]"
        item = check.mapping(iwhere, item)
        if item.get("task") not in task_codes:
            check.fail(iwhere, f"`task` {item.get('task')!r} is not a task of this plan")
        amount = check.integer(iwhere, item, "amount")
        budget["by_task"].append({"task": item.get("task"), "amount": amount})
    budget["sources"] = check.sources(where, entry)
    return budget


def _read_history(check: Checker, path: Path, seed: dict) -> list[dict]:
    codes = {r["code"] for r in seed["regions"]} | {NATIONAL_CODE}
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        check.fail(HISTORY_FILE, f"not UTF-8 text ({error})")
        return []
    reader = csv.DictReader(text.splitlines())
    if reader.fieldnames != HISTORY_COLUMNS:
        check.fail(
            HISTORY_FILE,
            f"header must be {','.join(HISTORY_COLUMNS)}, "
            f"found {','.join(reader.fieldnames or [])}",
        )
        return []
    rows, seen = [], {}
    for line, raw in enumerate(reader, start=2):
        where = f"{HISTORY_FILE} line {line}"
        code, series = (raw["region_code"] or "").strip(), (raw["series"] or "").strip()
        if code not in codes:
            check.fail(where, f"region_code {code!r} is not a region code or 00")
        if not KEY.match(series):
            check.fail(where, f"series {series!r} is not a series name")
        year = (raw["year"] or "").strip()
        if not year.isdigit():
            check.fail(where, f"year {year!r} is not a year")
            continue
        value = check.decimal(f"{where} › value", raw["value"])
        source = (raw["source_url"] or "").strip()
        if source and not source.startswith(("http://", "https://")):
            check.fail(where, f"source_url {source!r} is not an http(s) URL")
        identity = (code, series, int(year))
        if identity in seen:
            check.fail(where, f"{code} {series} {year} already given on line {seen[identity]}")
            continue
        seen[identity] = line
        rows.append(
            {"region": code, "series": series, "year": int(year), "value": value, "source": source}
        )
    return rows

"""What the synthetic plans of datatools/scale.py hold: the KPI framework, strategies and tasks
every synthetic plan shares, the 시·군·구 of the boundary file, and how values are drawn.

Nothing here writes: every function takes the run's ``random.Random`` and returns values, so
the order of the calls in scale.py fixes the data a seed gives.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.conf import settings

from indicators.models import Direction

MUNICIPALITIES_GEOJSON = Path(settings.SEED_DIR) / "maps" / "korea-municipalities-2018.geojson"
RANKED_REGIONS = 17


@dataclass(frozen=True)
class Municipality:
    """A 시·군·구 of the boundary file."""

    code: str  # 5-digit KOSTAT code, the feature id
    region_code: str
    name_ko: str
    name_en: str


@dataclass(frozen=True)
class KpiTemplate:
    """One KPI of the framework every synthetic plan shares."""

    slug: str
    name_ko: str
    name_en: str
    unit: str
    direction: str = Direction.INCREASE
    low: float = 0  # range of a 시·도's first value (ranks ignore it: always 1..17)
    high: float = 0


INC, DEC = Direction.INCREASE, Direction.DECREASE
# A common KPI framework, as a ministry would set for every region: 2 ranks, 5 percentages,
# 3 indices, 5 counts, 3 head counts, 3 amounts in 억원.
KPI_TEMPLATES = [
    KpiTemplate(
        "innovation-rank", "지역과학기술혁신역량 순위", "S&T innovation capacity rank", "rank", DEC
    ),
    KpiTemplate(
        "rnd-grdp", "GRDP 대비 연구개발비 비중", "R&D spending as % of GRDP", "pct", INC, 0.5, 6
    ),
    KpiTemplate("patents", "특허 등록 건수", "Patents granted", "count", INC, 50, 3000),
    KpiTemplate(
        "local-rnd",
        "지방비 연구개발 투자",
        "Local-government R&D investment",
        "krw_100m",
        INC,
        100,
        3000,
    ),
    KpiTemplate("researchers", "연구개발 인력", "R&D personnel", "persons", INC, 1000, 40000),
    KpiTemplate(
        "sme-labs",
        "기업부설연구소 보유 중소기업 비율",
        "SMEs with an in-house lab",
        "pct",
        INC,
        5,
        30,
    ),
    KpiTemplate(
        "innovation-index", "지역 혁신지수", "Regional innovation index", "index", INC, 60, 120
    ),
    KpiTemplate("tech-transfers", "기술이전 건수", "Technology transfers", "count", INC, 20, 800),
    KpiTemplate(
        "national-rnd",
        "국가 연구개발사업 수주액",
        "National R&D funding won",
        "krw_100m",
        INC,
        500,
        20000,
    ),
    KpiTemplate(
        "graduates-staying",
        "이공계 졸업생 지역 정착률",
        "S&T graduates staying in the region",
        "pct",
        INC,
        20,
        70,
    ),
    KpiTemplate("startups", "기술창업 기업 수", "Technology start-ups", "count", INC, 30, 1500),
    KpiTemplate("st-jobs", "과학기술 일자리 창출", "S&T jobs created", "persons", INC, 100, 5000),
    KpiTemplate("rnd-rank", "연구개발 투자 순위", "R&D investment rank", "rank", DEC),
    KpiTemplate(
        "youth-outflow",
        "청년 과학기술인력 순유출률",
        "Net outflow of young S&T workers",
        "pct",
        DEC,
        1,
        15,
    ),
    KpiTemplate(
        "cooperation-index",
        "산학협력 활성화 지수",
        "University–industry cooperation index",
        "index",
        INC,
        40,
        100,
    ),
    KpiTemplate("royalties", "기술료 수입", "Technology royalty income", "krw_100m", INC, 5, 300),
    KpiTemplate("papers", "SCI 논문 수", "SCI papers", "count", INC, 100, 8000),
    KpiTemplate(
        "science-culture",
        "과학문화 프로그램 참여자",
        "Science culture participants",
        "persons",
        INC,
        5000,
        200000,
    ),
    KpiTemplate(
        "shared-equipment",
        "연구장비 공동활용률",
        "Shared use of research equipment",
        "pct",
        INC,
        10,
        60,
    ),
    KpiTemplate("spinoffs", "연구소기업 수", "Research-institute spin-offs", "count", INC, 2, 80),
    KpiTemplate(
        "digital-index", "디지털 전환 지수", "Digital transformation index", "index", INC, 30, 90
    ),
]
# Plans with more KPIs than templates repeat them by sector.
SECTORS = [
    ("", ""),
    ("바이오", "bio"),
    ("에너지", "energy"),
    ("디지털", "digital"),
    ("소재·부품", "materials"),
    ("모빌리티", "mobility"),
    ("해양", "marine"),
    ("우주항공", "aerospace"),
]
DECIMALS = {"rank": 0, "pct": 2, "index": 2, "count": 0, "persons": 0, "krw_100m": 0}
STRATEGIES = [
    (
        ("연구개발 역량 강화", "Stronger R&D capacity"),
        [
            ("지역 연구개발 투자 확대", "More regional R&D investment"),
            ("전략기술 연구거점 육성", "Research hubs for strategic technologies"),
            ("연구성과 사업화 촉진", "Faster commercialisation of research"),
        ],
    ),
    (
        ("지역 혁신생태계 조성", "A regional innovation ecosystem"),
        [
            ("산학연 협력 플랫폼 구축", "A university–industry–institute platform"),
            ("기술창업 지원 강화", "More support for technology start-ups"),
            ("지역 과학기술 거버넌스 정비", "Better regional S&T governance"),
        ],
    ),
    (
        ("과학기술 인재 양성", "S&T talent"),
        [
            ("지역 맞춤형 인재 양성", "Talent trained for regional needs"),
            ("청년 연구자 정착 지원", "Help young researchers settle"),
            ("과학문화 확산", "Wider science culture"),
        ],
    ),
]


# --------------------------------------------------------------------------- the 시·군·구


def read_municipalities(path: Path = MUNICIPALITIES_GEOJSON) -> list[Municipality]:
    """The 시·군·구 of the boundary file, in file order (names and codes as the file has them)."""
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    return [
        Municipality(
            code=str(feature["id"]),
            region_code=feature["properties"]["region_code"],
            name_ko=feature["properties"]["name_ko_2018"],
            name_en=feature["properties"]["name_en_2018"],
        )
        for feature in document["features"]
    ]


def spread_over_regions(
    municipalities: list[Municipality], region_order: list[str]
) -> list[Municipality]:
    """Take one 시·군·구 of each 시·도 in turn, so a small run still spans many 시·도."""
    by_region: dict[str, list[Municipality]] = {}
    for municipality in municipalities:
        by_region.setdefault(municipality.region_code, []).append(municipality)
    queues = [by_region[code] for code in region_order if code in by_region]
    spread = []
    for depth in range(max((len(q) for q in queues), default=0)):
        spread += [queue[depth] for queue in queues if depth < len(queue)]
    return spread


# --------------------------------------------------------------------------- values


def _quantize(value: float, decimals: int) -> Decimal:
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def kpi_values(rng: random.Random, template: KpiTemplate, years: int, scale: float) -> list:
    """One value per year: a trend with noise, inside the unit's range."""
    decimals = DECIMALS[template.unit]
    if template.unit == "rank":
        # Negative drift is climbing the ranking; a region may also slip.
        level, drift = rng.uniform(1, RANKED_REGIONS), rng.uniform(-0.35, 0.15)
        return [
            Decimal(min(RANKED_REGIONS, max(1, round(level + drift * k + rng.gauss(0, 0.8)))))
            for k in range(years)
        ]
    if template.unit == "pct":
        spread = template.high - template.low
        start = rng.uniform(template.low, template.high)
        change = rng.uniform(-0.3, 1.0) * spread * (-1 if template.direction == DEC else 1)
        slope = change / max(1, years - 1)
        return [
            _quantize(min(100.0, max(0.0, start + slope * k + rng.gauss(0, 0.03 * spread))), 2)
            for k in range(years)
        ]
    # Levels (counts, head counts, 억원, indices) grow by a yearly rate, with noise.
    index = template.unit == "index"
    start = rng.uniform(template.low, template.high) * (1 if index else scale)
    rate = rng.uniform(-0.005, 0.03) if index else rng.uniform(-0.01, 0.07)
    return [
        _quantize(max(0.0, start * (1 + rate) ** k * (1 + rng.gauss(0, 0.04))), decimals)
        for k in range(years)
    ]


def kpi_target(rng: random.Random, template: KpiTemplate, baseline: Decimal) -> Decimal:
    """The KPI's target: 1–4 ranks better, a share 5–30% of its range further in its
    direction, or a level 15–60% above its baseline."""
    decimals = DECIMALS[template.unit]
    if template.unit == "rank":
        return Decimal(max(1, int(baseline) - rng.randint(1, 4)))
    if template.unit == "pct":
        step = rng.uniform(0.05, 0.3) * (template.high - template.low)
        if template.direction == DEC:
            return _quantize(max(0.0, float(baseline) - step), 2)
        return _quantize(min(100.0, float(baseline) + step), 2)
    goal = _quantize(float(baseline) * rng.uniform(1.15, 1.6), decimals)
    return max(goal, baseline + 1)


def ranking(rng: random.Random, codes: list[str], years: int) -> list[dict[str, int]]:
    """Yearly ranks (1 = best) of the 시·도, from scores that drift a little each year."""
    scores = {code: rng.gauss(0, 1) for code in codes}
    yearly = []
    for _ in range(years):
        for code in codes:
            scores[code] += rng.gauss(0, 0.3)
        order = sorted(codes, key=lambda code: -scores[code])
        yearly.append({code: place for place, code in enumerate(order, start=1)})
    return yearly


def kpi_names(template: KpiTemplate, round_: int) -> tuple[str, str]:
    """The KPI's names the `round_`-th time its template is used in one plan."""
    if round_ == 0:
        return template.name_ko, template.name_en
    if round_ < len(SECTORS):
        sector_ko, sector_en = SECTORS[round_]
        return f"{template.name_ko} ({sector_ko} 분야)", f"{template.name_en} ({sector_en})"
    return f"{template.name_ko} ({round_ + 1})", f"{template.name_en} ({round_ + 1})"

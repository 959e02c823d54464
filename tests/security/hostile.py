"""Markup planted in every user-supplied text, for the escaping tests (pages and browser).

`plant()` writes it through the services where a service owns the write (values and their
workflow, made by tests/factories.py; target revisions; the report) and through the models for
what the admin edits (names, notes, sources). It is shared by tests/security/test_escaping.py
and tests/browser/test_csp.py (which runs it in the browser server's own database with
`manage.py shell`).
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model

from indicators import services
from indicators.models import Indicator, Unit
from plans.models import Plan, Strategy, Task
from regions.models import Agency, Region
from tests import factories

PAYLOAD = "<script>alert(1)</script><img src=x onerror=alert(1)>\"'&"
# A source must be an http(s) address; this one is, and still carries markup.
URL_PAYLOAD = "https://example.org/\"'&<script>alert(1)</script><svg/onload=alert(1)>"
# For fields of at most 20 characters (region short names, unit symbols).
SHORT_PAYLOAD = "<b onclick=alert()>&"
# What must never appear in a page as it is: each would be live markup.
RAW = (
    "<script>alert(1)",
    "<img src=x",
    "<svg/onload",
    "<b onclick",
    'href="javascript:',
    "href='javascript:",
)
# How the payloads look once escaped for HTML (Django's escape).
ESCAPED = ("&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;b onclick=alert()&gt;&amp;")

PLAN, KPI, REGION = "busan-2", "rnd_to_grdp_pct", "26"


@dataclass
class Planted:
    task_path: str
    report_id: int


def plant(*, secretariat, ministry) -> Planted:
    """Put the payloads into Busan's plan, region, agency, a KPI, its values and history."""
    plan = Plan.objects.get(key=PLAN)
    Region.objects.filter(code=REGION).update(
        name_ko=PAYLOAD, name_en=PAYLOAD, short_ko=SHORT_PAYLOAD, short_en=SHORT_PAYLOAD
    )
    Agency.objects.filter(region_id=REGION).update(name_ko=PAYLOAD, name_en=PAYLOAD)
    strategy = Strategy.objects.filter(plan=plan).order_by("number").first()
    Strategy.objects.filter(pk=strategy.pk).update(name_ko=PAYLOAD, name_en=PAYLOAD)
    task = Task.objects.filter(strategy=strategy).order_by("number").first()
    Task.objects.filter(pk=task.pk).update(name_ko=PAYLOAD, name_en=PAYLOAD, note_en=PAYLOAD)
    indicator = factories.seed_kpi(PLAN, KPI)
    Unit.objects.filter(pk=indicator.unit_id).update(
        symbol_ko=SHORT_PAYLOAD, symbol_en=SHORT_PAYLOAD
    )
    Indicator.objects.filter(pk=indicator.pk).update(
        name_ko=PAYLOAD,
        name_en=PAYLOAD,
        definition_ko=PAYLOAD,
        definition_en=PAYLOAD,
        note_en=PAYLOAD,
        sources=[URL_PAYLOAD, "javascript:alert(1)"],
    )
    indicator = factories.seed_kpi(PLAN, KPI)

    def entered(year, value, to):
        return factories.value(
            indicator,
            year,
            value,
            by=secretariat,
            to=to,
            reviewer=ministry,
            source=URL_PAYLOAD,
            note=PAYLOAD,
            comment=PAYLOAD,
        )

    entered(2024, "2.1", "approved")
    entered(2025, "2.2", "returned")
    entered(2026, "2.3", "submitted")
    services.revise_target(
        indicator=indicator, target_year=2027, target_value="2.5", reason=PAYLOAD, by=ministry
    )
    report = factories.report(plan, 2024)
    code = f"{strategy.number}-{task.number}"
    return Planted(task_path=f"/plans/{PLAN}/tasks/{code}/", report_id=report.pk)


def plant_for_browser(secretariat_username: str, ministry_username: str) -> Planted:
    """`plant` for `manage.py shell -c`: the two accounts by username."""
    users = get_user_model().objects
    return plant(
        secretariat=users.get(username=secretariat_username),
        ministry=users.get(username=ministry_username),
    )

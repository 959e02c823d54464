"""Plumbing of the permission matrix (tests/security/test_permission_matrix.py).

- `routes()` walks Django's URL resolver — both languages of `i18n_patterns`, the API router
  with its format-suffix twins, the admin, the schema and docs — and names every pattern by a
  stable key (its URL name; `<name>.<format>` for a suffix twin; the route for an unnamed one).
- `World` makes the real objects the URLs are opened on (through tests/factories.py), all
  belonging to Busan so that "Daejeon on Busan's object" is a meaningful cross-region check.
- `path_of` builds a non-admin pattern's address from `PATH_ARGS` and the `World`; `admin_path`
  does it for the admin, whose patterns `admin_kind` sorts into one family of rules.
"""

import re
from dataclasses import dataclass
from functools import cached_property

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import LocalePrefixPattern
from django.utils import timezone, translation
from rest_framework.authtoken.models import Token, TokenProxy

from imports.models import ImportBatch
from indicators.models import Indicator, Observation, ReminderLog
from plans.models import Plan
from regions.models import Region
from reports.models import Report
from tests import factories

LANGUAGES = ("ko", "en")

# Values of Busan's unapproved KPI values, unlike anything else on any page: whoever may not
# see unapproved values must never find them in any response.
DRAFT_VALUE, DRAFT_SOURCE = "2.0437", "https://example.org/h2-matrix/busan-draft"
SUBMITTED_VALUE, SUBMITTED_SOURCE = "0.2719", "https://example.org/h2-matrix/busan-submitted"
SECRETS = (DRAFT_VALUE, DRAFT_SOURCE, SUBMITTED_VALUE, SUBMITTED_SOURCE)


@dataclass(frozen=True)
class Route:
    key: str
    name: str | None  # for reverse(); None for an unnamed pattern
    route: str  # the whole pattern, in the language it was walked in
    i18n: bool  # inside i18n_patterns: served unprefixed (Korean) and under /en/
    callback: str  # the view's dotted path, for messages and admin rules


def _walk(resolver, prefix: str, namespace: str | None, i18n: bool, found: list[Route]) -> None:
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(n for n in (namespace, pattern.namespace) if n) or None
            _walk(
                pattern,
                prefix + str(pattern.pattern),
                inner,
                i18n or isinstance(pattern.pattern, LocalePrefixPattern),
                found,
            )
            continue
        assert isinstance(pattern, URLPattern)
        route = prefix + str(pattern.pattern)
        name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
        if name is None:
            key = route
        elif "format" in pattern.pattern.regex.groupindex:
            key = f"{name}.<format>"
        else:
            key = name
        found.append(Route(key, name, route, i18n, pattern.lookup_str))


def walk(language: str) -> list[Route]:
    """Every URL pattern as the resolver serves it in `language`."""
    found: list[Route] = []
    with translation.override(language):
        _walk(get_resolver(), "", None, False, found)
    return found


def routes() -> dict[str, Route]:
    """Every URL pattern by key (the Korean walk; `walk("en")` must agree with it)."""
    found = walk("ko")
    by_key = {route.key: route for route in found}
    assert len(by_key) == len(found), "two URL patterns share a key: " + ", ".join(
        sorted({r.key for r in found if sum(s.key == r.key for s in found) > 1})
    )
    return by_key


# ------------------------------------------------------------------------------ the world


class World:
    """The objects URLs are opened on: made once by `make_all`, before any test runs in its
    savepoint (a property first read inside a test would vanish with that test's rollback)."""

    def __init__(self, busan_user):
        self.busan_user = busan_user

    def kpi(self, key: str) -> Indicator:
        return factories.seed_kpi("busan-2", key)

    @cached_property
    def plan(self) -> Plan:
        return Plan.objects.get(key="busan-2")

    @cached_property
    def rnd(self) -> Indicator:
        return self.kpi("rnd_to_grdp_pct")

    @cached_property
    def draft(self) -> Observation:
        """Busan's draft value (2025)."""
        return factories.value(self.rnd, 2025, DRAFT_VALUE, by=self.busan_user, source=DRAFT_SOURCE)

    @cached_property
    def submitted(self) -> Observation:
        """Busan's value submitted for review (2024)."""
        return factories.value(
            self.kpi("se_talent_flow_index"),
            2024,
            SUBMITTED_VALUE,
            by=self.busan_user,
            to="submitted",
            source=SUBMITTED_SOURCE,
        )

    @cached_property
    def approved(self) -> Observation:
        """Busan's approved value from the seed (rank, 2022)."""
        return Observation.objects.get(
            indicator__plan__key="busan-2", indicator__key="rcostii_rank", year=2022
        )

    @cached_property
    def report(self) -> Report:
        """Busan's 2024 report, built."""
        return factories.report(self.plan, 2024, by=self.busan_user)

    @cached_property
    def batch(self) -> ImportBatch:
        """Busan's checked spreadsheet upload of one value, ready to be confirmed."""
        content = "plan,kpi,year,value,source,note\nbusan-2,rnd_to_grdp_pct,2026,2.2,,\n"
        batch = factories.import_batch(by=self.busan_user, content=content, file_name="busan.csv")
        assert batch.state == ImportBatch.State.CHECKED and not batch.problem_count, batch.rows
        return batch

    @cached_property
    def group(self) -> Group:
        return Group.objects.create(name="h2-matrix")

    @cached_property
    def reminder(self) -> ReminderLog:
        return ReminderLog.objects.create(
            sent_on=timezone.localdate(),
            kind=ReminderLog.Kind.SECRETARIAT,
            recipient="bistep@example.org",
            region_id="26",
            year=2025,
            missing=1,
        )

    @cached_property
    def token(self) -> Token:
        return Token.objects.get_or_create(user=self.busan_user)[0]

    def make_all(self) -> None:
        for name in (
            "plan",
            "rnd",
            "draft",
            "submitted",
            "approved",
            "report",
            "batch",
            "group",
            "reminder",
            "token",
        ):
            getattr(self, name)


# Arguments of each named non-admin pattern: (args or kwargs, query string).
PATH_ARGS = {
    "plan_detail": lambda w: ({"key": "busan-2"}, ""),
    "task_detail": lambda w: ({"key": "busan-2", "code": "1-1"}, ""),
    "kpi_detail": lambda w: ({"key": "busan-2", "kpi": "rnd_to_grdp_pct"}, ""),
    "report_list": lambda w: ({"key": "busan-2"}, ""),
    "report_download": lambda w: ({"key": "busan-2", "report_id": w.report.pk}, ""),
    "report_print": lambda w: ({"key": "busan-2", "report_id": w.report.pk}, ""),
    "region_detail": lambda w: ({"code": "26"}, ""),
    "region_dashboard": lambda w: ({"code": "26"}, ""),
    "compare": lambda w: ({}, "?series=rcostii_rank&year=2022"),
    "chart_embed": lambda w: ({"kind": "kpi"}, "?plan=busan-2&kpi=rnd_to_grdp_pct"),
    "chart_csv": lambda w: ({"kind": "kpi"}, "?plan=busan-2&kpi=rnd_to_grdp_pct"),
    "workspace": lambda w: ({}, "?year=2025"),
    "value_form": lambda w: ({"indicator_id": w.rnd.pk, "year": 2025}, ""),  # the draft
    "import_preview": lambda w: ({"batch_id": w.batch.pk}, ""),
    "import_template": lambda w: ({"fmt": "xlsx"}, "?plan=busan-2"),
    "observation_reopen": lambda w: ({"pk": w.approved.pk}, ""),
    "revise_target": lambda w: ({"key": "busan-2", "kpi": "rnd_to_grdp_pct"}, ""),
    "region-detail": lambda w: ({"code": "26"}, ""),
    "plan-detail": lambda w: ({"key": "busan-2"}, ""),
    "plan-list": lambda w: ({}, "?region=26"),
    "indicator-detail": lambda w: ({"pk": w.rnd.pk}, ""),
    "indicator-list": lambda w: ({}, "?plan=busan-2"),
    "observation-list": lambda w: ({}, "?plan=busan-2&page_size=1000"),
    "observation-detail": lambda w: ({"pk": w.draft.pk}, ""),
    "observation-submit": lambda w: ({"pk": w.draft.pk}, ""),
    "observation-withdraw": lambda w: ({"pk": w.submitted.pk}, ""),
    "observation-approve": lambda w: ({"pk": w.submitted.pk}, ""),
    "observation-return-": lambda w: ({"pk": w.submitted.pk}, ""),
    "observation-reopen": lambda w: ({"pk": w.approved.pk}, ""),
    "budget-list": lambda w: ({}, "?plan=busan-2"),
    "series-list": lambda w: ({}, "?region=26"),
}
# Unnamed patterns cannot be reversed: their address is given instead.
UNNAMED_PATHS = {
    "^api/": "/api/v0/no-such-endpoint/",
}


def path_of(route: Route, world: World, language: str = "ko", kwargs: dict | None = None) -> str:
    """The address of a non-admin pattern, with real arguments (or `kwargs`), in `language`."""
    if route.name is None:
        return UNNAMED_PATHS[route.key]
    base = route.key.removesuffix(".<format>")
    default, query = PATH_ARGS.get(base, lambda w: ({}, ""))(world)
    kwargs = default if kwargs is None else kwargs
    if base != route.key:
        # A format-suffix twin: CSV for a list, JSON for anything else, unless `kwargs` say.
        kwargs = {"format": "csv" if base.endswith("-list") else "json", **kwargs}
    with translation.override(language):
        return reverse(route.name, kwargs=kwargs) + query


# ------------------------------------------------------------------------------ the admin

ADMIN_SITE_VIEWS = {
    "admin:index": "index",
    "admin:login": "login",
    "admin:logout": "logout",
    "admin:password_change": "password_change",
    "admin:password_change_done": "password_change_done",
    "admin:autocomplete": "autocomplete",
    "admin:jsi18n": "jsi18n",
    "admin:view_on_site": "view_on_site",
    "admin:app_list": "app_list",
}
MODEL_VIEWS = ("changelist", "add", "change", "delete", "history", "simple_history")


def _registered() -> dict[str, type]:
    return {f"{m._meta.app_label}_{m._meta.model_name}": m for m in admin.site._registry}


def admin_kind(route: Route) -> tuple[str, type | None]:
    """What an admin pattern is: a site view, or one of a model's views (and the model)."""
    if route.key in ADMIN_SITE_VIEWS:
        return ADMIN_SITE_VIEWS[route.key], None
    if route.key == "admin:auth_user_password_change":
        return "password", get_user_model()
    if route.name is None and route.callback.endswith("catch_all_view"):
        return "catch_all", None
    registered = _registered()
    if route.name is None and route.callback.endswith("RedirectView"):
        match = re.fullmatch(r"admin/(\w+)/(\w+)/<path:object_id>/", route.route)
        assert match, route.route
        return "object_redirect", registered[f"{match[1]}_{match[2]}"]
    label = route.key.removeprefix("admin:")
    for view in sorted(MODEL_VIEWS, key=len, reverse=True):
        if label.endswith("_" + view) and label.removesuffix("_" + view) in registered:
            return view, registered[label.removesuffix("_" + view)]
    return "unknown", None  # a new kind of admin URL: the matrix must learn it


def admin_object(model: type, world: World):
    """A real object of `model` from the seed, Busan's where there is a choice."""
    User = get_user_model()
    chosen = {
        TokenProxy: lambda: TokenProxy.objects.get(key=world.token.key),
        Group: lambda: world.group,
        User: lambda: world.busan_user,
        Token: lambda: world.token,
        Region: lambda: Region.objects.get(code="26"),
        Plan: lambda: world.plan,
        Indicator: lambda: world.rnd,
        Observation: lambda: world.draft,
        Report: lambda: world.report,
        ImportBatch: lambda: world.batch,
        ReminderLog: lambda: world.reminder,
    }
    for base, make in chosen.items():
        if issubclass(model, base):
            return make()
    obj = model.objects.order_by("pk").first()
    assert obj is not None, f"the seed has no {model._meta.label} for its admin URLs"
    return obj


def admin_path(route: Route, world: World) -> str:
    """The address of an admin pattern, on a real object where it needs one."""
    kind, model = admin_kind(route)
    if kind == "catch_all":
        return "/admin/no-such-page/"
    if kind == "autocomplete":
        return (
            reverse(route.name) + "?app_label=regions&model_name=membership&field_name=user&term=bi"
        )
    if kind == "view_on_site":
        plan = world.plan
        return reverse(route.name, args=[ContentType.objects.get_for_model(Plan).pk, plan.pk])
    if kind == "app_list":
        return reverse(route.name, kwargs={"app_label": "plans"})
    if model is None or kind in ("changelist", "add"):
        return reverse(route.name)
    obj = admin_object(model, world)
    if kind == "object_redirect":
        return "/" + route.route.replace("<path:object_id>", str(obj.pk))
    if kind == "simple_history":
        record = obj.history.order_by("history_id").first()
        if record is None:  # seed rows are written without history; give this one some
            obj.save()
            record = obj.history.order_by("history_id").first()
        return reverse(route.name, args=[obj.pk, record.history_id])
    return reverse(route.name, args=[obj.pk])

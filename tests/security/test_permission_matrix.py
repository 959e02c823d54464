"""The permission matrix: every URL Django serves × every persona, generated from the URL
configuration.

Every pattern (pages in Korean and under /en/, the API with its format-suffix twins, the admin,
the schema and docs, /healthz and /readyz) must have a row here, and every row must still be a
pattern: a new URL cannot escape the matrix and a removed one cannot linger. Each cell is its
own test: `test_get[plan_detail-daejeon]`, `test_write[api-approve-busan]`.

The objects belong to Busan — its plan, its draft, submitted and approved values, its report
and its spreadsheet upload — so that Daejeon's column is the cross-region check. Every GET also
looks for Busan's unapproved values in the response: only cells marked `Sees(...)` may show them.

Notation: a number is the status; `LOGIN` / `ADMIN_LOGIN` is a 302 to that login page with the
requested address as `next`; `W(...)` is a write that changed the protected data (every other
write cell must leave it exactly as it was).
"""

import json
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from imports.models import ImportBatch
from indicators.models import Indicator, Observation, WorkflowStatus
from regions.models import Membership, Role
from regions.services import create_account
from reports.models import Report
from tests.conftest import PASSWORD
from tests.security.urlmatrix import (
    LANGUAGES,
    PATH_ARGS,
    SECRETS,
    World,
    admin_kind,
    admin_path,
    path_of,
    routes,
    walk,
)

# The personas of tests/conftest.py; "admin" is a superuser without a role.
PERSONAS = ("anonymous", "busan", "daejeon", "ministry", "admin")
LOGIN = "login"
ADMIN_LOGIN = "admin login"
AL = ADMIN_LOGIN


@dataclass(frozen=True)
class Sees:
    """A 200 whose body shows Busan's unapproved values (this persona may see them)."""

    status: int = 200


@dataclass(frozen=True)
class W:
    """A write that took effect: the protected data changed."""

    status: int


# ================================================================================ GET
# Every page and API route, opened by each persona (pages in Korean and in English).

# fmt: off
GET = {
    #                              anonymous  busan       daejeon  ministry    admin
    "healthz":                     (200,      200,        200,     200,        200),
    "readyz":                      (200,      200,        200,     200,        200),
    # ---- public pages: approved values only, the same for everyone
    "home":                        (200,      200,        200,     200,        200),
    "plan_detail":                 (200,      200,        200,     200,        200),
    "task_detail":                 (200,      200,        200,     200,        200),
    "kpi_detail":                  (200,      200,        200,     200,        200),
    "report_list":                 (200,      200,        200,     200,        200),
    "report_download":             (200,      200,        200,     200,        200),
    "report_print":                (200,      200,        200,     200,        200),
    "region_detail":               (200,      200,        200,     200,        200),
    "dashboard":                   (200,      200,        200,     200,        200),
    "region_dashboard":            (200,      200,        200,     200,        200),
    "compare":                     (200,      200,        200,     200,        200),
    "chart_embed":                 (200,      200,        200,     200,        200),
    "chart_csv":                   (200,      200,        200,     200,        200),
    "export_observations":         (200,      200,        200,     200,        200),
    "login":                       (200,      200,        200,     200,        200),
    "logout":                      (405,      405,        405,     405,        405),  # POST only
    # ---- signed-in pages; the superuser has no role, so no workspace and no review queue
    "workspace":                   (LOGIN,    Sees(),     200,     200,        403),
    # One value's form: only those who enter the KPI's values (others: no such page).
    "value_form":                  (LOGIN,    Sees(),     404,     404,        403),
    "import_upload":               (LOGIN,    200,        200,     200,        403),
    "import_preview":              (LOGIN,    200,        404,     404,        404),  # uploader
    "import_template":             (LOGIN,    200,        200,     200,        403),
    "review_queue":                (LOGIN,    403,        403,     Sees(),     403),
    # The workflow follows roles, not the superuser flag (regions.access.scope_of).
    "review_board":                (LOGIN,    403,        403,     200,        403),
    "observation_reopen":          (LOGIN,    405,        405,     405,        405),  # POST only
    "revise_target":               (LOGIN,    405,        405,     405,        405),  # POST only
    "account":                     (LOGIN,    200,        200,     200,        200),
    # ---- API: anyone reads approved values; Busan's drafts only Busan and the ministry
    "api-root":                    (200,      200,        200,     200,        200),
    "api-root.<format>":           (200,      200,        200,     200,        200),
    "region-list":                 (200,      200,        200,     200,        200),
    "region-list.<format>":        (200,      200,        200,     200,        200),
    "region-detail":               (200,      200,        200,     200,        200),
    "region-detail.<format>":      (200,      200,        200,     200,        200),
    "plan-list":                   (200,      200,        200,     200,        200),
    "plan-list.<format>":          (200,      200,        200,     200,        200),
    "plan-detail":                 (200,      200,        200,     200,        200),
    "plan-detail.<format>":        (200,      200,        200,     200,        200),
    "indicator-list":              (200,      200,        200,     200,        200),
    "indicator-list.<format>":     (200,      200,        200,     200,        200),
    "indicator-detail":            (200,      200,        200,     200,        200),
    "indicator-detail.<format>":   (200,      200,        200,     200,        200),
    "observation-list":            (200,      Sees(),     200,     Sees(),     200),
    "observation-list.<format>":   (200,      Sees(),     200,     Sees(),     200),
    "observation-detail":          (404,      Sees(),     404,     Sees(),     404),  # the draft
    "observation-detail.<format>": (404,      Sees(),     404,     Sees(),     404),
    "observation-submit":          (405,      405,        405,     405,        405),  # POST only
    "observation-submit.<format>": (405,      405,        405,     405,        405),
    "observation-withdraw":        (405,      405,        405,     405,        405),
    "observation-withdraw.<format>": (405,    405,        405,     405,        405),
    "observation-approve":         (405,      405,        405,     405,        405),
    "observation-approve.<format>": (405,     405,        405,     405,        405),
    "observation-return-":         (405,      405,        405,     405,        405),
    "observation-return-.<format>": (405,     405,        405,     405,        405),
    "observation-reopen":          (405,      405,        405,     405,        405),
    "observation-reopen.<format>": (405,      405,        405,     405,        405),
    "budget-list":                 (200,      200,        200,     200,        200),
    "budget-list.<format>":        (200,      200,        200,     200,        200),
    "series-list":                 (200,      200,        200,     200,        200),
    "series-list.<format>":        (200,      200,        200,     200,        200),
    "schema":                      (200,      200,        200,     200,        200),
    "api_docs":                    (200,      200,        200,     200,        200),
    "^api/":                       (404,      404,        404,     404,        404),  # JSON 404
}

# The admin, one rule for the family: staff only (secretariats are not staff). Every admin URL
# is still opened, object URLs on a real object. Ministry officers' model views follow
# MINISTRY_ADMIN below; the column here is for models outside it.
ADMIN_GET = {
    #                              anonymous  busan       daejeon  ministry    admin
    "index":                       (AL,       AL,         AL,      200,        200),
    "login":                       (200,      200,        200,     302,        302),
    "logout":                      (302,      302,        302,     405,        405),  # POST only
    "password_change":             (AL,       AL,         AL,      200,        200),
    "password_change_done":        (AL,       AL,         AL,      200,        200),
    "jsi18n":                      (AL,       AL,         AL,      200,        200),
    "autocomplete":                (AL,       AL,         AL,      403,        200),
    "view_on_site":                (AL,       AL,         AL,      302,        302),
    "app_list":                    (AL,       AL,         AL,      200,        200),  # plans
    "catch_all":                   (AL,       AL,         AL,      404,        404),
    "object_redirect":             (AL,       AL,         AL,      302,        302),
    "changelist":                  (AL,       AL,         AL,      403,        200),
    "add":                         (AL,       AL,         AL,      403,        200),
    "change":                      (AL,       AL,         AL,      403,        200),
    "delete":                      (AL,       AL,         AL,      403,        200),
    "history":                     (AL,       AL,         AL,      403,        200),
    "simple_history":              (AL,       AL,         AL,      403,        200),
    "password":                    (AL,       AL,         AL,      403,        200),
}

# Ministry officers (the "ministry officers" group): they see every model of these apps and
# add and change the plan registry's; values, targets, accounts and deleting stay out of reach.
MINISTRY_SEES = {"regions", "plans", "indicators", "imports", "reports"}
MINISTRY_EDITS = {
    "plans.plan", "plans.basicdirection", "plans.strategy", "plans.task", "plans.budget",
    "regions.agency",
}


def ministry_admin(kind: str, model) -> int | None:
    """The ministry officer's status for an admin model view, or None for ADMIN_GET's."""
    if model is None or kind not in ("changelist", "add", "change", "delete", "history",
                                      "simple_history"):
        return None
    if model._meta.app_label not in MINISTRY_SEES:
        return 403
    if kind == "delete" or (kind == "add" and model._meta.label_lower not in MINISTRY_EDITS):
        return 403
    return 200


# ================================================================== methods a route refuses
# POST, PUT, PATCH and DELETE on read-only routes, and the methods a write route does not take:
# 405 (never a 500, never the page), after the login a route needs.

READ_ONLY = ("POST", "PUT", "PATCH", "DELETE")
NOT_POST = ("PUT", "PATCH", "DELETE")
EVERYONE_405 = (405, 405, 405, 405, 405)
SIGNED_IN_405 = (LOGIN, 405, 405, 405, 405)
TOKEN_405 = (401, 405, 405, 405, 405)  # anonymous API writes are refused before the method
UNSUPPORTED = {
    **{
        key: (READ_ONLY, EVERYONE_405)
        for key in (
            "healthz", "readyz", "home", "plan_detail", "task_detail", "kpi_detail",
            "report_download", "report_print", "region_detail", "dashboard",
            "region_dashboard", "compare", "chart_embed", "chart_csv", "export_observations",
            "api-root", "api-root.<format>", "region-list", "region-list.<format>",
            "region-detail", "region-detail.<format>", "plan-list", "plan-list.<format>",
            "plan-detail", "plan-detail.<format>", "indicator-list", "indicator-list.<format>",
            "indicator-detail", "indicator-detail.<format>", "budget-list",
            "budget-list.<format>", "series-list", "series-list.<format>", "schema", "api_docs",
        )
    },
    "review_board":                (READ_ONLY, SIGNED_IN_405),
    "import_template":             (READ_ONLY, SIGNED_IN_405),
    "observation_reopen":          (NOT_POST, SIGNED_IN_405),
    "revise_target":               (NOT_POST, SIGNED_IN_405),
    "logout":                      (NOT_POST, EVERYONE_405),
    "observation-list":            (NOT_POST, TOKEN_405),
    "observation-list.<format>":   (NOT_POST, TOKEN_405),
    "observation-detail":          (("POST", "PUT"), TOKEN_405),
    "observation-detail.<format>": (("POST", "PUT"), TOKEN_405),
    **{
        f"observation-{action}{suffix}": (NOT_POST, TOKEN_405)
        for action in ("submit", "withdraw", "approve", "return-", "reopen")
        for suffix in ("", ".<format>")
    },
    "^api/":                       (READ_ONLY, (404, 404, 404, 404, 404)),
}
# fmt: on

# ================================================================================ writes


@dataclass(frozen=True)
class Write:
    key: str  # the route
    method: str
    body: object  # world -> request data
    expected: tuple
    args: object = None  # world -> the route's kwargs, when not those of PATH_ARGS


def _grid(w, value, action="save"):
    rnd, draft = w.rnd.pk, w.draft
    return {
        "year": "2025",
        "action": action,
        f"value-{rnd}": value,
        f"source-{rnd}": "https://example.org/h2-matrix/edited",
        f"note-{rnd}": "",
        f"version-{rnd}": str(draft.version),
    }


def _review(action):
    def body(w):
        pk = w.submitted.pk
        data = {f"version-{pk}": str(w.submitted.version), f"comment-{pk}": "출처를 확인해 주세요"}
        if action == "bulk_approve":
            return {**data, "bulk_approve": "1", "selected": [str(pk)]}
        return {**data, action: str(pk)}

    return body


def _version(observation):
    return lambda w: {"version": getattr(w, observation).version}


# fmt: off
WRITES = {
    # ---- data entry: only Busan changes Busan's values. Another persona's grid has no Busan
    # row, so Busan's fields are ignored: Daejeon's (empty) grid is shown again, the ministry's
    # (national KPIs) saves nothing, or its submit finds no value to submit.
    "workspace-save": Write(
        "workspace", "POST", lambda w: _grid(w, "2.11"),
        (LOGIN,   W(302),   200,     302,     403)),
    "workspace-submit": Write(
        "workspace", "POST", lambda w: _grid(w, "2.11", f"submit:{w.rnd.pk}"),
        (LOGIN,   W(302),   200,     200,     403)),
    # One value's form: Busan edits, deletes its draft and withdraws its submission; for
    # anyone else the value has no form (404), and the role-less superuser has no workspace.
    "value-form-save": Write(
        "value_form", "POST",
        lambda w: {"action": "save", "value": "2.12", "version": str(w.draft.version)},
        (LOGIN,   W(302),   404,     404,     403)),
    "value-form-delete": Write(
        "value_form", "POST", lambda w: {"action": "delete", "version": str(w.draft.version)},
        (LOGIN,   W(302),   404,     404,     403)),
    "value-form-withdraw": Write(
        "value_form", "POST",
        lambda w: {"action": "withdraw", "version": str(w.submitted.version)},
        (LOGIN,   W(302),   404,     404,     403),
        args=lambda w: {"indicator_id": w.submitted.indicator_id, "year": 2024}),
    # An upload only stores a batch (checked row by row: another region's rows are problems,
    # see test_an_upload_of_busans_rows_is_busans_alone); confirming writes, by its uploader.
    "import-upload": Write(
        "import_upload", "POST",
        lambda w: {"file": SimpleUploadedFile(
            "values.csv", b"plan,kpi,year,value,source,note\nbusan-2,rnd_to_grdp_pct,2026,2.2,,\n"
        )},
        (LOGIN,   302,      302,     302,     403)),
    "import-confirm": Write(
        "import_preview", "POST", lambda w: {},
        (LOGIN,   W(302),   404,     404,     404)),
    # ---- review: ministry officers only (the superuser has no role)
    "review-approve": Write(
        "review_queue", "POST", _review("approve"),
        (LOGIN,   403,      403,     W(302),  403)),
    "review-return": Write(
        "review_queue", "POST", _review("return"),
        (LOGIN,   403,      403,     W(302),  403)),
    "review-bulk-approve": Write(
        "review_queue", "POST", _review("bulk_approve"),
        (LOGIN,   403,      403,     W(302),  403)),
    # Reopening and revising answer a refusal with a message on the KPI page (nothing changes);
    # the superuser has no role, so no part in the workflow.
    "reopen": Write(
        "observation_reopen", "POST",
        lambda w: {"reason": "정정 발표", "version": str(w.approved.version)},
        (LOGIN,   302,      302,     W(302),  302)),
    "revise-target": Write(
        "revise_target", "POST",
        lambda w: {"target_year": "2027", "target_value": "2.5", "reason": "중간점검 상향"},
        (LOGIN,   302,      302,     W(302),  302)),
    # ---- reports: the ministry and the plan region's secretariat request one
    "report-request": Write(
        "report_list", "POST", lambda w: {"year": "2024"},
        (LOGIN,   W(302),   403,     W(302),  403)),
    # ---- one's own account and session
    "token-create": Write(
        "account", "POST", lambda w: {"action": "create"},
        (LOGIN,   W(200),   W(200),  W(200),  W(200))),
    "token-revoke": Write(
        "account", "POST", lambda w: {"action": "revoke"},
        (LOGIN,   W(302),   W(302),  W(302),  W(302))),
    "logout": Write(
        "logout", "POST", lambda w: {},
        (302,     W(302),   W(302),  W(302),  W(302))),
    "login-wrong-password": Write(
        "login", "POST", lambda w: {"username": "matrix-busan", "password": "not-the-password"},
        (200,     200,      200,     200,     200)),
    # ---- API, with each persona's token
    "api-create": Write(
        "observation-list", "POST",
        lambda w: {"indicator": w.rnd.pk, "year": 2026, "value": "2.2"},
        (401,     W(201),   403,     403,     403)),
    "api-patch-draft": Write(
        "observation-detail", "PATCH",
        lambda w: {"value": "2.1", "version": w.draft.version},
        (401,     W(200),   404,     403,     404)),
    "api-patch-approved": Write(
        "observation-detail", "PATCH",
        lambda w: {"value": "5", "version": w.approved.version},
        (401,     409,      403,     403,     403), args=lambda w: {"pk": w.approved.pk}),
    "api-submit": Write(
        "observation-submit", "POST", _version("draft"),
        (401,     W(200),   404,     403,     404)),
    # Deleting: a draft only, by those who enter its values; another region sees no draft.
    "api-delete-draft": Write(
        "observation-detail", "DELETE", lambda w: {},
        (401,     W(204),   404,     403,     404)),
    "api-delete-approved": Write(
        "observation-detail", "DELETE", lambda w: {},
        (401,     409,      403,     403,     403), args=lambda w: {"pk": w.approved.pk}),
    "api-withdraw": Write(
        "observation-withdraw", "POST", _version("submitted"),
        (401,     W(200),   404,     403,     404)),
    "api-approve": Write(
        "observation-approve", "POST", _version("submitted"),
        (401,     403,      404,     W(200),  404)),
    "api-return": Write(
        "observation-return-", "POST",
        lambda w: {"comment": "출처를 확인해 주세요", "version": w.submitted.version},
        (401,     403,      404,     W(200),  404)),
    "api-reopen": Write(
        "observation-reopen", "POST",
        lambda w: {"reason": "정정 발표", "version": w.approved.version},
        (401,     403,      403,     W(200),  403)),
}
# fmt: on
# The same writes through the router's format-suffix twins (`/observations/42/submit.json`).
for _id in (
    "api-create",
    "api-patch-draft",
    "api-submit",
    "api-delete-draft",
    "api-withdraw",
    "api-approve",
    "api-return",
    "api-reopen",
):
    _write = WRITES[_id]
    _args = _write.args or (lambda w, key=_write.key: PATH_ARGS[key](w)[0])
    WRITES[f"{_id}.json"] = Write(
        f"{_write.key}.<format>",
        _write.method,
        _write.body,
        _write.expected,
        lambda w, args=_args: {**args(w), "format": "json"},
    )

# Admin writes (add, change, delete) by everyone but the superuser: refused (or, for the
# ministry's registry models, an empty form shown again), nothing changed.
ADMIN_WRITE_KINDS = {"add": {}, "change": {}, "delete": {"post": "yes"}}
ADMIN_WRITE = (AL, AL, AL, 403)

# ================================================================================ plumbing

ROUTES = routes()
ROLES = {
    "busan": (Role.SECRETARIAT, "26"),
    "daejeon": (Role.SECRETARIAT, "30"),
    "ministry": (Role.MINISTRY, None),
}


@dataclass(frozen=True)
class Setting:
    users: dict  # persona -> user (None for the anonymous visitor)
    tokens: dict  # persona -> API token key
    world: World


@pytest.fixture(scope="module")
def setting(django_db_setup, django_db_blocker):
    """The personas (as in tests/conftest.py) and Busan's objects, made once for the module in
    a transaction rolled back at its end; each test runs in a savepoint inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        users = {"anonymous": None}
        for persona, (role, region) in ROLES.items():
            users[persona] = create_account(
                username=f"matrix-{persona}", password=PASSWORD, role=role, region_code=region
            )
        users["admin"] = get_user_model().objects.create_superuser(
            "matrix-admin", "matrix-admin@example.org", PASSWORD
        )
        world = World(users["busan"])
        world.make_all()
        tokens = {
            persona: Token.objects.get_or_create(user=user)[0].key
            for persona, user in users.items()
            if user is not None
        }
        yield Setting(users, tokens, world)
        transaction.set_rollback(True)


@pytest.fixture
def world(setting, db):
    return setting.world


@pytest.fixture
def as_persona(setting, db):
    """The persona's page client (signed in), API client (with its token) and user."""

    def make(persona):
        user = setting.users[persona]
        page, api = Client(), APIClient()
        if user is not None:
            page.force_login(user)
            api.credentials(HTTP_AUTHORIZATION=f"Token {setting.tokens[persona]}")
        return page, api, user

    return make


def is_admin(key: str) -> bool:
    return ROUTES[key].route.startswith("admin/")


def is_api(path: str) -> bool:
    return path.startswith("/api/v1/")


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def check(response, expected, path: str, language: str = "ko") -> None:
    """The response is what the cell says: a status, or a redirect to a login page."""
    status = response.status_code
    assert status < 500, f"{path}: {status}"
    if expected in (LOGIN, ADMIN_LOGIN):
        with translation.override(language):
            login = reverse("login" if expected == LOGIN else "admin:login")
        assert status == 302, f"{path}: {status}, expected a redirect to {login}"
        assert response["Location"] == f"{login}?next={quote(path, safe='/')}", path
        return
    if isinstance(expected, Sees | W):
        expected = expected.status
    assert status == expected, f"{path}: {status}, expected {expected}"


def leaks(response) -> list[str]:
    body = body_of(response)
    return [secret for secret in SECRETS if secret.encode() in body]


def protected() -> dict:
    """The data no refused request may change (a new import batch of one's own is not a
    change: uploading is open to every role, writing is not)."""
    return {
        "observations": list(
            Observation.objects.order_by("pk").values_list(
                "pk", "status", "value", "version", "source", "note"
            )
        ),
        "observation history": Observation.history.count(),
        "targets": list(
            Indicator.objects.order_by("pk").values_list("pk", "target_year", "target_value")
        ),
        "indicator history": Indicator.history.count(),
        "reports": list(Report.objects.order_by("pk").values_list("pk", "state")),
        "batches": dict(ImportBatch.objects.values_list("pk", "state")),
        "tokens": sorted(Token.objects.values_list("user_id", "key")),
        "sessions": sorted(Session.objects.values_list("session_key", flat=True)),
        "users": list(
            get_user_model()
            .objects.order_by("pk")
            .values_list("pk", "password", "is_active", "is_staff", "is_superuser")
        ),
        "memberships": list(Membership.objects.order_by("pk").values_list("pk", "role", "region")),
    }


def changed(before: dict, after: dict) -> list[str]:
    after = {**after, "batches": {pk: after["batches"].get(pk) for pk in before["batches"]}}
    return [name for name in before if before[name] != after[name]]


def cells(keys):
    return [
        pytest.param(key, persona, id=f"{key}-{persona}") for key in keys for persona in PERSONAS
    ]


# ================================================================================ tests


def test_every_url_pattern_has_a_row_and_every_row_a_pattern():
    page_keys = {key for key in ROUTES if not is_admin(key)}
    assert sorted(page_keys - set(GET)) == [], "URL patterns missing from the matrix"
    assert sorted(set(GET) - page_keys) == [], "matrix rows whose URL pattern is gone"
    unknown = [key for key in ROUTES if is_admin(key) and admin_kind(ROUTES[key])[0] == "unknown"]
    assert unknown == [], "admin URLs no rule of ADMIN_GET covers"
    # Every route either refuses the methods it does not take or has its writes here.
    written = {write.key for write in WRITES.values()}
    assert sorted(page_keys - set(UNSUPPORTED) - written) == [], "routes with no method check"
    assert sorted((set(UNSUPPORTED) | written) - page_keys) == [], "rows whose pattern is gone"


def test_the_english_site_has_the_same_patterns_under_en():
    korean = {route.key: route for route in walk("ko")}
    english = {route.key: route for route in walk("en")}
    assert set(korean) == set(english)
    pages = [key for key, route in korean.items() if route.i18n]
    assert {"home", "workspace", "login", "review_queue"} <= set(pages)
    for key in pages:
        assert english[key].route == "en/" + korean[key].route, key
    for key in set(korean) - set(pages):
        assert english[key].route == korean[key].route, key


@pytest.mark.parametrize(("key", "persona"), cells(ROUTES))
def test_get(key, persona, world, as_persona):
    page, api, _ = as_persona(persona)
    route = ROUTES[key]
    column = PERSONAS.index(persona)
    if is_admin(key):
        kind, model = admin_kind(route)
        assert kind in ADMIN_GET, f"{key} ({route.route}) has no rule in the permission matrix"
        path = admin_path(route, world)
        response = page.get(path)
        expected = ADMIN_GET[kind][column]
        if persona == "ministry" and ministry_admin(kind, model) is not None:
            expected = ministry_admin(kind, model)
        check(response, expected, path)
        # The superuser and ministry officers see every value in the admin, by design.
        if persona not in ("admin", "ministry"):
            assert leaks(response) == [], f"{path} shows unapproved values to {persona}"
        return
    assert key in GET, f"{key} ({route.route}) has no row in the permission matrix"
    expected = GET[key][column]
    for language in LANGUAGES if route.i18n else ("ko",):
        path = path_of(route, world, language)
        response = (api if is_api(path) else page).get(path)
        check(response, expected, path, language)
        if isinstance(expected, Sees):
            assert leaks(response), f"{path} should show Busan's unapproved values"
        else:
            assert leaks(response) == [], f"{path} shows unapproved values to {persona}"


@pytest.mark.parametrize(("key", "persona"), cells(UNSUPPORTED))
def test_unsupported_methods(key, persona, world, as_persona):
    page, api, _ = as_persona(persona)
    route = ROUTES[key]
    methods, row = UNSUPPORTED[key]
    before = protected()
    for language in LANGUAGES if route.i18n else ("ko",):
        path = path_of(route, world, language)
        for method in methods:
            response = (api if is_api(path) else page).generic(method, path)
            check(response, row[PERSONAS.index(persona)], path, language)
    assert changed(before, protected()) == []


@pytest.mark.parametrize("key", [key for key in GET if key in ROUTES])
def test_head_answers_like_get_and_options_never_fails(key, world, as_persona):
    """HEAD gets GET's status (without the body); OPTIONS is never a server error."""
    for persona in ("anonymous", "busan"):
        page, api, _ = as_persona(persona)
        path = path_of(ROUTES[key], world)
        caller = api if is_api(path) else page
        check(caller.head(path), GET[key][PERSONAS.index(persona)], path)
        assert caller.options(path).status_code < 500, path


@pytest.mark.parametrize(("write_id", "persona"), cells(WRITES))
def test_write(write_id, persona, world, as_persona):
    write = WRITES[write_id]
    page, api, _ = as_persona(persona)
    path = path_of(ROUTES[write.key], world, kwargs=write.args(world) if write.args else None)
    data = write.body(world)
    before = protected()
    if is_api(path):
        response = api.generic(write.method, path, json.dumps(data), "application/json")
        if response.status_code >= 400:
            assert set(response.json()) == {"error"}, response.content
    else:
        assert write.method == "POST", write
        response = page.post(path, data)
    expected = write.expected[PERSONAS.index(persona)]
    check(response, expected, path)
    if isinstance(expected, W):
        assert changed(before, protected()), f"{write_id} by {persona} changed nothing"
    else:
        assert changed(before, protected()) == [], f"{write_id} by {persona} changed data"


def admin_write_cells():
    for key, route in ROUTES.items():
        if is_admin(key) and admin_kind(route)[0] in ADMIN_WRITE_KINDS:
            for persona in PERSONAS[:-1]:
                yield pytest.param(key, persona, id=f"{key}-{persona}")


@pytest.mark.parametrize(("key", "persona"), list(admin_write_cells()))
def test_admin_write(key, persona, world, as_persona):
    page, _, _ = as_persona(persona)
    route = ROUTES[key]
    kind, model = admin_kind(route)
    path = admin_path(route, world)
    rows = list(model._base_manager.order_by("pk").values())
    response = page.post(path, ADMIN_WRITE_KINDS[kind])
    expected = ADMIN_WRITE[PERSONAS.index(persona)]
    if persona == "ministry" and model._meta.label_lower in MINISTRY_EDITS and kind != "delete":
        expected = 200  # the form again, with its errors: an empty form changes nothing
    check(response, expected, path)
    assert list(model._base_manager.order_by("pk").values()) == rows


def test_an_upload_of_busans_rows_is_busans_alone(world, as_persona):
    """Anyone with a role may upload, but another region's rows are problems, never writes."""
    content = b"plan,kpi,year,value,source,note\nbusan-2,rnd_to_grdp_pct,2026,2.2,,\n"
    for persona, problems in (("busan", 0), ("daejeon", 1), ("ministry", 1)):
        page, _, user = as_persona(persona)
        response = page.post(
            "/workspace/import/", {"file": SimpleUploadedFile("values.csv", content)}
        )
        batch = ImportBatch.objects.filter(user=user).latest("pk")
        assert response["Location"] == f"/workspace/import/{batch.pk}/"
        assert (batch.state, batch.problem_count) == (ImportBatch.State.CHECKED, problems)
        if problems:
            assert page.post(f"/workspace/import/{batch.pk}/").status_code == 302
            batch.refresh_from_db()
            assert batch.state == ImportBatch.State.CHECKED  # refused: it has problems
    assert not Observation.objects.filter(indicator=world.rnd, year=2026).exists()


def test_the_values_the_leak_checks_look_for_are_busans_and_unapproved(world):
    assert world.draft.status == WorkflowStatus.DRAFT
    assert world.submitted.status == WorkflowStatus.SUBMITTED
    assert {world.draft.indicator.plan.region_id, world.submitted.indicator.plan.region_id} == {
        "26"
    }

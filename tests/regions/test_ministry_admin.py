"""Ministry officers use the admin: they see the registry and the values, edit plan texts and
budgets, and never change values or targets there (those go through the workflow)."""

import pytest

from plans.models import Plan

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/plans/plan/",
        "/admin/plans/task/",
        "/admin/plans/budget/",
        "/admin/indicators/indicator/",
        "/admin/indicators/observation/",
        "/admin/regions/region/",
    ],
)
def test_a_ministry_officer_browses_the_admin(ministry, url):
    assert ministry.get(url).status_code == 200


def test_a_ministry_officer_edits_a_plan_but_not_values_or_accounts(ministry):
    plan = Plan.objects.get(key="busan-2")
    assert ministry.get(f"/admin/plans/plan/{plan.pk}/change/").status_code == 200
    assert ministry.get("/admin/plans/budget/add/").status_code == 200
    assert ministry.get("/admin/indicators/observation/add/").status_code == 403
    assert ministry.get("/admin/indicators/indicator/add/").status_code == 403
    assert ministry.get("/admin/auth/user/").status_code == 403
    assert ministry.get("/admin/regions/membership/add/").status_code == 403


def test_secretariats_have_no_admin(busan):
    assert busan.get("/admin/").status_code == 302

"""The one access scope (regions/access.py): what each persona sees and enters, and that the
list filters, the rules and the "who hears about it" lists all agree with it."""

import pytest
from django.contrib.auth.models import AnonymousUser

from indicators.models import Indicator, Observation, WorkflowStatus
from regions.access import (
    EVERYWHERE,
    NATIONAL,
    NOBODY,
    accounts_entering,
    enterers_by_place,
    may,
    reviewers,
    scope_of,
)
from regions.models import Region, Role
from regions.services import create_account
from tests.conftest import PASSWORD


def test_a_secretariat_sees_and_enters_its_own_region_only(busan):
    scope = scope_of(busan.user)
    assert scope.sees == scope.enters == frozenset({"26"})
    assert scope.may_see("26") and scope.may_enter("26")
    assert not scope.may_see("30") and not scope.may_see(NATIONAL)
    assert not scope.reviews


def test_a_ministry_officer_sees_everything_enters_the_national_plan_and_reviews(ministry):
    scope = scope_of(ministry.user)
    assert scope.sees is EVERYWHERE and scope.may_see("26") and scope.may_see(NATIONAL)
    assert scope.enters == frozenset({NATIONAL}) and not scope.may_enter("26")
    assert scope.reviews


def test_the_public_and_role_less_accounts_have_no_scope(db, django_user_model):
    assert scope_of(AnonymousUser()) == NOBODY
    root = django_user_model.objects.create_superuser("root", "root@example.com", PASSWORD)
    assert scope_of(root) == NOBODY  # the superuser flag grants no workflow role


def test_an_inactive_account_has_no_scope(busan):
    busan.user.is_active = False
    assert scope_of(busan.user) == NOBODY


@pytest.mark.parametrize("persona", ["busan", "daejeon", "ministry", "anonymous"])
def test_the_list_filters_agree_with_the_scope_row_for_row(db, request, persona):
    if persona == "anonymous":
        user = AnonymousUser()
    else:
        user = request.getfixturevalue(persona).user
    for plan_region in ("26", "30", None):
        indicator = Indicator.objects.filter(plan__region_id=plan_region).first()
        if indicator is None:
            continue
        Observation.objects.update_or_create(
            indicator=indicator,
            year=indicator.baseline_year + 1,
            defaults={"value": 1, "status": WorkflowStatus.DRAFT},
        )
    scope = scope_of(user)
    for observation in Observation.objects.select_related("indicator__plan"):
        place = observation.indicator.plan.region_id
        expected = observation.status == WorkflowStatus.APPROVED or scope.may_see(place)
        visible = Observation.objects.visible_to(user).filter(pk=observation.pk).exists()
        assert visible == expected, (persona, place, observation.status)
        assert may(user, "indicators.view_unapproved", observation) == scope.may_see(place)
    for indicator in Indicator.objects.select_related("plan"):
        place = indicator.plan.region_id
        editable = Indicator.objects.editable_by(user).filter(pk=indicator.pk).exists()
        assert editable == scope.may_enter(place) == may(user, "indicators.enter_value", indicator)


def test_who_hears_about_a_place_is_the_scope_asked_the_other_way_round(busan, daejeon, ministry):
    create_account(username="busan2", password=PASSWORD, role=Role.SECRETARIAT, region_code="26")
    assert {u.username for u in accounts_entering("26")} == {"bistep", "busan2"}
    assert {u.username for u in accounts_entering("30")} == {"distep"}
    assert {u.username for u in accounts_entering(NATIONAL)} == {"officer"}
    assert {u.username for u in reviewers()} == {"officer"}
    grouped = enterers_by_place()
    for code in [*Region.objects.values_list("code", flat=True), NATIONAL]:
        expected = {u.pk for u in accounts_entering(code)}
        assert {u.pk for u in grouped.get(code, [])} == expected


def test_an_inactive_account_hears_about_nothing(busan):
    busan.user.is_active = False
    busan.user.save(update_fields=["is_active"])
    assert accounts_entering("26") == []

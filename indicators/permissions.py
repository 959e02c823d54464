"""The rules of KPI values, each derived from the user's access scope (regions/access.py).

Pages, the API and background jobs ask `regions.access.may(user, perm, obj)` for one object;
lists are cut by `Observation.objects.visible_to(user)` and `Indicator.objects.editable_by(user)`,
which use the same scope. A KPI's *place* is its plan's region (NATIONAL for the national plan).

- Anyone sees approved values; unapproved ones only where the scope sees.
- A KPI's values are entered where the scope enters: a region's secretariat for its region's
  KPIs, ministry officers for the national plan's.
- Only reviewers (ministry officers) approve, return and reopen values, and never a value they
  entered or submitted themselves; only they revise targets and see the submission board.
- A draft is deleted, and an unreviewed submission withdrawn, by those who enter the KPI's
  values (the workflow's states are checked by the services).
"""

import rules
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from regions.access import may, scope_of


def place_of(obj) -> str | None:
    """The place of a KPI or of one of its values: its plan's region code (None: national)."""
    return getattr(obj, "indicator", obj).plan.region_id


@rules.predicate
def enters_values_for(user, obj) -> bool:
    return obj is not None and scope_of(user).may_enter(place_of(obj))


@rules.predicate
def sees_unapproved(user, obj) -> bool:
    return obj is not None and scope_of(user).may_see(place_of(obj))


@rules.predicate
def reviews(user) -> bool:
    return scope_of(user).reviews


@rules.predicate
def enters_some_values(user) -> bool:
    return bool(scope_of(user).enters)


@rules.predicate
def did_not_enter(user, observation) -> bool:
    return observation is None or user.pk not in (
        observation.entered_by_id,
        observation.submitted_by_id,
    )


rules.add_perm("indicators.enter_value", enters_values_for)
rules.add_perm("indicators.delete_value", enters_values_for)
rules.add_perm("indicators.withdraw_value", enters_values_for)
rules.add_perm("indicators.view_unapproved", sees_unapproved)
rules.add_perm("indicators.use_workspace", enters_some_values)
rules.add_perm("indicators.review_values", reviews)
rules.add_perm("indicators.review_value", reviews & did_not_enter)
rules.add_perm("indicators.reopen_value", reviews)
rules.add_perm("indicators.revise_target", reviews)
rules.add_perm("indicators.view_board", reviews)


def require_workspace(user) -> None:
    """Refuse a signed-in user who enters no values (an account with no role yet)."""
    if not may(user, "indicators.use_workspace"):
        raise PermissionDenied(_("Your account has no role yet; ask an administrator."))

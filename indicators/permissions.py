"""Who may do what with KPI values: the one place these rules live.

Pages, the API and background jobs all ask here — through `may(user, perm, obj)` for one
object, and through the `visible_to` / `editable_by` QuerySet methods for lists.

The workflow follows roles, never Django's superuser flag: an administrator without a ministry
or secretariat role neither enters nor reviews values (separation of duties), which
`user.has_perm` would allow (it grants a superuser every permission).

- Anyone sees approved values. A region's secretariat also sees its own region's other values;
  ministry officers see everything.
- A regional KPI's values are entered by that region's secretariat; a national-plan KPI's by
  ministry officers.
- Only a ministry officer reviews (approves, returns, reopens), and never a value they entered
  or submitted themselves. Only a ministry officer revises targets.
"""

import rules
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from regions.models import Role


def may(user, perm: str, obj=None) -> bool:
    """Whether the user may do `perm` ("indicators.enter_value", ...) to obj, by role."""
    return bool(user and user.is_active and rules.has_perm(perm, user, obj))


def membership(user):
    if not user or not user.is_authenticated:
        return None
    return getattr(user, "membership", None)


def require_role(user) -> None:
    """Refuse a signed-in user who is neither a ministry officer nor a secretariat."""
    if membership(user) is None:
        raise PermissionDenied(_("Your account has no role yet; ask an administrator."))


@rules.predicate
def is_ministry(user) -> bool:
    member = membership(user)
    return bool(member and member.role == Role.MINISTRY)


@rules.predicate
def is_secretariat(user) -> bool:
    member = membership(user)
    return bool(member and member.role == Role.SECRETARIAT)


def region_code_of(user) -> str | None:
    member = membership(user)
    return member.region_id if member and member.role == Role.SECRETARIAT else None


def _indicator(obj):
    # Rules receive either a KPI or one of its values.
    return getattr(obj, "indicator", obj)


@rules.predicate
def enters_values_for(user, obj) -> bool:
    """The user is the one who enters this KPI's values."""
    if obj is None:
        return False
    plan = _indicator(obj).plan
    if plan.region_id is None:
        return is_ministry(user)
    return region_code_of(user) == plan.region_id


@rules.predicate
def did_not_enter(user, observation) -> bool:
    return observation is None or user.pk not in (
        observation.entered_by_id,
        observation.submitted_by_id,
    )


@rules.predicate
def sees_unapproved(user, obj) -> bool:
    if obj is None:
        return False
    if is_ministry(user):
        return True
    plan = _indicator(obj).plan
    return plan.region_id is not None and region_code_of(user) == plan.region_id


rules.add_perm("indicators.enter_value", enters_values_for)
rules.add_perm("indicators.view_unapproved", sees_unapproved)
rules.add_perm("indicators.review_value", is_ministry & did_not_enter)
rules.add_perm("indicators.reopen_value", is_ministry)
rules.add_perm("indicators.revise_target", is_ministry)
rules.add_perm("indicators.view_board", is_ministry)

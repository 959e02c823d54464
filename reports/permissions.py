"""Who may request a plan's annual report."""

from __future__ import annotations

from indicators.permissions import is_ministry, region_code_of
from plans.models import Plan


def may_request_report(user, plan: Plan) -> bool:
    """Ministry officers request any plan's report; a secretariat only its own region's."""
    if is_ministry(user):
        return True
    return plan.region_id is not None and region_code_of(user) == plan.region_id

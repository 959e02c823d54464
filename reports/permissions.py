"""Who may request a plan's annual report: reviewers (ministry officers) for any plan, and
those who enter a plan's values for their own plans; from the access scope (regions/access.py).
The reports themselves are public: they hold approved values only."""

import rules

from regions.access import scope_of


@rules.predicate
def answers_for(user, plan) -> bool:
    scope = scope_of(user)
    return plan is not None and (scope.reviews or scope.may_enter(plan.region_id))


rules.add_perm("reports.request_report", answers_for)

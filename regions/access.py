"""Who may see and enter what: the one access scope that every rule and list filter comes from.

`scope_of(user)` says, for one user, which *places* they see unapproved data of, which places'
KPI values they enter, and whether they review. A place is a region code ("26"), or
`NATIONAL` (None) for the national plan, which has no region. From it come:

- the object rules of `may(user, perm, obj)` (indicators/permissions.py, reports/permissions.py);
- the list filters `Observation.objects.visible_to(user)` and
  `Indicator.objects.editable_by(user)` (`Scope.restrict`);
- who hears about what (`accounts_entering`, `reviewers`), the same question asked the other
  way round.

The scope follows roles only, never Django's superuser flag: an administrator without a
ministry or secretariat role neither enters nor reviews values (separation of duties), which
`user.has_perm` would allow.

| who                        | sees unapproved data of | enters values of | reviews |
|----------------------------|-------------------------|------------------|---------|
| the public, a role-less or inactive account | —      | —                | no      |
| a region's secretariat     | its region              | its region       | no      |
| a ministry officer         | everywhere              | the national plan | yes    |
"""

from collections import defaultdict
from dataclasses import dataclass

import rules
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from regions.models import Role

NATIONAL = None  # the place of the national plan's KPIs


class _Everywhere:
    def __repr__(self) -> str:
        return "EVERYWHERE"


EVERYWHERE = _Everywhere()


@dataclass(frozen=True)
class Scope:
    """The places a user sees unapproved data of and enters values for, and whether they
    review. `sees` is a set of places or EVERYWHERE."""

    sees: frozenset | _Everywhere
    enters: frozenset
    reviews: bool

    def may_see(self, place: str | None) -> bool:
        return self.sees is EVERYWHERE or place in self.sees

    def may_enter(self, place: str | None) -> bool:
        return place in self.enters

    def restrict(self, queryset: QuerySet, region: str, *, to: str, public: Q | None = None):
        """`queryset` cut to the rows whose place (the region foreign key at path `region`,
        e.g. "indicator__plan__region") this scope sees (`to="see"`) or enters
        (`to="enter"`), plus the rows matching `public` (everyone's)."""
        places = self.sees if to == "see" else self.enters
        if places is EVERYWHERE:
            return queryset
        allowed = public if public is not None else Q(pk__in=[])
        codes = sorted(place for place in places if place is not NATIONAL)
        if codes:
            allowed |= Q(**{f"{region}__in": codes})
        if NATIONAL in places:
            allowed |= Q(**{f"{region}__isnull": True})
        return queryset.filter(allowed)


NOBODY = Scope(sees=frozenset(), enters=frozenset(), reviews=False)


def scope_of(user) -> Scope:
    """What `user` may see and enter (kept on the user object for the rest of the request)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOBODY
    cached = getattr(user, "_access_scope", None)
    if cached is not None:
        return cached
    membership = getattr(user, "membership", None)
    if membership is None:
        scope = NOBODY
    elif membership.role == Role.MINISTRY:
        scope = Scope(sees=EVERYWHERE, enters=frozenset({NATIONAL}), reviews=True)
    elif membership.role == Role.SECRETARIAT and membership.region_id:
        region = frozenset({membership.region_id})
        scope = Scope(sees=region, enters=region, reviews=False)
    else:
        scope = NOBODY
    user._access_scope = scope
    return scope


def may(user, perm: str, obj=None) -> bool:
    """Whether `user` may do `perm` ("indicators.enter_value", ...) to `obj`: the rules of
    indicators/permissions.py and reports/permissions.py, all derived from `scope_of`."""
    return bool(user and user.is_active and rules.has_perm(perm, user, obj))


def accounts_with_roles() -> list:
    """Active accounts that have a role, with it (one query)."""
    return list(
        get_user_model()
        .objects.filter(is_active=True, membership__isnull=False)
        .select_related("membership")
        .order_by("pk")
    )


def enterers_by_place(accounts: list | None = None) -> dict[str | None, list]:
    """Active accounts (or those of `accounts`) that enter values, by the place they enter."""
    grouped: dict[str | None, list] = defaultdict(list)
    for user in accounts_with_roles() if accounts is None else accounts:
        for place in scope_of(user).enters:
            grouped[place].append(user)
    return dict(grouped)


def accounts_entering(place: str | None) -> list:
    """Active accounts that enter the values of `place` (a region code, or NATIONAL)."""
    return [user for user in accounts_with_roles() if scope_of(user).may_enter(place)]


def reviewers(accounts: list | None = None) -> list:
    """Active accounts (or those of `accounts`) that review values: ministry officers."""
    return [
        user
        for user in (accounts_with_roles() if accounts is None else accounts)
        if scope_of(user).reviews
    ]

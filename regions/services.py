from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from regions.models import Membership, Region, Role


@transaction.atomic
def create_account(
    *,
    username: str,
    password: str,
    role: str,
    region_code: str | None = None,
    email: str = "",
    validate: bool = True,
):
    """Create a user with a ministry or secretariat role; a secretariat needs its region."""
    User = get_user_model()
    if role not in Role.values:
        raise ValueError(f"Unknown role {role!r}; use one of {', '.join(Role.values)}.")
    region = None
    if role == Role.SECRETARIAT:
        if not region_code:
            raise ValueError("A secretariat account needs --region CODE (e.g. 26 for Busan).")
        region = Region.objects.filter(code=region_code).first()
        if region is None:
            raise ValueError(f"No region with code {region_code!r}; load the seed first.")
    elif region_code:
        raise ValueError("A ministry account belongs to no region; leave out --region.")
    if User.objects.filter(username=username).exists():
        raise ValueError(f"The username {username!r} is already taken.")
    user = User(username=username, email=email, is_staff=role == Role.MINISTRY)
    if validate:
        validate_password(password, user)
    user.set_password(password)
    user.save()
    membership = Membership(user=user, role=role, region=region)
    membership.full_clean()
    membership.save()
    if role == Role.MINISTRY:
        user.groups.add(ministry_group())
    return user


MINISTRY_GROUP = "ministry officers"
# In the admin, ministry officers see every record of the plan registry and the values, and
# add and edit plans, their structure and budgets. Values and targets change only through the
# workflow pages (with their review and reasons), never in the admin; deleting (which cascades
# to KPIs and values) and accounts are left to administrators.
ADMIN_APPS = ("regions", "plans", "indicators", "imports", "reports")
ADMIN_EDITS = (
    "plans.plan",
    "plans.basicdirection",
    "plans.strategy",
    "plans.task",
    "plans.budget",
    "regions.agency",
)


def ministry_group() -> Group:
    """The group that gives ministry officers their admin permissions; made, and its
    permissions brought up to date, whenever a ministry account is created. (Not in a
    migration or post_migrate: a freshly migrated database stays empty for import_all.)"""
    group, _ = Group.objects.get_or_create(name=MINISTRY_GROUP)
    wanted = []
    for label in ADMIN_APPS:
        for model in apps.get_app_config(label).get_models():
            name = model._meta.model_name
            actions = ["view"]
            if f"{label}.{name}" in ADMIN_EDITS:
                actions += ["add", "change"]  # deleting (with its cascade) is for admins
            wanted += [(label, f"{action}_{name}") for action in actions]
    permissions = Permission.objects.filter(
        content_type__app_label__in=ADMIN_APPS,
        codename__in=[codename for _, codename in wanted],
    ).select_related("content_type")
    group.permissions.set(
        [p for p in permissions if (p.content_type.app_label, p.codename) in set(wanted)]
    )
    return group

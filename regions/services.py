from django.contrib.auth import get_user_model
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
    return user

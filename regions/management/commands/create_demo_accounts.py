import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from regions.models import Role
from regions.services import create_account

DEMO_ACCOUNTS = [
    ("ministry", Role.MINISTRY, None),
    ("busan", Role.SECRETARIAT, "26"),
    ("daejeon", Role.SECRETARIAT, "30"),
]


class Command(BaseCommand):
    help = "Development only (make run): create the ministry, busan and daejeon demo accounts."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo accounts are for development only (DEBUG is off).")
        User = get_user_model()
        missing = [a for a in DEMO_ACCOUNTS if not User.objects.filter(username=a[0]).exists()]
        if not missing:
            self.stdout.write(
                "Demo accounts exist already (their password was printed when they were created)."
            )
            return
        # One random password, printed once: never a fixed password in the code.
        password = secrets.token_urlsafe(12)
        for username, role, region in missing:
            create_account(username=username, password=password, role=role, region_code=region)
        names = ", ".join(a[0] for a in missing)
        self.stdout.write(
            self.style.WARNING(
                f"Demo accounts {names} created with the password: {password}\n"
                "It is shown only this once."
            )
        )

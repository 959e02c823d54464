import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from regions.login_throttle import unlock
from regions.models import Role
from regions.services import create_account

DEMO_ACCOUNTS = [
    ("ministry", Role.MINISTRY, None),
    ("busan", Role.SECRETARIAT, "26"),
    ("daejeon", Role.SECRETARIAT, "30"),
]
RULE = "=" * 72


class Command(BaseCommand):
    help = (
        "Development only (make run): create the ministry, busan and daejeon demo accounts; "
        "--reset-password (make demo-password) gives them a new password."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset-password",
            action="store_true",
            help="Give the demo accounts a new random password (creating any that are missing) "
            "and print it.",
        )

    def handle(self, *args, reset_password=False, **options):
        if not settings.DEBUG:
            raise CommandError("Demo accounts are for development only (DEBUG is off).")
        User = get_user_model()
        existing = set(
            User.objects.filter(username__in=[a[0] for a in DEMO_ACCOUNTS]).values_list(
                "username", flat=True
            )
        )
        missing = [a for a in DEMO_ACCOUNTS if a[0] not in existing]
        if not missing and not reset_password:
            self._frame(
                "데모 계정이 이미 있습니다 / Demo accounts exist already: "
                + ", ".join(a[0] for a in DEMO_ACCOUNTS),
                "비밀번호를 잊었다면 새로 받기 / Forgot the password? Get a new one: "
                "make demo-password",
            )
            return
        # One random password for all of them: never a fixed password in the code.
        password = secrets.token_urlsafe(12)
        with transaction.atomic():
            for username, role, region in missing:
                create_account(username=username, password=password, role=role, region_code=region)
            if reset_password:
                for user in User.objects.filter(username__in=existing):
                    user.set_password(password)
                    user.save(update_fields=["password"])
        if reset_password:
            # Lift a lock-out from earlier wrong guesses too (reaches a shared Redis cache;
            # the local-memory cache of a running `make run` clears when it restarts).
            for username, _, _ in DEMO_ACCOUNTS:
                unlock(username=username)
        changed = DEMO_ACCOUNTS if reset_password else missing
        names = ", ".join(a[0] for a in changed)
        lines = [
            f"데모 계정 새 비밀번호 / New password for the demo accounts {names}"
            if reset_password
            else f"데모 계정을 만들었습니다 / Demo accounts created: {names}",
            f"비밀번호 / password: {password}",
        ]
        if not reset_password and existing:
            kept = ", ".join(sorted(existing))
            lines.append(f"기존 계정은 비밀번호 그대로 / {kept} keep their old password")
        lines.append("로그인 / Log in at /login/  ·  다시 받기 / Get a new one: make demo-password")
        self._frame(*lines)

    def _frame(self, *lines):
        # Framed so that it stands out at the end of make run's set-up output.
        block = "\n".join(["", RULE, *(f"  {line}" for line in lines), RULE, "", ""])
        self.stdout.write(self.style.WARNING(block))

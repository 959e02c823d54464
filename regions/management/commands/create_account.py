import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token

from regions.models import Role
from regions.services import create_account


class Command(BaseCommand):
    help = "Create a ministry officer or a regional secretariat account."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--region", help="Region code for a secretariat, e.g. 26 (Busan).")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password-env",
            metavar="VAR",
            help="Read the password from this environment variable instead of prompting.",
        )
        parser.add_argument(
            "--print-token",
            action="store_true",
            help="Also create an API token for the account and print it (shown only once).",
        )

    def handle(self, *args, username, role, region, email, password_env, print_token, **options):
        if password_env:
            password = os.environ.get(password_env)
            if not password:
                raise CommandError(f"The environment variable {password_env} is empty or unset.")
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ; no account was created.")
        try:
            user = create_account(
                username=username, password=password, role=role, region_code=region, email=email
            )
        except ValidationError as error:
            raise CommandError("Password rejected: " + " ".join(error.messages)) from None
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {user.username} ({role}{', region ' + region if region else ''})."
            )
        )
        if print_token:
            token = Token.objects.create(user=user)
            self.stdout.write(f"API token (shown only once): {token.key}")

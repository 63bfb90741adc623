"""Print the current second-factor code of a demo user (development only)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from safepath.accounts.demo import DEMO_ORGANIZATIONS
from safepath.accounts.mfa import TOTP_DEVICE_NAME, totp_code_for_secret, totp_secret_base32


class Command(BaseCommand):
    help = "Print the current 6-digit code of a demo user's authenticator (not in production)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")

    def handle(self, *args: Any, **options: Any) -> None:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        if settings.PRODUCTION:
            raise CommandError("Demo codes are not available in production.")
        email = options["email"].strip().lower()
        demo_emails = {user.email for org in DEMO_ORGANIZATIONS for user in org.users}
        if email not in demo_emails:
            raise CommandError(f"{email} is not a demo user.")
        device = TOTPDevice.objects.filter(user__email=email, name=TOTP_DEVICE_NAME).first()
        if device is None:
            raise CommandError(f"{email} has no authenticator yet: run manage.py seed_demo.")
        self.stdout.write(totp_code_for_secret(totp_secret_base32(device)))

"""Create the first staff login with a random password, printed once; never a fixed default."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from portal.accounts.models import Profile, Role


class Command(BaseCommand):
    help = "Create the admin login if no superuser exists, and print its password once."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--email", default="admin@localhost")

    def handle(self, *args, username: str, email: str, **options):
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write(
                "A staff login already exists; its password was printed when it was created. "
                f"Reset it with: python manage.py changepassword {username}"
            )
            return
        password = secrets.token_urlsafe(12)
        user = User.objects.create_superuser(username=username, email=email, password=password)
        Profile.objects.update_or_create(user=user, defaults={"role": Role.ADMIN})
        self.stdout.write(
            self.style.SUCCESS("Staff login created (the password is shown only now):")
        )
        self.stdout.write(f"    username: {username}\n    password: {password}")

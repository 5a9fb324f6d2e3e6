"""Create the first staff login with a random password; never a fixed default.

The password is printed and kept in ``var/admin-password`` (0600): see portal/accounts/first_login.py.
"""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from portal.accounts.first_login import password_keep
from portal.accounts.models import Profile, Role


class Command(BaseCommand):
    help = "Create the admin login if no superuser exists; print its password and keep it in var/."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--email", default="admin@localhost")

    def handle(self, *args, username: str, email: str, **options):
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write(
                "A staff login already exists (its password, while unchanged, is in var/admin-password). "
                f"Reset it with: python manage.py changepassword {username}"
            )
            return
        password = secrets.token_urlsafe(12)
        user = User.objects.create_superuser(username=username, email=email, password=password)
        Profile.objects.update_or_create(user=user, defaults={"role": Role.ADMIN})
        kept = password_keep(username, password)
        self.stdout.write(self.style.SUCCESS("Staff login created:"))
        self.stdout.write(
            f"    username: {username}\n    password: {password}\n"
            f"    (also in {kept}, readable by you only, until the password is changed)"
        )

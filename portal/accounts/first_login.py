"""The first staff login's password, kept where only its owner can read it.

``make run`` creates the login among migration output and the sandbox's start-up lines; a
password printed once there is soon scrolled away. It is written to ``var/admin-password``
(mode 0600, like an SSH key) so the demo's closing banner can show it again, and so can its
owner later. It is removed from disk as soon as it no longer signs in.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model


def password_file() -> Path:
    return Path(settings.VAR_DIR) / "admin-password"


def password_keep(username: str, password: str) -> Path:
    """Write ``username`` and ``password`` readable by this OS user only (0600 from creation)."""
    path = password_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(f"{username}\n{password}\n")
    return path


def password_kept() -> tuple[str, str] | None:
    """The kept login if it still signs in; a stale file (password changed since) is deleted."""
    path = password_file()
    try:
        username, password = path.read_text().splitlines()[:2]
    except (OSError, ValueError):
        return None
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None or not user.check_password(password):
        path.unlink(missing_ok=True)
        return None
    return username, password

"""Where this installation's mail goes, in words a staff member can act on.

A fresh install prints mail on the console instead of sending it; a page that says "mailed"
without saying where sends people looking in their inbox for an invitation that never left.
"""

from __future__ import annotations

from django.conf import settings

_WHERE = {
    "django.core.mail.backends.console.EmailBackend": (
        "printed on the web server's console instead of being sent (the 'web' lines of "
        "make run); set EMAIL_BACKEND to send mail"
    ),
    "django.core.mail.backends.locmem.EmailBackend": "kept in memory (a test setting)",
    "django.core.mail.backends.dummy.EmailBackend": "discarded (EMAIL_BACKEND is the dummy backend)",
}


def mail_destination() -> str:
    """'' when mail really leaves (SMTP, a provider); otherwise where it ends up instead."""
    backend = settings.EMAIL_BACKEND
    if backend == "django.core.mail.backends.filebased.EmailBackend":
        return f"written to {getattr(settings, 'EMAIL_FILE_PATH', '?')} instead of being sent"
    return _WHERE.get(backend, "")

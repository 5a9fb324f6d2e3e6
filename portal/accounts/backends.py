"""Sign-in lockout: django-axes in front of Django's password check."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """Axes' lockout for every sign-in that comes with a request.

    ``authenticate()`` without a request (the test client's ``login()``, a shell) is not an
    HTTP sign-in that can be brute-forced; axes would raise there, this lets the next backend
    decide instead.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip(request) -> str | None:
    """The address our own TLS proxy saw: the last X-Forwarded-For hop (the one it appended).

    Earlier hops are written by the client and could be forged to dodge the lockout.
    """
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    return hops[-1] if hops else request.META.get("REMOTE_ADDR")

"""Throttling per API token (per user for browser sessions)."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from portal.accounts.models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    """One bucket per token, so one busy integration cannot starve its user's other tokens."""

    scope = "api"

    def get_rate(self) -> str:
        # Read at request time (not import time) so deployments and tests can change it.
        return settings.API_THROTTLE_RATE

    def get_cache_key(self, request, view) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"anon:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

"""/metrics for Prometheus, behind a bearer token (``METRICS_TOKEN``); off when none is set."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from portal.web.metrics import PortalCollector


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """The portal's gauges in Prometheus' text format.

    A scraper is a machine, not a staff member: it sends ``Authorization: Bearer <METRICS_TOKEN>``
    instead of signing in. Without a configured token the endpoint stays closed (403), so a
    deployment never publishes its operations and vendors by accident.
    """
    token = settings.METRICS_TOKEN
    if not token:
        return HttpResponse("Metrics are off: set METRICS_TOKEN.\n", status=403,
                            content_type="text/plain")  # fmt: skip
    sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(sent.encode(), token.encode()):
        return HttpResponse("A valid bearer token is required.\n", status=401,
                            content_type="text/plain", headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
    registry = CollectorRegistry(auto_describe=False)
    registry.register(PortalCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)

"""Liveness, readiness and the landing page."""

from celery import current_app
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Answer 200 when the database answers; used by compose and load balancers."""
    _database()
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when the database, the cache (Redis when configured) and the broker all answer.

    A load balancer sends traffic, and compose starts workers, only to a host that can do the
    work; 503 names what is down. ``/healthz`` stays the cheaper liveness check.
    """
    checks = {"database": _database, "cache": _cache, "broker": _broker}
    results = {}
    for name, check in checks.items():
        try:
            check()
        except Exception as exc:  # a readiness answer reports any failure; it never raises
            results[name] = f"down: {type(exc).__name__}: {exc}"[:300]
        else:
            results[name] = "ok"
    ready = all(value == "ok" for value in results.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": results},
        status=200 if ready else 503,
    )


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache() -> None:
    cache.set("portal:readyz", "1", timeout=10)
    if cache.get("portal:readyz") != "1":
        raise RuntimeError("the cache did not keep a value")


def _broker() -> None:
    with current_app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=1, timeout=settings.READYZ_BROKER_TIMEOUT)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")

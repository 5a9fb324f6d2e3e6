"""What a Prometheus server scrapes at /metrics: the portal's state, read from the database.

Every figure is computed at scrape time from rows every host shares (operations, connections,
hourly vendor call counts) and from the broker's queues, so one scrape of any web host tells the
truth for all of them: no per-process counters to aggregate across gunicorn and Celery
processes. Vendor call latency is a histogram of the hourly buckets the call recorder keeps
(``VendorCallStat``) over the last 24 hours, with the mean and peak beside it; daily calls left
and cool-downs are read from the shared rate limiter (Redis).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from celery import current_app
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from portal.catalog.models import VendorConnection
from portal.core.queues import all_queues
from portal.operations.models import Operation, OperationState
from portal.sync.adapters import connection_throttle
from portal.sync.models import LATENCY_BUCKETS_MS
from portal.sync.selectors import CallTotals, call_totals_24h


class PortalCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        yield from operations()
        yield from connections()
        yield queue_lengths()


def operations() -> Iterator[Metric]:
    by_state = GaugeMetricFamily(
        "portal_operations", "Operations by state and kind.", labels=["state", "kind"]
    )
    for row in Operation.objects.values("state", "kind").annotate(n=Count("pk")).order_by():
        by_state.add_metric([row["state"], row["kind"]], row["n"])
    yield by_state
    oldest = GaugeMetricFamily(
        "portal_operation_oldest_age_seconds",
        "Age of the oldest operation still in this state (0: none).",
        labels=["state"],
    )
    now = timezone.now()
    firsts = dict(
        Operation.objects.filter(
            state__in=[OperationState.PENDING, OperationState.RUNNING, OperationState.VERIFYING]
        )
        .values("state")
        .annotate(first=Min("created_at"))
        .values_list("state", "first")
    )
    for state in (OperationState.PENDING, OperationState.RUNNING, OperationState.VERIFYING):
        first = firsts.get(state)
        oldest.add_metric([state], (now - first).total_seconds() if first else 0.0)
    yield oldest


def connections() -> Iterator[Metric]:
    now = timezone.now()
    labels = ["connection", "vendor"]
    sync_age = GaugeMetricFamily(
        "portal_sync_age_seconds",
        "Seconds since the connection's last successful sync (-1: never).",
        labels=labels,
    )
    calls = GaugeMetricFamily(
        "portal_vendor_calls_24h", "Vendor calls in the last 24 hours.", labels=[*labels, "outcome"]
    )
    latency = GaugeMetricFamily(
        "portal_vendor_call_latency_ms_24h",
        "Mean and peak vendor call latency over the last 24 hours.",
        labels=[*labels, "stat"],
    )
    errors = GaugeMetricFamily(
        "portal_vendor_call_errors_24h",
        "Vendor call errors in the last 24 hours by kind (throttled, refused, failed).",
        labels=[*labels, "kind"],
    )
    histogram = HistogramMetricFamily(
        "portal_vendor_call_latency_seconds_24h",
        "Vendor call latency over the last 24 hours (every process's calls, hourly buckets).",
        labels=labels,
    )
    calls_left = GaugeMetricFamily(
        "portal_vendor_daily_calls_left",
        "Calls left in the vendor's daily quota for the connection (vendors with a quota).",
        labels=labels,
    )
    cooldown = GaugeMetricFamily(
        "portal_vendor_cooldown_seconds",
        "Seconds left of the cool-down the vendor's last throttle answer set (0: none).",
        labels=labels,
    )
    stats = call_totals_24h()
    for connection in VendorConnection.objects.only(
        "name", "vendor", "last_success_at", "created_at"
    ).order_by("pk"):
        names = [connection.name, connection.vendor]
        last = connection.last_success_at
        sync_age.add_metric(names, (now - last).total_seconds() if last else -1.0)
        totals = stats.get(connection.pk)
        if totals is None:
            totals = CallTotals(calls=0, errors=0, mean_latency_ms=None, max_latency_ms=None)
        calls.add_metric([*names, "ok"], totals.calls - totals.errors)
        calls.add_metric([*names, "error"], totals.errors)
        for kind, n in totals.error_kinds().items():
            errors.add_metric([*names, kind], n)
        latency.add_metric([*names, "mean"], totals.mean_latency_ms or 0.0)
        latency.add_metric([*names, "max"], totals.max_latency_ms or 0.0)
        buckets = totals.latency_buckets or (0,) * len(LATENCY_BUCKETS_MS)
        histogram.add_metric(
            names,
            [
                *(
                    (str(bound / 1000), n)
                    for bound, n in zip(LATENCY_BUCKETS_MS, buckets, strict=True)
                ),
                ("+Inf", totals.calls),
            ],
            sum_value=totals.total_latency_ms / 1000,
        )
        throttle = connection_throttle(connection)
        if throttle.calls_left_today is not None:
            calls_left.add_metric(names, throttle.calls_left_today)
        cooldown.add_metric(names, throttle.cooldown_seconds)
    yield from (sync_age, calls, errors, latency, histogram, calls_left, cooldown)


def queue_lengths() -> Metric:
    """Messages waiting per queue, asked of the broker (Redis, or the filesystem transport)."""
    lengths = GaugeMetricFamily(
        "portal_queue_length", "Messages waiting in the broker per queue.", labels=["queue"]
    )
    with current_app.connection_for_read() as connection:
        channel: Any = connection.default_channel  # kombu's Channel; its stubs name no methods
        for queue in all_queues():
            declared = channel.queue_declare(queue=queue.name, passive=False, durable=True)
            lengths.add_metric([queue.name], declared.message_count)
    return lengths

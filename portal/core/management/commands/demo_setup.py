"""Point demo connections at the running vendor sandboxes, build a reseller hierarchy, sync.

Run by ``make run`` once the sandbox process is up. Safe to repeat: connections are updated in
place (the sandboxes issue fresh credentials at every start) and customers are reused.
"""

from __future__ import annotations

import secrets
import time

import requests
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.catalog.models import VendorConnection
from portal.customers.models import Customer, CustomerKind, Tenant
from portal.sync.enqueue import sync_request, usage_request
from portal.sync.models import SyncRun, SyncRunStatus
from portal.usage.collection import previous_month
from vendors.registry import DISPLAY_NAMES
from vendors.types import Capability

RESELLERS = {
    "Northwind MSP": ["Contoso Retail", "Fabrikam Dental"],
    "Blue Yonder IT": ["Tailspin Travel", "Wingtip Toys"],
    "Adatum Partners": ["Litware Legal", "Proseware Labs"],
}


class Command(BaseCommand):
    help = "Create demo vendor connections pointing at the sandboxes and a demo reseller hierarchy."

    def add_arguments(self, parser):
        parser.add_argument("--sandbox-url", default="http://127.0.0.1:8100")
        parser.add_argument("--portal-url", default="http://127.0.0.1:8000")
        parser.add_argument(
            "--wait", type=float, default=120, help="seconds to wait for the first syncs"
        )

    def handle(self, *args, sandbox_url: str, portal_url: str, wait: float, **options):
        described = self._describe(sandbox_url)
        connections = [self._connection(key, info) for key, info in described["vendors"].items()]
        resellers = self._hierarchy()
        started = time.monotonic()
        for connection in connections:
            self.stdout.write(sync_request(connection, triggered_by="demo setup").message)
        self._wait_for_syncs(connections, wait)
        adopted = self._adopt(connections, resellers)
        for connection in connections:
            # A year of history, most recent month first, so usage charts fill as it arrives.
            month = previous_month()
            for _ in range(12):
                usage_request(connection, month, triggered_by="demo setup")
                month = previous_month(month)
        self._register_webhooks(connections, portal_url)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready in {time.monotonic() - started:.0f}s: {len(connections)} connections, "
                f"{adopted} tenants linked to demo customers. Open {portal_url}/ and sign in."
            )
        )

    def _describe(self, url: str) -> dict:
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = requests.get(f"{url}/_control/", timeout=2)
                answer.raise_for_status()
                return answer.json()
            except requests.RequestException as exc:
                if time.monotonic() > deadline:
                    raise CommandError(f"The vendor sandboxes do not answer at {url}: {exc}")
                time.sleep(0.5)

    def _connection(self, vendor: str, info: dict) -> VendorConnection:
        connection, created = VendorConnection.objects.get_or_create(
            name=f"{DISPLAY_NAMES[vendor]} sandbox",
            defaults={
                "vendor": vendor,
                "base_url": info["base_url"],
                "credentials": info["credentials"],
            },
        )
        if not created:
            connection.base_url, connection.credentials = info["base_url"], info["credentials"]
            connection.enabled = True
            connection.sync_claimed_at = None
            connection.save()
        return connection

    @transaction.atomic
    def _hierarchy(self) -> list[Customer]:
        resellers = []
        for reseller_name, customers in RESELLERS.items():
            reseller, _ = Customer.objects.get_or_create(
                name=reseller_name, defaults={"kind": CustomerKind.RESELLER, "country": "GB"}
            )
            resellers.append(reseller)
            for name in customers:
                Customer.objects.get_or_create(
                    name=name, defaults={"kind": CustomerKind.END_CUSTOMER, "parent": reseller}
                )
        return resellers

    def _wait_for_syncs(self, connections: list[VendorConnection], wait: float) -> None:
        deadline = time.monotonic() + wait
        pending = {c.pk for c in connections}
        while pending and time.monotonic() < deadline:
            done = SyncRun.objects.filter(connection_id__in=pending).exclude(
                status__in=[SyncRunStatus.QUEUED, SyncRunStatus.RUNNING]
            )
            pending -= set(done.values_list("connection_id", flat=True))
            time.sleep(1)
        if pending:
            self.stderr.write(
                f"{len(pending)} first syncs still running; pages fill as they finish."
            )

    def _adopt(self, connections: list[VendorConnection], resellers: list[Customer]) -> int:
        """Link about two thirds of the synced tenants to demo customers under the resellers."""
        linked = 0
        for index, tenant in enumerate(
            Tenant.objects.filter(connection__in=connections, customer__isnull=True).order_by("pk")
        ):
            if index % 3 == 2:
                continue  # leave some unmatched, for the adoption page
            reseller = resellers[index % len(resellers)]
            customer, _ = Customer.objects.get_or_create(
                name=tenant.name[:200],
                defaults={"kind": CustomerKind.END_CUSTOMER, "parent": reseller},
            )
            Tenant.objects.filter(pk=tenant.pk).update(customer=customer)
            linked += 1
        return linked

    def _register_webhooks(self, connections: list[VendorConnection], portal_url: str) -> None:
        from portal.sync.adapters import connection_adapter

        for connection in connections:
            adapter = connection_adapter(connection)
            if not adapter.supports(Capability.WEBHOOKS):
                continue
            auth = {"header": "X-Portal-Webhook", "value": secrets.token_urlsafe(24)}
            VendorConnection.objects.filter(pk=connection.pk).update(webhook_auth=auth)
            connection.webhook_auth = auth
            try:
                adapter.ensure_webhook(
                    f"{portal_url}/webhooks/{connection.pk}/",
                    list(adapter.webhook_event_types),
                    auth["header"],
                    auth["value"],
                )
            except Exception as exc:  # the demo works without webhooks; say why
                self.stderr.write(f"Webhook registration for {connection.name} failed: {exc}")

"""Point demo connections at the running vendor sandboxes, build a reseller hierarchy, sync.

Run by ``make run`` once the sandbox process is up. Safe to repeat: connections are updated in
place (the sandboxes issue fresh credentials at every start) and customers are reused. Its last
words are a box with the address and the staff login, printed again once the usage history has
been collected, so they are not lost in the worker's and the sandbox's logs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
from decimal import Decimal

import requests
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.accounts.first_login import password_file, password_kept
from portal.approvals.models import ApprovalPolicy
from portal.approvals.services import policy_save
from portal.billing.models import Basis, PriceEntry
from portal.billing.services import markup_set, price_entry_save
from portal.catalog.models import Product, VendorConnection
from portal.core.mail import mail_destination
from portal.core.models import Source
from portal.customers.models import Customer, CustomerKind, Tenant
from portal.sync.enqueue import sync_request, usage_request
from portal.sync.models import SyncRun, SyncRunStatus
from portal.usage.backlog import usage_backlog
from portal.usage.collection import default_period, has_usage_history, previous_month
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
        parser.add_argument(
            "--backlog-wait",
            type=float,
            default=900,
            help="seconds to wait for the usage history before repeating the sign-in box",
        )

    def handle(
        self,
        *args,
        sandbox_url: str,
        portal_url: str,
        wait: float,
        backlog_wait: float,
        **options,
    ):
        described = self._describe(sandbox_url)
        connections = [self._connection(key, info) for key, info in described["vendors"].items()]
        resellers = self._hierarchy()
        started = time.monotonic()
        for connection in connections:
            self.stdout.write(sync_request(connection, triggered_by="demo setup").message)
        self._wait_for_syncs(connections, wait)
        adopted = self._adopt(connections, resellers)
        self._price_books(connections, resellers)  # and the demo approval policy
        for connection in connections:
            # A year of history, most recent month first, so usage charts fill as it arrives; a
            # vendor that reports only the running month is asked for that one.
            if not has_usage_history(connection):
                usage_request(connection, default_period(connection), triggered_by="demo setup")
                continue
            month = previous_month()
            for _ in range(12):
                usage_request(connection, month, triggered_by="demo setup")
                month = previous_month(month)
        self._register_webhooks(connections, portal_url)
        summary = (
            f"Demo ready in {time.monotonic() - started:.0f}s: {len(connections)} connections, "
            f"{adopted} tenants linked to demo customers."
        )
        self.stdout.write(self.style.SUCCESS(boxed(self._sign_in_lines(summary, portal_url))))
        if self._wait_for_backlog(backlog_wait):
            done = "Usage history collected: the usage pages and charts are complete."
            self.stdout.write(self.style.SUCCESS(boxed(self._sign_in_lines(done, portal_url))))

    def _sign_in_lines(self, summary: str, portal_url: str) -> list[str]:
        login = password_kept()
        lines = [summary, "", f"Open {portal_url}/ and sign in"]
        if login:
            lines.append(f"  as {login[0]} with password {login[1]}")
            lines.append(f"  (kept in {password_file()}, readable by you only)")
        else:
            lines.append("  with your staff login (reset: python manage.py changepassword admin)")
        lines.append(f"Support admin: {portal_url}/admin/   API docs: {portal_url}/api/docs/")
        backlog = usage_backlog()
        if backlog:
            lines += [
                "",
                f"The worker is collecting {backlog.requested} months of usage history for a few",
                "minutes (the dashboard shows its progress); pages fill as it arrives.",
            ]
        where = mail_destination()
        if where:
            lines += ["", "Mail (user invitations, password resets) is", f"  {where}."]
        return lines

    def _wait_for_backlog(self, wait: float) -> bool:
        """True once the requested usage months are all collected (False: gave up or none)."""
        deadline = time.monotonic() + wait
        if usage_backlog() is None:
            return False
        while time.monotonic() < deadline:
            time.sleep(5)
            if usage_backlog() is None:
                return True
        return False

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

    def _price_books(self, connections: list[VendorConnection], resellers: list[Customer]) -> None:
        """A per-seat price for every demo product (a stable made-up cost, list at +25 %) from
        a year back, and a 10 % markup for the first reseller, so the billing page has figures."""
        admin = get_user_model().objects.filter(is_superuser=True, is_active=True).first()
        if admin is None:
            return
        start = previous_month(dt.date.today().replace(day=1) - dt.timedelta(days=330))
        priced = set(PriceEntry.objects.values_list("product_id", flat=True))
        for product in Product.objects.filter(connection__in=connections).exclude(pk__in=priced):
            cents = 200 + int(hashlib.sha256(product.code.encode()).hexdigest(), 16) % 400
            cost = Decimal(cents) / 100
            values = {
                "basis": Basis.PER_SEAT_MONTH,
                "unit_cost": str(cost),
                "list_price": str((cost * Decimal("1.25")).quantize(Decimal("0.01"))),
                "currency": "EUR",
                "effective_from": start,
            }
            price_entry_save(product=product, values=values, actor=admin, source=Source.CLI)
        if resellers and not hasattr(resellers[0], "markup"):
            markup_set(customer=resellers[0], percent="10", actor=admin, source=Source.CLI)
        if len(resellers) > 1 and not ApprovalPolicy.objects.filter(reseller=resellers[1]).exists():
            # The second reseller's users need a yes for new accounts, cancels and +20 seats.
            policy = ApprovalPolicy(reseller=resellers[1], seats_above=20)
            policy_save(policy=policy, actor=admin, source=Source.CLI)

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


def boxed(lines: list[str]) -> str:
    """Lines in a frame wide enough for the longest, so the sign-in stands out in a busy log."""
    width = max(len(line) for line in lines)
    rule = "+" + "-" * (width + 2) + "+"
    return "\n".join([rule, *(f"| {line.ljust(width)} |" for line in lines), rule])

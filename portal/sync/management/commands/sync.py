"""``python manage.py sync [connection...] [--usage YYYY-MM]``: sync now, with a progress bar."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from tqdm import tqdm

from portal.catalog.models import VendorConnection
from portal.sync.services import SyncAlreadyRunning, connection_sync
from portal.usage.collection import connection_collect_usage


class Command(BaseCommand):
    help = "Sync vendor connections now (all enabled ones by default), or collect a month of usage."

    def add_arguments(self, parser):
        parser.add_argument("connections", nargs="*", help="connection ids or names")
        parser.add_argument(
            "--usage", metavar="YYYY-MM", help="collect usage for this month instead"
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, connections, usage, no_progress, **options):
        period = None
        if usage:
            try:
                period = dt.date.fromisoformat(f"{usage}-01")
            except ValueError:
                raise CommandError(f"--usage takes a month as YYYY-MM, not {usage!r}")
        queryset = VendorConnection.objects.filter(enabled=True)
        if connections:
            ids = [int(c) for c in connections if c.isdigit()]
            queryset = VendorConnection.objects.filter(Q(pk__in=ids) | Q(name__in=connections))
            found = {str(c.pk) for c in queryset} | {c.name for c in queryset}
            unknown = [c for c in connections if c not in found]
            if unknown:
                raise CommandError(f"Unknown connection(s): {', '.join(unknown)}")
        failed = False
        for connection in queryset:
            bar = tqdm(
                desc=connection.name,
                unit="page" if period is None else "tenant",
                disable=no_progress,
                leave=True,
            )
            last = {"n": 0}

            def progress(run, bar=bar, last=last):
                done = run.items_seen if period else run.pages_done
                if run.items_total:
                    bar.total = run.items_total
                bar.update(done - last["n"])
                last["n"] = done
                bar.set_postfix(
                    items=run.items_seen, created=run.created_count, updated=run.updated_count
                )

            try:
                if period:
                    run = connection_collect_usage(
                        connection, period, triggered_by="cli", progress=progress
                    )
                else:
                    run = connection_sync(connection, triggered_by="cli", progress=progress)
            except SyncAlreadyRunning:
                bar.close()
                self.stderr.write(f"{connection.name}: a sync is already running; skipped.")
                continue
            bar.close()
            line = (
                f"{connection.name}: {run.status} - {run.items_seen} seen, {run.created_count} created, "
                f"{run.updated_count} updated, {run.unchanged_count} unchanged, {run.missing_count} missing"
            )
            if run.error:
                line += f" ({run.error})"
            failed |= run.status not in ("succeeded",)
            self.stdout.write(line)
        if failed:
            raise CommandError("At least one connection did not sync completely.")

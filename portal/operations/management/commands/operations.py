"""``manage.py operations [--state failed]``: the ledger at a glance, for support."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from portal.operations.models import OperationKind, OperationState
from portal.operations.selectors import operation_list


class Command(BaseCommand):
    help = "List operations, newest first (id, kind, state, vendor, target, attempts, error)."

    def add_arguments(self, parser):
        parser.add_argument("--state", choices=OperationState.values)
        parser.add_argument("--kind", choices=OperationKind.values)
        parser.add_argument("--vendor")
        parser.add_argument("--limit", type=int, default=50)

    def handle(self, *args, state=None, kind=None, vendor=None, limit=50, **options):
        ops = operation_list(state=state, kind=kind, vendor=vendor)
        total = ops.count()
        for op in ops[:limit]:
            target = op.tenant.name if op.tenant else (op.customer.name if op.customer else "-")
            line = (
                f"#{op.pk:<6} {op.kind:<14} {op.state:<10} {op.connection.vendor:<12} "
                f"{target[:30]:<30} attempts={op.attempts} {op.created_at:%Y-%m-%d %H:%M:%S}"
            )
            if op.last_error:
                line += f"  {op.last_error[:100]}"
            self.stdout.write(line)
        self.stdout.write(f"{min(total, limit)} of {total} operation(s) shown.")

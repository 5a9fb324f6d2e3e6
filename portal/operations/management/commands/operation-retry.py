"""``manage.py operation-retry ID``: send a failed operation again (same key, new attempt)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from portal.core.models import Source
from portal.operations.models import Operation
from portal.operations.services import operation_retry


class Command(BaseCommand):
    help = "Retry a failed operation; the engine reads the vendor back before resending."

    def add_arguments(self, parser):
        parser.add_argument("operation_id", type=int)

    def handle(self, *args, operation_id: int, **options):
        operation = Operation.objects.filter(pk=operation_id).first()
        if operation is None:
            raise CommandError(f"There is no operation #{operation_id}.")
        try:
            operation = operation_retry(operation=operation, actor=None, source=Source.CLI)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages))
        self.stdout.write(
            f"Operation #{operation.pk} ({operation.kind}) is {operation.state} again and queued "
            f"(key {operation.idempotency_key})."
        )

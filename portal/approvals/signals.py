"""Hears every new operation (``portal.operations.gate``) and holds the ones a policy covers."""

from __future__ import annotations

from django.dispatch import receiver

from portal.operations.gate import operation_requested

from .services import operation_hold


@receiver(operation_requested, dispatch_uid="approvals_hold")
def _hold(sender, operation, actor, **kwargs) -> bool:
    return operation_hold(operation=operation, actor=actor)

"""The one hook by which a higher layer holds a new operation before anything is sent.

``portal.approvals`` listens to ``operation_requested``: when a policy says the request needs
someone's yes, its receiver records the approval, moves the operation to
``awaiting_approval`` and answers True; the service then queues nothing. Approving it later
queues the run. The hook keeps the dependency pointing down: this layer never imports the
approvals app.
"""

from __future__ import annotations

from django.dispatch import Signal

from portal.audit.services import Actor

from .models import Operation

#: Sent inside the request's transaction, after the operation row and its audit entry are
#: written, with ``operation`` and ``actor``; a receiver answers True to hold it.
operation_requested = Signal()


def held(operation: Operation, actor: Actor) -> bool:
    """Whether a receiver holds ``operation`` for approval (its state is then updated)."""
    answers = operation_requested.send(sender=Operation, operation=operation, actor=actor)
    return any(answer is True for _, answer in answers)

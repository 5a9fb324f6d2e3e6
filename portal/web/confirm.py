"""Validate first, then confirm: the two steps every form that sends a change to a vendor takes.

The first post runs the service's own checks inside a transaction that is rolled back, so a
refusal shows in the form and nothing is recorded or queued; a valid request is shown back
exactly as it will be sent, and only the second post (``confirmed=yes``) records it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django import forms
from django.db import transaction
from django.http import HttpRequest

from portal.core.humanize import label


class _DryRun(Exception):
    """Rolls back a request made only to validate it."""


def is_confirmed(request: HttpRequest) -> bool:
    return request.POST.get("confirmed") == "yes"


def dry_run(send: Callable[[], object]) -> None:
    """Run ``send`` and keep nothing: on_commit callbacks of a rolled-back block are dropped, so
    no task is queued either. Raises the service's ValidationError."""
    try:
        with transaction.atomic():
            send()
            raise _DryRun
    except _DryRun:
        return None


def shown(form: forms.Form, name: str) -> str:
    """A cleaned value as the confirmation names it (choice labels, add-on labels, "none")."""
    value = form.cleaned_data.get(name)
    field = form.fields[name]
    if isinstance(value, (list, tuple)):
        return ", ".join(label(v) for v in value) or "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
        choices = cast(list, field.choices)  # a ChoiceField normalises its choices to a list
        labels = {str(v): text for v, text in choices if not isinstance(text, (list, tuple))}
        return str(labels.get(str(value), value)) if value not in (None, "") else "—"
    return "—" if value in (None, "") else str(value)


def resent(request: HttpRequest, form: forms.Form) -> list[tuple[str, str]]:
    """The posted values of the form's fields, carried by the confirmation as hidden inputs."""
    return [(name, value) for name in form.fields for value in request.POST.getlist(name)]

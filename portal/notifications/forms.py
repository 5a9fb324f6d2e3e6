"""Each user's delivery per kind of notice (on ``/me/``)."""

from __future__ import annotations

from django import forms

from .kinds import KINDS
from .models import Delivery
from .services import preference_of


class PreferencesForm(forms.Form):
    """One choice per kind of notice, named by the event type."""

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for event_type, spec in KINDS.items():
            self.fields[event_type] = forms.ChoiceField(
                label=spec.label,
                choices=Delivery.choices,
                initial=preference_of(user, event_type),
                help_text=f"Default: {Delivery(spec.default).label.lower()}.",
            )

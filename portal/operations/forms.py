"""The page forms of the subscription kinds: the one input each asks staff for.

Each form takes the subscription and what the connection's catalog offers (``plans``,
``addons``), so the page builds any kind's form the same way: ``spec.form(data, **context)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from portal.customers.models import Subscription

#: The largest seat count a form offers (vendors' own limits are checked by the service).
MAX_SEATS_HINT = 100_000


class KindForm(forms.Form):
    """A kind's form, bound to the subscription it changes."""

    def __init__(
        self,
        data: Any = None,
        *,
        subscription: Subscription,
        plans: Sequence[tuple[str, str]] = (),
        addons: Sequence[str] = (),
        edited: dict[str, Any] | None = None,
    ) -> None:
        """``edited``: the parameters of a refused request being edited (Edit and retry), which
        fill the form instead of the subscription's current values."""
        initial = self.initial_for(subscription)
        initial.update((k, v) for k, v in (edited or {}).items() if k in self.base_fields)
        super().__init__(data, initial=initial)
        self.subscription = subscription

    def initial_for(self, subscription: Subscription) -> dict[str, Any]:
        return {}


class SeatsForm(KindForm):
    seats = forms.IntegerField(min_value=1, max_value=MAX_SEATS_HINT, label="New seat count")

    def initial_for(self, subscription: Subscription) -> dict[str, Any]:
        return {"seats": subscription.seats}


class AddonsForm(KindForm):
    addons = forms.MultipleChoiceField(
        required=False, choices=(), widget=forms.CheckboxSelectMultiple, label="Add-ons"
    )

    def __init__(self, data: Any = None, *, addons: Sequence[str] = (), **context: Any) -> None:
        super().__init__(data, **context)
        field = self.fields["addons"]
        assert isinstance(field, forms.ChoiceField)  # declared above
        field.choices = [(a, a) for a in addons]

    def initial_for(self, subscription: Subscription) -> dict[str, Any]:
        return {"addons": subscription.addons}


class PlanForm(KindForm):
    product_code = forms.ChoiceField(choices=(), label="New plan")

    def __init__(
        self, data: Any = None, *, plans: Sequence[tuple[str, str]] = (), **context: Any
    ) -> None:
        super().__init__(data, **context)
        product_code = self.fields["product_code"]
        assert isinstance(product_code, forms.ChoiceField)  # declared above
        product_code.choices = plans

    def initial_for(self, subscription: Subscription) -> dict[str, Any]:
        return {"product_code": subscription.product_code}


class ConvertTrialForm(KindForm):
    seats = forms.IntegerField(
        min_value=1,
        max_value=MAX_SEATS_HINT,
        required=False,
        label="Paid seats",
        help_text="Leave empty to keep the trial's seat count.",
    )

    def initial_for(self, subscription: Subscription) -> dict[str, Any]:
        return {"seats": subscription.seats}

"""The approval queue's filters: state (pending unless asked), who the customer is, and the
requests that are mine (asked by me, or mine to decide)."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from portal.core.filters import FilterSet
from portal.customers.models import Customer, CustomerKind, subtree_q

from .models import Approval, ApprovalState
from .selectors import decidable

#: Resellers a search term may name at once (each adds one range to the query).
RESELLERS_MATCHED = 50
MINE = (("requested", "Requested by me"), ("decide", "Mine to decide"))


class ApprovalFilterSet(FilterSet):
    state = django_filters.ChoiceFilter(choices=ApprovalState.choices, empty_label="Any state")
    q = django_filters.CharFilter(method="filter_q", label="Customer or reseller")
    mine = django_filters.ChoiceFilter(
        choices=MINE, method="filter_mine", label="Mine", empty_label="Everyone's"
    )

    class Meta:
        model = Approval
        fields = ["state", "q", "mine"]

    #: The queue opens on what waits: no state asked means this one (an empty one: any).
    default_state: str | None = ApprovalState.PENDING

    def __init__(self, data=None, *args, **kwargs):
        if self.default_state:
            data = data.copy() if data is not None else {}
            data.setdefault("state", self.default_state)
        super().__init__(data, *args, **kwargs)

    def filter_q(self, queryset, name, value):
        """The customer's own name, or the name of any reseller above it (its whole subtree)."""
        condition = Q(customer__name__icontains=value)
        resellers = Customer.objects.filter(kind=CustomerKind.RESELLER, name__icontains=value)
        for path in resellers.values_list("path", flat=True)[:RESELLERS_MATCHED]:
            condition |= subtree_q(path, "customer__path")
        return queryset.filter(condition)

    def filter_mine(self, queryset, name, value):
        user = self.request.user
        if value == "requested":
            return queryset.filter(requested_by_id=user.pk)
        return decidable(user, queryset)

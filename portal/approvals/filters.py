"""The approval queue's filters: state (pending unless asked), who the customer is, and the
requests that are mine (asked by me, or mine to decide)."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from portal.core.filters import FilterSet

from .models import Approval, ApprovalState
from .selectors import decidable

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

    def __init__(self, data=None, *args, **kwargs):
        # The queue opens on what waits: no state asked means pending (an empty one: any).
        data = data.copy() if data is not None else {}
        data.setdefault("state", ApprovalState.PENDING)
        super().__init__(data, *args, **kwargs)

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(customer__name__icontains=value) | Q(customer__parent__name__icontains=value)
        )

    def filter_mine(self, queryset, name, value):
        user = self.request.user
        if value == "requested":
            return queryset.filter(requested_by_id=user.pk)
        return decidable(user, queryset)

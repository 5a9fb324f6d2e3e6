"""What every API viewset shares: the read-only base, the filter backends, the refusal rule.

Permission levels (VIEW, WRITE, MANAGE) live in ``portal.api.permissions`` beside the permission
class that reads them, and pagination in ``portal.api.pagination`` (settings name both).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import api_view
from rest_framework.exceptions import NotFound
from rest_framework.filters import OrderingFilter

from ..exceptions import Conflict

SHARED_ORDERING = [DjangoFilterBackend]  # the shared FilterSet already has an ``ordering``
FILTER_AND_ORDER = [DjangoFilterBackend, OrderingFilter]


def refused(exc: ValidationError) -> Conflict:
    """A service refusing because of the object's state is a conflict, not a bad request."""
    return Conflict(" ".join(exc.messages))


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
def not_found(request, *args, **kwargs):
    """Unknown API paths answer in the API's error shape, not Django's HTML page."""
    raise NotFound("No API endpoint at this path.")


class ReadOnly(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    pass

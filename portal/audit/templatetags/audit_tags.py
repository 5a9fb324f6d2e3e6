"""``{% audit_history obj %}``: the object's audit trail, for any detail page."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.http import urlencode

from portal.audit.selectors import object_history
from portal.audit.tables import AuditTable

register = template.Library()


@register.inclusion_tag("audit/_history.html", takes_context=True)
def audit_history(context, obj, limit: int = 20):
    request = context["request"]
    events = AuditTable(object_history(user=request.user, obj=obj, limit=limit))
    return {
        "events": events,
        "obj": obj,
        "more_url": reverse("audit:list") + "?" + urlencode(_filter_for(obj)),
        "limit": limit,
    }


def _filter_for(obj) -> dict[str, str | int]:
    if obj._meta.label_lower == "customers.customer":
        return {"customer": obj.pk}
    return {"object_type": obj._meta.label_lower, "object_id": obj.pk}

"""Template helpers shared by every page: status badges, query-string links, idempotency keys."""

from __future__ import annotations

import uuid

from django import template

register = template.Library()


@register.simple_tag
def badge(status, label: str = ""):
    """One colour per status everywhere (classes in static/css/portal.css)."""
    from ..tables import badge as markup

    return markup(status, label)


@register.simple_tag(takes_context=True)
def query(context, **changes) -> str:
    """The current query string with some parameters replaced (sorting, paging links)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    if "page" not in changes:
        params.pop("page", None)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag
def new_key(prefix: str = "page") -> str:
    """A fresh idempotency key per rendered form: a double click sends the same key twice."""
    return f"{prefix}-{uuid.uuid4()}"

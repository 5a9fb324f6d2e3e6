"""Template helpers shared by every page: status badges, query-string links, ages."""

from __future__ import annotations

import uuid

from django import template

register = template.Library()


@register.simple_tag
def badge(status, label: str = ""):
    """One colour per status everywhere (classes in static/css/portal.css)."""
    from ..rows import badge as markup

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


@register.simple_tag(takes_context=True)
def filter_bar(context, form):
    """A list page's filter form, rendered without a template per widget (see widgets.py)."""
    from ..widgets import filter_bar as render

    return render(form, clear_url=context["request"].path)


@register.simple_tag
def audit_rows(events):
    """Audit events as table rows, built in Python (see portal/web/rows.py)."""
    from ..rows import audit_rows as render

    return render(events)

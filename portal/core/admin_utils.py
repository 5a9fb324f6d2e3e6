"""Admin helpers: pretty-printed read-only JSON for raw vendor payloads."""

from __future__ import annotations

import json

from django.contrib import admin
from django.utils.html import format_html


def pretty_json(value) -> str:
    """Render JSON read-only and escaped, so a vendor payload cannot inject markup."""
    return format_html(
        '<pre style="max-height:30em;overflow:auto;white-space:pre-wrap">{}</pre>',
        json.dumps(value, indent=2, sort_keys=True, default=str),
    )


class RawPayloadMixin:
    """Adds a read-only ``raw_pretty`` field for models with a ``raw`` JSON payload."""

    @admin.display(description="Raw vendor payload")
    def raw_pretty(self, obj) -> str:
        return pretty_json(obj.raw)

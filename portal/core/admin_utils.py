"""Admin helpers: pretty-printed read-only JSON for raw vendor payloads."""

from __future__ import annotations

import json

from django.contrib import admin
from django.template.loader import render_to_string


def pretty_json(value) -> str:
    """Render JSON read-only and escaped, so a vendor payload cannot inject markup."""
    text = json.dumps(value, indent=2, sort_keys=True, default=str)
    return render_to_string("admin/portal/pretty_json.html", {"text": text})


class RawPayloadMixin:
    """Adds a read-only ``raw_pretty`` field for models with a ``raw`` JSON payload."""

    @admin.display(description="Raw vendor payload")
    def raw_pretty(self, obj) -> str:
        return pretty_json(obj.raw)

"""What the API's serializers share: the descriptions of the columns every table has."""

from __future__ import annotations


def described(**descriptions: str) -> dict[str, dict[str, str]]:
    """``Meta.extra_kwargs`` giving each named field its schema description."""
    return {name: {"help_text": text} for name, text in descriptions.items()}


ID = "Unique identifier."
CREATED = "When the row was created (ISO 8601)."
UPDATED = "When the row last changed (ISO 8601)."

"""The base of the API's model serializers: field descriptions come from the models.

A model field's ``help_text`` is its one description, shared by the admin, the page forms and
the OpenAPI schema (ModelSerializer copies it onto the field it builds), so serializers describe
only the fields they declare themselves. The columns every table has (``id``, which Django adds
undeclared, and the timestamps) get a standard description when their model gives none.
"""

from __future__ import annotations

from rest_framework import serializers

COMMON = {
    "id": "Unique identifier.",
    "created_at": "When the row was created (ISO 8601).",
    "updated_at": "When the row last changed (ISO 8601).",
}


class ModelSerializer(serializers.ModelSerializer):
    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if field_name in COMMON and not kwargs.get("help_text"):
            kwargs["help_text"] = COMMON[field_name]
        return field_class, kwargs

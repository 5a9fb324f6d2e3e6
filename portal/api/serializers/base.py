"""The base of the API's model serializers: field descriptions come from the models.

A model field's ``help_text`` is its one description, shared by the admin, the page forms and
the OpenAPI schema (ModelSerializer copies it onto the field it builds), so serializers describe
only the fields they declare themselves, and ``id``, which Django adds to every model undeclared.
"""

from __future__ import annotations

from rest_framework import serializers

ID = "Unique identifier."


class ModelSerializer(serializers.ModelSerializer):
    def get_extra_kwargs(self) -> dict:
        extra = super().get_extra_kwargs()
        extra.setdefault("id", {}).setdefault("help_text", ID)
        return extra

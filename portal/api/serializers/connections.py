"""Vendor connections, their create options and catalog products."""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.catalog.models import Product, VendorConnection
from portal.operations.options import connection_options
from vendors.registry import get_adapter_class
from vendors.types import OptionType

from .base import ModelSerializer


class CreateOptionSerializer(serializers.Serializer):
    """One vendor-specific field of a new tenant, as the adapter declares it."""

    name = serializers.CharField(help_text="The key to send it under in ``options``.")
    label = serializers.CharField(help_text="What the provision page calls it.")  # type: ignore[assignment]  # a field named like a Field attribute: DRF allows it, the stubs do not
    type = serializers.ChoiceField(
        choices=[t.value for t in OptionType], help_text="How its value is checked."
    )
    required = serializers.BooleanField(help_text="Whether a create must carry it.")  # type: ignore[assignment]  # a field named like a Field attribute: DRF allows it, the stubs do not
    choices = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="[value, label] pairs for a choice.",
    )
    help = serializers.CharField(help_text="The vendor's rule for it, in words.")
    min_value = serializers.IntegerField(
        allow_null=True, help_text="Shortest text or smallest integer (null: no limit)."
    )
    max_value = serializers.IntegerField(
        allow_null=True, help_text="Longest text or largest integer (null: no limit)."
    )


class ConnectionSerializer(ModelSerializer):
    credentials = serializers.DictField(
        child=serializers.CharField(),
        write_only=True,
        required=False,
        help_text="The vendor's credential fields as an object of strings. Write-only: stored "
        "encrypted and never returned; leave out on update to keep the current ones.",
    )
    has_credentials = serializers.SerializerMethodField(
        help_text="Whether credentials are stored (their values are never shown)."
    )
    create_options = serializers.SerializerMethodField(
        help_text="What a create_tenant operation at this vendor may carry in ``options``: "
        "name, label, type (text, email, integer, boolean, choice), required, choices, help, "
        "min_value and max_value (length limits for text, range for integers)."
    )

    class Meta:
        model = VendorConnection
        fields = [
            "id", "vendor", "name", "base_url", "enabled", "credentials", "has_credentials",
            "create_options", "sync_status", "last_synced_at", "last_success_at", "last_error", "created_at",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "sync_status", "last_synced_at", "last_success_at", "last_error", "created_at",
            "updated_at",
        ]  # fmt: skip

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_has_credentials(self, obj) -> bool:
        return bool(obj.credentials)

    @extend_schema_field(CreateOptionSerializer(many=True))
    def get_create_options(self, obj) -> list[dict]:
        return [
            {**asdict(o), "type": o.type.value, "choices": [list(c) for c in o.choices]}
            for o in connection_options(obj)
        ]

    def validate(self, attrs):
        vendor = attrs.get("vendor") or getattr(self.instance, "vendor", None)
        credentials = attrs.get("credentials")
        if self.instance is None and not credentials:
            raise serializers.ValidationError(
                {"credentials": ["Credentials are required for a new connection."]}
            )
        if self.instance is not None and attrs.get("vendor", vendor) != self.instance.vendor:
            raise serializers.ValidationError({"vendor": ["A connection's vendor cannot change."]})
        if credentials is not None and vendor:
            missing = sorted(set(get_adapter_class(vendor).credential_fields) - set(credentials))
            if missing:
                raise serializers.ValidationError(
                    {"credentials": [f"Missing credential fields: {', '.join(missing)}."]}
                )
        return attrs


class ConnectionTestResultSerializer(serializers.Serializer):
    ok = serializers.BooleanField(help_text="True when the vendor accepted the credentials.")
    message = serializers.CharField(help_text="Why it failed (or that it works), for staff.")


class ProductSerializer(ModelSerializer):
    vendor = serializers.CharField(
        source="connection.vendor", read_only=True, help_text="Vendor selling it."
    )

    class Meta:
        model = Product
        fields = [
            "id", "connection", "vendor", "external_id", "code", "name", "kind",
            "trial_available", "addons", "is_active", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

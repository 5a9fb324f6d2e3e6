from django.contrib import admin, messages

from portal.core.models import Source

from .models import ApiToken, Profile
from .tokens import token_create, token_revoke


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "reseller"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__email", "reseller__name"]
    autocomplete_fields = ["user", "reseller"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Created and revoked through the token services: the value is shown once, at creation."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__username", "prefix"]
    autocomplete_fields = ["user"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "name"]
        return ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing about a token is editable
        token, raw = token_create(
            user=form.cleaned_data["user"],
            name=form.cleaned_data["name"],
            actor=request.user,
            source=Source.ADMIN,
        )
        obj.pk = token.pk
        self.message_user(
            request, f"Token created. Copy it now, it is not shown again: {raw}", messages.WARNING
        )

    @admin.action(description="Revoke selected tokens")
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            token_revoke(token=token, actor=request.user, source=Source.ADMIN)
        self.message_user(request, "Tokens revoked.", messages.SUCCESS)

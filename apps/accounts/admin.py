from django.contrib import admin

from apps.accounts.models import ApiToken, Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "time_zone", "time_zone_source"]
    search_fields = ["user__username"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Admins can see and revoke tokens, never read a key (only its hash is stored)."""

    list_display = ["name", "user", "key_hint", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__username"]
    readonly_fields = ["user", "name", "key_hint", "created_at", "last_used_at"]
    exclude = ["key_hash"]

    def has_add_permission(self, request) -> bool:
        return False

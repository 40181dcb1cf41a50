from django.contrib import admin

from apps.usage.models import UsageSync


@admin.register(UsageSync)
class UsageSyncAdmin(admin.ModelAdmin):
    list_display = ["instance", "kind", "status", "requested_at", "finished_at", "error"]
    list_filter = ["status", "kind", "instance"]
    readonly_fields = [f.name for f in UsageSync._meta.fields]

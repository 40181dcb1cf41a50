from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from apps.accounts.api import MeView
from apps.audit.api import AuditEventList
from apps.instances import api as instances_api
from apps.users import api as users_api

api_v1: list[URLPattern | URLResolver] = [
    path("me/", MeView.as_view(), name="api_me"),
    path("audit-events/", AuditEventList.as_view(), name="api_audit_event_list"),
    path("instances/", instances_api.InstanceListView.as_view(), name="api_instance_list"),
    path(
        "instances/<int:pk>/",
        instances_api.InstanceDetailView.as_view(),
        name="api_instance_detail",
    ),
    path(
        "instances/<int:pk>/test/",
        instances_api.ConnectionTestView.as_view(),
        name="api_connection_test",
    ),
    path(
        "instances/<int:pk>/grants/",
        instances_api.GrantListView.as_view(),
        name="api_grant_list",
    ),
    path(
        "instances/<int:pk>/grants/<str:username>/",
        instances_api.GrantDetailView.as_view(),
        name="api_grant_detail",
    ),
    path("users/", users_api.UserListView.as_view(), name="api_user_list"),
    path("users/<int:pk>/", users_api.UserDetailView.as_view(), name="api_user_detail"),
    path("", include("apps.leads.api_urls")),
    path("", include("apps.assets.api_urls")),
    path("", include("apps.usage.api_urls")),
    path("", include("apps.integrations.api_urls")),
    path("", include("apps.alerts.api_urls")),
]

urlpatterns = [
    path("", include("apps.site.urls")),
    path("accounts/", include("apps.accounts.urls")),
    path("audit/", include("apps.audit.urls")),
    path("instances/", include("apps.instances.urls")),
    path("leads/", include("apps.leads.urls")),
    path("assets/", include("apps.assets.urls")),
    path("usage/", include("apps.usage.urls")),
    path("integrations/", include("apps.integrations.urls")),
    path("alerts/channels/", include("apps.alerts.channel_urls")),
    path("alerts/", include("apps.alerts.urls")),
    path("users/", include("apps.users.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    # The schema and its docs are public: they describe the API, they hold no data.
    path(
        "api/schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="api_schema"
    ),
    # The split view serves Swagger UI's init script at ?script= instead of inline, so the
    # page needs no exception from the Content-Security-Policy.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api_schema",
            permission_classes=[AllowAny],
            template_name="core/api_docs.html",
        ),
        name="api_docs",
    ),
]

handler400 = "apps.core.views.bad_request"
handler403 = "apps.core.views.permission_denied"
handler404 = "apps.core.views.page_not_found"
handler500 = "apps.core.views.server_error"

from django.urls import path

from apps.alerts import api

urlpatterns = [
    path("alerts/", api.AlertListView.as_view(), name="api_alerts"),
    path("alerts/<int:pk>/", api.AlertDetailView.as_view(), name="api_alert_detail"),
    path(
        "alerts/<int:pk>/acknowledge/",
        api.AlertAcknowledgeView.as_view(),
        name="api_alert_acknowledge",
    ),
]

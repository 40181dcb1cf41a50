from django.urls import path

from apps.alerts import views

urlpatterns = [
    path("", views.alert_list_view, name="alerts_list"),
    path("<int:pk>/", views.alert_detail_view, name="alerts_detail"),
    path("<int:pk>/acknowledge/", views.alert_acknowledge_view, name="alerts_acknowledge"),
    path("rules/", views.deployment_rules_view, name="alerts_deployment_rules"),
    path("instances/<int:pk>/rules/", views.instance_rules_view, name="alerts_rules"),
]

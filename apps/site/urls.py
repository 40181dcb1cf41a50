from django.urls import path

from apps.site import views

urlpatterns = [
    path("", views.home_view, name="home"),
    path("instances/", views.instance_list_view, name="instance_list"),
    path("healthz", views.healthz_view, name="healthz"),
    path("healthz/live", views.livez_view, name="livez"),
    path("metrics", views.metrics_view, name="metrics"),
]

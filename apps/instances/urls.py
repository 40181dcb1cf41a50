from django.urls import path

from apps.instances import views

# The list itself (/instances/, "instance_list") is served by apps.site: its columns need
# usage, assets and leads, which sit above instances.
urlpatterns = [
    path("new/", views.instance_create_view, name="instance_create"),
    path("switch/", views.instance_switch_view, name="instance_switch"),
    path("<int:pk>/", views.instance_detail_view, name="instance_detail"),
    path("<int:pk>/edit/", views.instance_edit_view, name="instance_edit"),
    path("<int:pk>/delete/", views.instance_delete_view, name="instance_delete"),
    path("<int:pk>/test/", views.connection_test_start_view, name="connection_test_start"),
    path("<int:pk>/test/<int:test_pk>/", views.connection_test_view, name="connection_test"),
    path("<int:pk>/grants/", views.grant_create_view, name="grant_create"),
    path("<int:pk>/grants/<int:grant_pk>/revoke/", views.grant_revoke_view, name="grant_revoke"),
]

from django.urls import path

from apps.alerts import channel_views as views

urlpatterns = [
    path("", views.channel_list_view, name="alerts_channel_list"),
    path("new/", views.channel_create_view, name="alerts_channel_create"),
    path("<int:pk>/", views.channel_detail_view, name="alerts_channel_detail"),
    path("<int:pk>/edit/", views.channel_edit_view, name="alerts_channel_edit"),
    path("<int:pk>/delete/", views.channel_delete_view, name="alerts_channel_delete"),
    path("<int:pk>/enable/", views.channel_enable_view, name="alerts_channel_enable"),
    path("<int:pk>/secret/", views.channel_rotate_view, name="alerts_channel_rotate"),
    path("<int:pk>/test/", views.channel_test_view, name="alerts_channel_test"),
    path(
        "<int:pk>/test/<int:delivery_pk>/",
        views.channel_test_result_view,
        name="alerts_channel_test_result",
    ),
]

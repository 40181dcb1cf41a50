from django.urls import path

from apps.integrations import api

urlpatterns = [
    path("instances/<int:pk>/api-users/", api.ApiUserListView.as_view(), name="api_api_users"),
]

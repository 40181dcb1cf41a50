from django.urls import path

from apps.users import views

urlpatterns = [
    path("", views.user_list_view, name="user_list"),
    path("new/", views.user_create_view, name="user_create"),
    path("<int:pk>/", views.user_detail_view, name="user_detail"),
    path("<int:pk>/grants/", views.user_grants_view, name="user_grants"),
    path("<int:pk>/active/", views.user_active_view, name="user_active"),
    path("<int:pk>/password/", views.user_password_view, name="user_password"),
    path("<int:pk>/password-link/", views.user_password_link_view, name="user_password_link"),
]

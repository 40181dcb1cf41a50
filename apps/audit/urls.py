from django.urls import path

from apps.audit import views

urlpatterns = [
    path("", views.audit_event_list_view, name="audit_event_list"),
]

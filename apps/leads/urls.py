from django.urls import path

from apps.core.views import upcoming_section_view

urlpatterns = [
    path("", upcoming_section_view, {"section": "leads"}, name="leads_home"),
]

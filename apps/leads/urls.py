from django.urls import path

from apps.leads import views

urlpatterns = [
    path("", views.leads_home_view, name="leads_home"),
    path("search/", views.lead_search_view, name="lead_search"),
    path("everywhere/", views.lead_everywhere_view, name="lead_everywhere"),
    path(
        "everywhere/<int:instance_pk>/",
        views.lead_everywhere_one_view,
        name="lead_everywhere_one",
    ),
    path("fields/refresh/", views.searchable_fields_refresh_view, name="lead_fields_refresh"),
    path("fields/searchable/", views.searchable_fields_view, name="lead_searchable_fields"),
    path("lookups/", views.lead_lookup_create_view, name="lead_lookup_create"),
    path("lookups/<int:pk>/", views.lead_lookup_detail_view, name="lead_lookup_detail"),
    path("lookups/<int:pk>/start/", views.lead_lookup_start_view, name="lead_lookup_start"),
    path("lookups/<int:pk>/cancel/", views.lead_lookup_cancel_view, name="lead_lookup_cancel"),
    path("lookups/<int:pk>/resume/", views.lead_lookup_resume_view, name="lead_lookup_resume"),
    path(
        "lookups/<int:pk>/progress/", views.lead_lookup_progress_view, name="lead_lookup_progress"
    ),
    path("lookups/<int:pk>/results/", views.lead_lookup_results_view, name="lead_lookup_results"),
    path(
        "lookups/<int:pk>/not-found/",
        views.lead_lookup_not_found_view,
        name="lead_lookup_not_found",
    ),
    path(
        "lookups/<int:pk>/results.csv",
        views.lead_lookup_results_csv_view,
        name="lead_lookup_results_csv",
    ),
    path(
        "lookups/<int:pk>/not-found.csv",
        views.lead_lookup_not_found_csv_view,
        name="lead_lookup_not_found_csv",
    ),
    path(
        "lookups/<int:pk>/too-many.csv",
        views.lead_lookup_too_many_csv_view,
        name="lead_lookup_too_many_csv",
    ),
    path("<int:instance_pk>/lead/<int:lead_id>/", views.lead_detail_view, name="lead_detail"),
    path(
        "<int:instance_pk>/lead/<int:lead_id>/fields/",
        views.lead_fields_view,
        name="lead_detail_fields",
    ),
    path(
        "<int:instance_pk>/lead/<int:lead_id>/activities/",
        views.lead_activities_view,
        name="lead_detail_activities",
    ),
    path(
        "<int:instance_pk>/activity-types/",
        views.lead_activity_types_view,
        name="lead_activity_types",
    ),
    path(
        "<int:instance_pk>/lead/<int:lead_id>/memberships/",
        views.lead_memberships_view,
        name="lead_detail_memberships",
    ),
]

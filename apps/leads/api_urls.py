from django.urls import path

from apps.leads import api

urlpatterns = [
    path("leads/", api.LeadsEverywhereView.as_view(), name="api_leads_everywhere"),
    path("instances/<int:pk>/leads/", api.LeadListView.as_view(), name="api_lead_list"),
    path(
        "instances/<int:pk>/leads/<int:lead_id>/",
        api.LeadDetailView.as_view(),
        name="api_lead_detail",
    ),
    path(
        "instances/<int:pk>/lead-lookups/",
        api.LeadLookupCreateView.as_view(),
        name="api_lead_lookup_create",
    ),
    path(
        "lead-lookups/<int:pk>/", api.LeadLookupDetailView.as_view(), name="api_lead_lookup_detail"
    ),
    path(
        "lead-lookups/<int:pk>/resume/",
        api.LeadLookupResumeView.as_view(),
        name="api_lead_lookup_resume",
    ),
    path(
        "lead-lookups/<int:pk>/results.csv",
        api.LeadLookupResultsCsvView.as_view(),
        name="api_lead_lookup_results_csv",
    ),
    path(
        "lead-lookups/<int:pk>/not-found.csv",
        api.LeadLookupNotFoundCsvView.as_view(),
        name="api_lead_lookup_not_found_csv",
    ),
    path(
        "lead-lookups/<int:pk>/too-many.csv",
        api.LeadLookupTooManyCsvView.as_view(),
        name="api_lead_lookup_too_many_csv",
    ),
]

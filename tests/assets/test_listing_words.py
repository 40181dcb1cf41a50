"""The asset listing in a marketer's words (issue 15, item 2), below the browser tests: the
status filter's groups, labels instead of slugs, and the folder column without a query per row."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.assets.labels import (
    APPROVAL_GROUP,
    CAMPAIGN_GROUP,
    EMAIL_PROGRAM_GROUP,
    ENGAGEMENT_GROUP,
    status_groups,
    status_label,
    type_label,
)
from apps.assets.models import MirroredAsset
from tests.assets.test_pages_and_api import mirrored  # noqa: F401 (the fixture)

PAIRS = [
    ("email", "approved"),
    ("email", "draft"),
    ("snippet", "approved_with_draft"),
    ("smart_campaign", "never run"),
    ("smart_campaign", "active"),
    ("program", "on"),
    ("program", "unlocked"),
    ("program", "launched"),  # a word Marketo might add: under its type, capitalised
]


def test_statuses_are_grouped_by_what_they_apply_to_in_a_fixed_order():
    groups = status_groups(PAIRS)
    assert [group for group, _ in groups] == [
        APPROVAL_GROUP,
        CAMPAIGN_GROUP,
        ENGAGEMENT_GROUP,
        EMAIL_PROGRAM_GROUP,
        "Programs",
    ]
    assert groups[0][1] == [
        ("approved", "Approved"),
        ("draft", "Draft"),
        ("approved_with_draft", "Approved with draft"),
    ]
    assert groups[1][1] == [("active", "Active"), ("never run", "Never run")]
    assert groups[-1][1] == [("launched", "Launched")]


def test_a_chosen_type_narrows_the_groups_but_keeps_the_chosen_status():
    assert [group for group, _ in status_groups(PAIRS, asset_type="smart_campaign")] == [
        CAMPAIGN_GROUP
    ]
    kept = status_groups(PAIRS, asset_type="smart_campaign", chosen="draft")
    assert [group for group, _ in kept] == [APPROVAL_GROUP, CAMPAIGN_GROUP]
    assert kept[0][1] == [("draft", "Draft")]


def test_labels_are_words_never_slugs():
    assert type_label("landing_page") == "Landing page"
    assert type_label("something_new") == "Something new"
    assert status_label("approved_with_draft") == "Approved with draft"
    assert status_label("single run") == "Run once"


def test_a_status_badge_says_what_the_status_means_on_hover():
    from apps.assets.templatetags.assets_tags import status_badge

    html = status_badge("approved_with_draft")
    assert ">Approved with draft</span>" in html
    assert 'title="The approved version is live; a draft of changes awaits approval."' in html


def _queries(client, url, params) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries), len(response.context["page"].object_list)


def test_the_folder_column_costs_no_query_per_row(mirrored, client_for, viewer):  # noqa: F811
    """The folder or program of each row comes in the listing's own query (select_related)."""
    url = reverse("assets_browse", args=[mirrored.pk])
    client = client_for(viewer)
    client.get(url)  # caches (statuses, sessions) warmed
    few, few_rows = _queries(client, url, {"type": "form", "q": "registration"})
    many, many_rows = _queries(client, url, {"type": "email"})
    assert few_rows < many_rows == 50
    assert few == many
    html = client.get(url, {"type": "email"}).content.decode()
    email = MirroredAsset.objects.filter(instance=mirrored, asset_type="email").order_by("name")[0]
    assert f'title="{email.folder.path}"' in html
    assert "Folder / program" in html


def test_the_csv_says_statuses_in_words(mirrored, client_for, viewer):  # noqa: F811
    response = client_for(viewer).get(
        reverse("assets_export", args=[mirrored.pk]), {"type": "snippet"}
    )
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert ",Approved," in body or ",Draft," in body
    assert "approved_with_draft" not in body and ",approved," not in body

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.services import profile_update
from apps.assets.models import AssetSync, MirroredAsset, MirroredFolder
from apps.assets.services import asset_sync_start
from apps.audit.context import AuditContext
from apps.instances.services import grant_set
from tests.assets.conftest import run_sync
from tests.factories import make_instance


@pytest.fixture
def mirrored(instance, sandbox, operator, viewer):
    run_sync(asset_sync_start(instance=instance, audit=AuditContext.system()).pk)
    grant_set(
        instance=instance, user=operator, role="operator", actor=None, audit=AuditContext.system()
    )
    grant_set(
        instance=instance, user=viewer, role="viewer", actor=None, audit=AuditContext.system()
    )
    return instance


def test_the_section_opens_on_the_current_instance(mirrored, client_for, operator):
    response = client_for(operator).get(reverse("assets_home"))
    assert response.status_code == 302
    assert response.url == reverse("assets_browse", args=[mirrored.pk])


def test_a_folder_page_lists_its_assets_and_sub_folders(mirrored, client_for, viewer):
    program = MirroredFolder.objects.filter(instance=mirrored, kind="Program").first()
    response = client_for(viewer).get(
        reverse("assets_folder", args=[mirrored.pk, "program", program.marketo_id])
    )
    assert response.status_code == 200
    for asset in program.assets.all():
        assert asset.name in response.content.decode()
    assert program.name in response.content.decode()
    # Viewers browse read-only: no sync button, no actions.
    assert "Sync now" not in response.content.decode()


def test_search_covers_the_whole_instance_and_filters_combine(mirrored, client_for, viewer):
    url = reverse("assets_browse", args=[mirrored.pk])
    page = client_for(viewer).get(url, {"q": "registration", "type": "form"})
    rows = page.context["page"].paginator.count
    assert (
        rows
        == MirroredAsset.objects.filter(
            instance=mirrored, asset_type="form", name__icontains="registration"
        ).count()
    )
    assert rows > 0


def test_bad_filters_get_clear_messages(mirrored, client_for, viewer):
    url = reverse("assets_browse", args=[mirrored.pk])
    page = client_for(viewer).get(url, {"q": "x", "updated_since": "yesterday"})
    body = page.content.decode()
    assert "Type at least 2 characters to search." in body
    assert "Enter a date as YYYY-MM-DD." in body


def test_the_listing_sorts_and_pages(mirrored, client_for, viewer):
    url = reverse("assets_browse", args=[mirrored.pk])
    page = client_for(viewer).get(url, {"sort": "-id"})
    ids = [row.marketo_id for row in page.context["page"].object_list]
    assert ids == sorted(ids, reverse=True)
    assert len(ids) == 50
    second = client_for(viewer).get(url, {"sort": "-id", "page": 2})
    assert second.context["page"].object_list[0].marketo_id < ids[-1]


def test_htmx_gets_only_the_listing(mirrored, client_for, viewer):
    url = reverse("assets_browse", args=[mirrored.pk])
    response = client_for(viewer).get(
        url, {"type": "email"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="listing"
    )
    assert response.templates[0].name == "assets/partials/listing.html"


def test_the_tree_loads_children_lazily(mirrored, client_for, viewer):
    root = MirroredFolder.objects.get(instance=mirrored, name="Marketing Activities")
    response = client_for(viewer).get(
        reverse("assets_tree", args=[mirrored.pk, "folder", root.marketo_id])
    )
    names = [child.name for child in response.context["children"]]
    assert names == ["APAC", "Default", "EMEA"]


def test_the_listing_exports_as_csv(mirrored, client_for, viewer):
    response = client_for(viewer).get(
        reverse("assets_export", args=[mirrored.pk]), {"type": "file"}
    )
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:3] == ["type", "id", "name"]
    assert (
        len(rows) - 1 == MirroredAsset.objects.filter(instance=mirrored, asset_type="file").count()
    )


def test_the_exports_updated_column_is_in_the_viewers_zone_with_the_offset(
    mirrored, client_for, viewer
):
    profile_update(user=viewer, time_zone="Asia/Kolkata", audit=AuditContext.system())
    asset = MirroredAsset.objects.filter(instance=mirrored, asset_type="file").first()
    asset.updated_at = datetime(2026, 3, 8, 6, 0, tzinfo=UTC)
    asset.save()
    response = client_for(viewer).get(
        reverse("assets_export", args=[mirrored.pk]), {"type": "file", "q": asset.name}
    )
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = csv.reader(io.StringIO(body))
    row = next(row for row in rows if row[1] == str(asset.marketo_id))
    assert row[header.index("updated")] == "2026-03-08T11:30:00+05:30"


def test_an_asset_page_shows_metadata_path_related_and_raw(mirrored, client_for, operator):
    email = MirroredAsset.objects.filter(
        instance=mirrored, asset_type="email", status="draft"
    ).first()
    response = client_for(operator).get(
        reverse("assets_detail", args=[mirrored.pk, "email", email.marketo_id])
    )
    body = response.content.decode()
    assert email.folder.path in body
    assert "Template" in body  # the related email template
    assert "Marketo&#x27;s record (raw)" in body or "record (raw)" in body
    assert "Approve the draft" in body
    assert "Open in Marketo" in body


@pytest.mark.parametrize(
    "path",
    [
        "/assets/{pk}/folder/folder/999999/",
        "/assets/{pk}/asset/email/999999/",
        "/assets/{pk}/asset/nonsense/1/",
        "/assets/{pk}/asset/program/{program}/approve/",
        "/assets/99999/",
    ],
)
def test_unknown_folders_assets_and_actions_are_404(mirrored, client_for, viewer, path):
    program = MirroredAsset.objects.filter(instance=mirrored, asset_type="program").first()
    url = path.format(pk=mirrored.pk, program=program.marketo_id)
    assert client_for(viewer).get(url).status_code in (404, 403)


def test_a_viewer_cannot_approve_or_sync(mirrored, client_for, viewer):
    email = MirroredAsset.objects.filter(instance=mirrored, asset_type="email").first()
    client = client_for(viewer)
    url = reverse("assets_action", args=[mirrored.pk, "email", email.marketo_id, "approve"])
    assert client.post(url).status_code == 403
    assert client.post(reverse("assets_sync_start", args=[mirrored.pk])).status_code == 403


def test_instances_not_granted_are_invisible(db, sandbox, client_for, viewer):
    other = make_instance("Other", munchkin_id="999-ZZZ-999")
    assert client_for(viewer).get(reverse("assets_browse", args=[other.pk])).status_code == 404


def test_sync_now_queues_one_sync_and_shows_the_progress_panel(
    mirrored, client_for, operator, django_capture_on_commit_callbacks, job_messages
):
    client = client_for(operator)
    url = reverse("assets_sync_start", args=[mirrored.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, HTTP_HX_REQUEST="true")
        client.post(url, HTTP_HX_REQUEST="true")
    assert "data-sync-progress" in response.content.decode()
    assert len(job_messages) == 1
    assert AssetSync.objects.filter(instance=mirrored, status="queued").count() == 1


def test_confirming_an_action_queues_it_on_the_interactive_queue(
    mirrored, client_for, operator, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(
        "apps.assets.tasks.asset_action_run_task.apply_async",
        lambda args, queue: sent.append((args, queue)),
    )
    email = MirroredAsset.objects.filter(
        instance=mirrored, asset_type="email", status="draft"
    ).first()
    url = reverse("assets_action", args=[mirrored.pk, "email", email.marketo_id, "approve"])
    client = client_for(operator)
    assert "Yes, approve the draft" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    assert sent and sent[0][1] == "interactive"


def test_a_clone_without_a_name_or_folder_says_what_is_missing(mirrored, client_for, operator):
    email = MirroredAsset.objects.filter(instance=mirrored, asset_type="email").first()
    url = reverse("assets_action", args=[mirrored.pk, "email", email.marketo_id, "clone"])
    body = client_for(operator).post(url, {"name": "", "folder": "123456"}).content.decode()
    assert "This field is required." in body
    assert "Choose one of the folders in the list." in body


# --- API ------------------------------------------------------------------------------


def test_api_lists_folders_by_parent(mirrored, api_client, viewer):
    api_client.force_authenticate(viewer)
    roots = api_client.get(f"/api/v1/instances/{mirrored.pk}/folders/").json()
    assert {row["name"] for row in roots["results"]} == {
        "Marketing Activities",
        "Design Studio",
        "Lead Database",
    }
    root = next(row for row in roots["results"] if row["name"] == "Marketing Activities")
    children = api_client.get(
        f"/api/v1/instances/{mirrored.pk}/folders/", {"parent": root["id"]}
    ).json()
    assert [row["name"] for row in children["results"]] == ["APAC", "Default", "EMEA"]


def test_api_lists_and_filters_assets(mirrored, api_client, viewer):
    api_client.force_authenticate(viewer)
    answer = api_client.get(
        f"/api/v1/instances/{mirrored.pk}/assets/", {"type": "email", "status": "draft"}
    ).json()
    assert (
        answer["count"]
        == MirroredAsset.objects.filter(
            instance=mirrored, asset_type="email", status="draft"
        ).count()
    )
    assert {row["type"] for row in answer["results"]} == {"email"}
    bad = api_client.get(f"/api/v1/instances/{mirrored.pk}/assets/", {"type": "nope", "q": "x"})
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"type", "q"}


def test_api_returns_one_asset_with_its_raw_record(mirrored, api_client, viewer):
    api_client.force_authenticate(viewer)
    email = MirroredAsset.objects.filter(instance=mirrored, asset_type="email").first()
    answer = api_client.get(f"/api/v1/instances/{mirrored.pk}/assets/email/{email.marketo_id}/")
    assert answer.json()["raw"]["id"] == email.marketo_id
    missing = api_client.get(f"/api/v1/instances/{mirrored.pk}/assets/email/1/")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"


def test_api_starts_a_sync_with_202_and_reports_it(mirrored, api_client, operator, viewer):
    api_client.force_authenticate(operator)
    answer = api_client.post(
        f"/api/v1/instances/{mirrored.pk}/asset-syncs/", {"mode": "incremental"}, format="json"
    )
    assert answer.status_code == 202
    sync = answer.json()
    assert sync["mode"] == "incremental"
    assert api_client.get(f"/api/v1/asset-syncs/{sync['id']}/").json()["status"] == "queued"
    api_client.force_authenticate(viewer)
    assert api_client.post(f"/api/v1/instances/{mirrored.pk}/asset-syncs/").status_code == 403


def test_api_actions_answer_202_and_bad_input_400(mirrored, api_client, operator):
    api_client.force_authenticate(operator)
    email = MirroredAsset.objects.filter(
        instance=mirrored, asset_type="email", status="draft"
    ).first()
    base = f"/api/v1/instances/{mirrored.pk}/assets/email/{email.marketo_id}"
    approve = api_client.post(f"{base}/approve/")
    assert approve.status_code == 202
    assert approve.json()["kind"] == "approve"
    assert api_client.get(f"/api/v1/asset-actions/{approve.json()['id']}/").status_code == 200
    clone = api_client.post(f"{base}/clone/", {"name": ""}, format="json")
    assert clone.status_code == 400
    program = MirroredAsset.objects.filter(instance=mirrored, asset_type="program").first()
    refused = api_client.post(
        f"/api/v1/instances/{mirrored.pk}/assets/program/{program.marketo_id}/approve/"
    )
    assert refused.status_code == 400


def test_the_api_is_in_the_openapi_schema(db, api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    paths = {path.replace("{id}", "{pk}") for path in schema["paths"]}
    for path in [
        "/api/v1/instances/{pk}/folders/",
        "/api/v1/instances/{pk}/assets/",
        "/api/v1/instances/{pk}/assets/{asset_type}/{marketo_id}/",
        "/api/v1/instances/{pk}/assets/{asset_type}/{marketo_id}/approve/",
        "/api/v1/instances/{pk}/assets/{asset_type}/{marketo_id}/clone/",
        "/api/v1/instances/{pk}/asset-syncs/",
        "/api/v1/asset-syncs/{pk}/",
    ]:
        assert path in paths, path


# --- addresses from Marketo's records ---------------------------------------------------

HOSTILE_URL = "javascript:alert(1)"


def test_an_asset_whose_marketo_url_is_not_a_web_address_gets_no_link(mirrored, client_for, viewer):
    from apps.assets.mirror import asset_upsert_one

    email = MirroredAsset.objects.filter(instance=mirrored, asset_type="email").first()
    asset_upsert_one(mirrored, "email", {**email.raw, "url": HOSTILE_URL})
    body = (
        client_for(viewer)
        .get(reverse("assets_detail", args=[mirrored.pk, "email", email.marketo_id]))
        .content.decode()
    )
    assert 'href="javascript:' not in body
    assert f"Open in Marketo: {HOSTILE_URL}" in body  # shown, as text


def test_a_folder_whose_marketo_url_is_not_a_web_address_gets_no_link(mirrored, client_for, viewer):
    from apps.assets.mirror import folders_upsert

    folder = MirroredFolder.objects.filter(instance=mirrored, kind="Program").first()
    folders_upsert(mirrored, [{**folder.raw, "url": HOSTILE_URL}])
    body = (
        client_for(viewer)
        .get(reverse("assets_folder", args=[mirrored.pk, folder.kind_slug, folder.marketo_id]))
        .content.decode()
    )
    assert 'href="javascript:' not in body
    assert HOSTILE_URL in body


def test_a_web_address_from_marketo_is_a_link_that_opens_apart(mirrored, client_for, viewer):
    email = MirroredAsset.objects.filter(instance=mirrored, asset_type="email").first()
    assert email.url.startswith("http")
    body = (
        client_for(viewer)
        .get(reverse("assets_detail", args=[mirrored.pk, "email", email.marketo_id]))
        .content.decode()
    )
    assert f'href="{email.url}" target="_blank" rel="noopener noreferrer"' in body


# --- refreshing spends a Marketo call: operators and admins only -------------------------


def _asset_page(client, instance, asset):
    return client.get(
        reverse("assets_detail", args=[instance.pk, asset.asset_type, asset.marketo_id])
    ).content.decode()


def test_a_viewer_sees_no_refresh_button(mirrored, client_for, viewer, operator):
    email = MirroredAsset.objects.filter(instance=mirrored, asset_type="email").first()
    assert "Refresh this asset" not in _asset_page(client_for(viewer), mirrored, email)
    assert "Refresh this asset" in _asset_page(client_for(operator), mirrored, email)


def test_a_viewer_cannot_refresh_an_asset(mirrored, client_for, api_client, viewer):
    from apps.assets.models import AssetAction

    email = MirroredAsset.objects.filter(instance=mirrored, asset_type="email").first()
    page = reverse("assets_action", args=[mirrored.pk, "email", email.marketo_id, "refresh"])
    assert client_for(viewer).post(page).status_code == 403
    api_client.force_authenticate(viewer)
    api = f"/api/v1/instances/{mirrored.pk}/assets/email/{email.marketo_id}/refresh/"
    answer = api_client.post(api)
    assert answer.status_code == 403
    assert answer.json()["code"] == "permission_denied"
    assert not AssetAction.objects.exists()


def test_an_operator_may_refresh_an_asset(mirrored, api_client, operator):
    email = MirroredAsset.objects.filter(instance=mirrored, asset_type="email").first()
    api_client.force_authenticate(operator)
    answer = api_client.post(
        f"/api/v1/instances/{mirrored.pk}/assets/email/{email.marketo_id}/refresh/"
    )
    assert answer.status_code == 202
    assert answer.json()["kind"] == "refresh"


def _paused_sync(instance):
    sync = asset_sync_start(instance=instance, audit=AuditContext.system())
    AssetSync.objects.filter(pk=sync.pk).update(
        status="paused",
        error="Marketo answered 611: System error.",
        resume_at=timezone.now() + timedelta(minutes=5),
    )
    return sync


def test_a_paused_sync_says_why_and_operators_can_resume_it_now(
    mirrored, client_for, operator, viewer, job_messages
):
    sync = _paused_sync(mirrored)
    resume = reverse("assets_sync_resume", args=[mirrored.pk, sync.pk])
    panel = client_for(viewer).get(reverse("assets_browse", args=[mirrored.pk])).content.decode()
    # When, in words, with the exact time on hover ({% ago %}).
    assert re.search(
        r"Marketo answered 611: System error\. It tries again by itself "
        r'<time datetime="[^"]+" title="[^"]+">in 4\s+minutes</time>\.',
        panel,
    )
    assert resume not in panel  # viewers see why, but may not act
    assert client_for(viewer).post(resume).status_code == 403
    client = client_for(operator)
    assert resume in client.get(reverse("assets_browse", args=[mirrored.pk])).content.decode()
    answer = client.post(resume, HTTP_HX_REQUEST="true")
    assert "data-sync-progress" in answer.content.decode()
    sync.refresh_from_db()
    assert sync.status == "queued"
    assert job_messages == [("assets.AssetSync", sync.pk, None)]


def test_api_resumes_a_paused_sync_with_202_and_refuses_others(
    mirrored, api_client, operator, viewer, job_messages
):
    sync = _paused_sync(mirrored)
    api_client.force_authenticate(viewer)
    assert api_client.post(f"/api/v1/asset-syncs/{sync.pk}/resume/").status_code == 403
    api_client.force_authenticate(operator)
    answer = api_client.post(f"/api/v1/asset-syncs/{sync.pk}/resume/")
    assert answer.status_code == 202 and answer.json()["status"] == "queued"
    again = api_client.post(f"/api/v1/asset-syncs/{sync.pk}/resume/")
    assert again.status_code == 409 and again.json()["code"] == "not_paused"

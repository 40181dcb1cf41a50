"""A paused usage sync says why and when it goes on by itself, and admins can resume it now,
from the overview page or the API, as lookups and asset syncs can."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from apps.audit.context import AuditContext
from apps.audit.models import AuditEvent
from apps.usage.models import UsageSync
from apps.usage.services import usage_sync_start


def _paused_sync(instance):
    sync = usage_sync_start(
        instance=instance, kind=UsageSync.Kind.TODAY, audit=AuditContext.system()
    )
    UsageSync.objects.filter(pk=sync.pk).update(
        status="paused",
        error="Waiting for the instance's API budget.",
        resume_at=timezone.now() + timedelta(minutes=5),
    )
    return sync


def test_a_paused_usage_sync_says_why_and_admins_can_resume_it_now(
    sandbox_instance, client_for, admin_user, viewer, job_messages
):
    sync = _paused_sync(sandbox_instance)
    overview = reverse("usage_overview", args=[sandbox_instance.pk])
    resume = reverse("usage_sync_resume", args=[sandbox_instance.pk, sync.pk])
    job_messages.clear()

    page = client_for(admin_user).get(overview).content.decode()
    assert "Waiting for the instance&#x27;s API budget. It tries again by itself at" in page
    assert resume in page
    answer = client_for(admin_user).post(resume)
    assert answer.status_code == 302
    sync.refresh_from_db()
    assert sync.status == "queued"
    assert job_messages == [("usage.UsageSync", sync.pk, None)]
    assert AuditEvent.objects.filter(action="usage.sync_resume", target_id=sync.pk).exists()


def test_a_viewer_sees_why_but_cannot_resume(sandbox_instance, client_for, viewer, job_messages):
    from apps.instances.services import grant_set

    grant_set(
        instance=sandbox_instance,
        user=viewer,
        role="viewer",
        actor=None,
        audit=AuditContext.system(),
    )
    sync = _paused_sync(sandbox_instance)
    resume = reverse("usage_sync_resume", args=[sandbox_instance.pk, sync.pk])
    client = client_for(viewer)
    page = client.get(reverse("usage_overview", args=[sandbox_instance.pk])).content.decode()
    assert "It tries again by itself at" in page
    assert resume not in page
    assert client.post(resume).status_code == 403
    sync.refresh_from_db()
    assert sync.status == "paused"


def test_the_api_resumes_a_paused_usage_sync_with_202_and_refuses_others(
    sandbox_instance, api_client, admin_user, job_messages
):
    sync = _paused_sync(sandbox_instance)
    api_client.force_authenticate(admin_user)
    answer = api_client.post(f"/api/v1/usage-syncs/{sync.pk}/resume/")
    assert answer.status_code == 202 and answer.json()["status"] == "queued"
    again = api_client.post(f"/api/v1/usage-syncs/{sync.pk}/resume/")
    assert again.status_code == 409 and again.json()["code"] == "not_paused"

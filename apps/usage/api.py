"""The usage API: history per API user, errors, the quota now, our own calls, syncs."""

from typing import Any

from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.audit.context import AuditContext
from apps.core.api import NotPaused
from apps.core.dates import BoundedDateSerializerField
from apps.core.permissions import Action, require
from apps.instances.jobs import job_resume
from apps.instances.models import MarketoInstance
from apps.instances.selectors import instance_get
from apps.usage import selectors
from apps.usage.days import today
from apps.usage.forms import quota_range
from apps.usage.models import UsageSync
from apps.usage.quota import quota_status
from apps.usage.services import usage_sync_start


class RangeQuery(serializers.Serializer):
    start = BoundedDateSerializerField(
        required=False, help_text="First quota day (Central). Default: 29 days before end."
    )
    end = BoundedDateSerializerField(
        required=False, help_text="Last quota day (Central). Default: today."
    )

    def validate(self, attrs):
        # The same rules as the pages' RangeForm.
        start, end = quota_range(attrs.get("start"), attrs.get("end"), default_days=30)
        return {**attrs, "start": start, "end": end}


class UsageQuery(RangeQuery):
    group_by = serializers.ChoiceField(choices=["day", "user"], default="day")


class CallsQuery(RangeQuery):
    group_by = serializers.ChoiceField(choices=list(selectors.GROUPS), default="feature")


RANGE_PARAMS = [
    OpenApiParameter("start", str, description="YYYY-MM-DD, a Central (quota) date"),
    OpenApiParameter("end", str, description="YYYY-MM-DD, a Central (quota) date"),
]


class _InstanceView(APIView):
    query_class = RangeQuery

    def instance(self, request: Request, pk: int) -> MarketoInstance:
        instance = instance_get(user=request.user, pk=pk)
        require(request.user, Action.VIEW_USAGE, instance)
        return instance

    def query(self, request: Request) -> dict[str, Any]:
        query = self.query_class(data=request.query_params)
        query.is_valid(raise_exception=True)
        return query.validated_data


@extend_schema(tags=["usage"])
class UsageView(_InstanceView):
    query_class = UsageQuery

    @extend_schema(
        summary="Calls per day or per API user, as Marketo reported them (kept forever)",
        parameters=[
            *RANGE_PARAMS,
            OpenApiParameter("group_by", str, enum=["day", "user"]),
        ],
        responses=inline_serializer(
            "UsageReport",
            {
                "start": serializers.DateField(),
                "end": serializers.DateField(),
                "group_by": serializers.CharField(),
                "total": serializers.IntegerField(),
                "notice": serializers.CharField(),
                "results": serializers.ListField(child=serializers.DictField()),
            },
        ),
    )
    def get(self, request: Request, pk: int) -> Response:
        instance = self.instance(request, pk)
        q = self.query(request)
        report = selectors.usage_report(instance=instance, start=q["start"], end=q["end"])
        if q["group_by"] == "user":
            results = [
                {
                    "api_user": u["api_user"],
                    "total": u["total"],
                    "daily_average": u["average"],
                    "peak": u["peak"],
                    "peak_date": u["peak_date"],
                    "unusual_days": u["unusual"],
                }
                for u in report.users
            ]
        else:
            per_user: dict = {}
            for name, on in report.unusual:
                per_user.setdefault(on, []).append(name)
            results = [
                {
                    "date": d["date"],
                    "total": d["total"],
                    "unusual_users": sorted(per_user.get(d["date"], [])),
                }
                for d in report.daily
            ]
        return Response(
            {
                "start": q["start"],
                "end": q["end"],
                "group_by": q["group_by"],
                "total": report.total,
                "notice": selectors.range_notice(instance=instance, start=q["start"]),
                "results": results,
            }
        )


@extend_schema(tags=["usage"])
class ErrorsView(_InstanceView):
    @extend_schema(
        summary="Errors by code over a range, with what each means and what to do",
        parameters=RANGE_PARAMS,
        responses=inline_serializer(
            "ErrorsReport",
            {
                "start": serializers.DateField(),
                "end": serializers.DateField(),
                "total": serializers.IntegerField(),
                "codes": serializers.ListField(child=serializers.DictField()),
                "daily": serializers.ListField(child=serializers.DictField()),
            },
        ),
    )
    def get(self, request: Request, pk: int) -> Response:
        instance = self.instance(request, pk)
        q = self.query(request)
        report = selectors.errors_report(instance=instance, start=q["start"], end=q["end"])
        return Response({"start": q["start"], "end": q["end"], **report})


@extend_schema(tags=["usage"])
class QuotaView(_InstanceView):
    @extend_schema(
        summary="Today's use against the quota, this product's share, reset and forecast",
        responses=inline_serializer(
            "Quota",
            {
                "date": serializers.DateField(),
                "used": serializers.IntegerField(),
                "marketo_used": serializers.IntegerField(),
                "quota": serializers.IntegerField(),
                "percent": serializers.FloatField(),
                "product_budget": serializers.IntegerField(),
                "product_share_left": serializers.IntegerField(),
                "reset_at": serializers.DateTimeField(),
                "runs_out_at": serializers.DateTimeField(allow_null=True),
                "calls_per_hour": serializers.FloatField(),
                "alert": serializers.BooleanField(),
                "threshold_percent": serializers.IntegerField(),
                "governor": serializers.DictField(allow_null=True),
            },
        ),
    )
    def get(self, request: Request, pk: int) -> Response:
        instance = self.instance(request, pk)
        quota = quota_status(instance)
        forecast = quota.forecast
        return Response(
            {
                "date": today(),
                "used": quota.used,
                "marketo_used": quota.marketo_used,
                "quota": quota.quota,
                "percent": round(quota.percent, 2),
                "product_budget": quota.budget,
                "product_share_left": quota.share_left,
                "reset_at": forecast.reset_at,
                "runs_out_at": forecast.runs_out_at,
                "calls_per_hour": round(forecast.calls_per_hour, 1),
                "alert": quota.alert,
                "threshold_percent": quota.threshold_percent,
                "governor": quota.governor,
            }
        )


@extend_schema(tags=["usage"])
class CallsView(_InstanceView):
    query_class = CallsQuery

    @extend_schema(
        summary="marketo-admin's own calls from the call ledger, grouped",
        parameters=[
            *RANGE_PARAMS,
            OpenApiParameter("group_by", str, enum=list(selectors.GROUPS)),
        ],
        responses=inline_serializer(
            "CallsReport",
            {
                "start": serializers.DateField(),
                "end": serializers.DateField(),
                "group_by": serializers.CharField(),
                "results": serializers.ListField(child=serializers.DictField()),
                "reconciliation": serializers.ListField(child=serializers.DictField()),
            },
        ),
    )
    def get(self, request: Request, pk: int) -> Response:
        instance = self.instance(request, pk)
        q = self.query(request)
        rows = selectors.calls_report(
            instance=instance, start=q["start"], end=q["end"], group_by=q["group_by"]
        )
        return Response(
            {
                "start": q["start"],
                "end": q["end"],
                "group_by": q["group_by"],
                "results": [{**r, q["group_by"]: r.pop("key")} for r in rows],
                "reconciliation": selectors.ledger_reconciliation(
                    instance=instance, start=q["start"], end=q["end"]
                ),
            }
        )


class UsageSyncSerializer(serializers.ModelSerializer):
    # Plain strings in the schema: the enum names "kind" and "status" are taken elsewhere.
    kind = serializers.CharField(
        default=UsageSync.Kind.TODAY, help_text="today (default), settle or backfill"
    )
    status = serializers.CharField(
        read_only=True, help_text="queued, running, paused, succeeded or failed"
    )

    def validate_kind(self, value):
        if value not in UsageSync.Kind.values:
            raise serializers.ValidationError("Choose today, settle or backfill.")
        return value

    class Meta:
        model = UsageSync
        fields = [
            "id",
            "kind",
            "status",
            "requested_at",
            "finished_at",
            "days",
            "error",
            "resume_at",
        ]
        read_only_fields = [
            "id", "status", "requested_at", "finished_at", "days", "error", "resume_at"
        ]  # fmt: skip


@extend_schema(tags=["usage"])
class UsageSyncListView(_InstanceView):
    serializer_class = UsageSyncSerializer

    @extend_schema(summary="The latest usage syncs", responses=UsageSyncSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        instance = self.instance(request, pk)
        syncs = instance.usage_syncs.order_by("-requested_at")[:20]
        return Response(UsageSyncSerializer(syncs, many=True).data)

    @extend_schema(
        summary="Run a usage sync now (admins); kind: today (default), settle or backfill",
        request=UsageSyncSerializer,
        responses={202: UsageSyncSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        instance = self.instance(request, pk)
        require(request.user, Action.MANAGE_INSTANCES, instance)
        serializer = UsageSyncSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            sync = usage_sync_start(
                instance=instance,
                kind=serializer.validated_data["kind"],
                actor=request.user,
                audit=AuditContext.from_request(request),
            )
        return Response(UsageSyncSerializer(sync).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(
    tags=["usage"],
    summary="Resume a paused usage sync now (admins)",
    description="A paused sync also resumes by itself at `resume_at`; this does it now.",
    request=None,
    responses={202: UsageSyncSerializer},
)
class UsageSyncResumeView(APIView):
    def post(self, request: Request, pk: int) -> Response:
        sync = get_object_or_404(UsageSync, pk=pk)
        instance = instance_get(user=request.user, pk=sync.instance_id)
        require(request.user, Action.MANAGE_INSTANCES, instance)
        if sync.status != UsageSync.Status.PAUSED:
            raise NotPaused(f"Only a paused sync can be resumed; this one is {sync.status}.")
        sync = job_resume(sync, actor=request.user, audit=AuditContext.from_request(request))
        return Response(UsageSyncSerializer(sync).data, status=status.HTTP_202_ACCEPTED)

import math

from django.http.response import HttpResponseBase
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.audit.context import AuditContext
from apps.core.api import NotPaused
from apps.core.input_guard import accepts_bodies_up_to
from apps.core.permissions import Action, require
from apps.instances.jobs import job_resume
from apps.instances.selectors import instance_get
from apps.leads import detail, downloads, search, selectors, services
from apps.leads.models import LeadLookup
from apps.leads.parsing import LOOKUP_BODIES, MAX_BODY_BYTES, BadInput, split_pasted
from apps.marketo import leads as marketo_leads
from apps.marketo.errors import CallProblem, InvalidRequest, RetryLater
from apps.marketo.leads import TooManyMatches
from apps.marketo.wording import call_problem_message


class ServiceUnavailable(exceptions.APIException):
    status_code = 503
    default_code = "marketo_unavailable"


class BudgetSpent(exceptions.APIException):
    """The instance's API budget (its window, calls in flight or day) is spent for now: 429
    with Retry-After, the answer HTTP clients already back off on. Marketo is not down, and
    no call was made."""

    status_code = 429
    default_code = "marketo_budget_spent"

    def __init__(self, detail: str, wait: float):
        super().__init__(detail)
        self.wait = max(1, math.ceil(wait))  # DRF's handler sends it as Retry-After


@extend_schema_field(
    {
        "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}],
        "description": "Up to 100,000 values: a list, or one string separated by newlines, "
        "commas or semicolons.",
    }
)
class ValuesField(serializers.Field):
    """A list of strings, or one string with values separated by newlines, commas, ';'."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            return split_pasted(data)
        if isinstance(data, list) and all(isinstance(item, str | int) for item in data):
            return [str(item) for item in data]
        raise serializers.ValidationError("Give a list of strings or one separated string.")

    def to_representation(self, value):
        return value


class LeadLookupCreateSerializer(serializers.Serializer):
    field = serializers.CharField(default="email", help_text="A searchable field (filterType).")
    values = ValuesField(help_text="Up to 100,000 values.")


class LeadLookupSerializer(serializers.ModelSerializer):
    instance = serializers.IntegerField(source="instance_id")
    percent = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    results_csv = serializers.SerializerMethodField()
    not_found_csv = serializers.SerializerMethodField()
    too_many_csv = serializers.SerializerMethodField()

    class Meta:
        model = LeadLookup
        fields = [
            "id",
            "url",
            "instance",
            "field",
            "source",
            "status",
            "message",
            "total_values",
            "done_values",
            "percent",
            "found_count",
            "not_found_count",
            "too_many_count",
            "lead_count",
            "calls_used",
            "batch_count",
            "invalid_values",
            "created_at",
            "started_at",
            "finished_at",
            "resume_at",
            "results_csv",
            "not_found_csv",
            "too_many_csv",
        ]
        read_only_fields = fields

    def _url(self, name, lookup) -> str:
        request = self.context.get("request")
        path = reverse(name, args=[lookup.pk])
        return request.build_absolute_uri(path) if request else path

    def get_url(self, lookup) -> str:
        return self._url("api_lead_lookup_detail", lookup)

    def get_results_csv(self, lookup) -> str:
        return self._url("api_lead_lookup_results_csv", lookup)

    def get_not_found_csv(self, lookup) -> str:
        return self._url("api_lead_lookup_not_found_csv", lookup)

    def get_too_many_csv(self, lookup) -> str:
        return self._url("api_lead_lookup_too_many_csv", lookup)


def _instance(request: Request, pk: int):
    instance = instance_get(user=request.user, pk=pk)
    require(request.user, Action.LOOKUP_LEADS, instance)
    return instance


def _call(fn, **kwargs):
    try:
        return fn(**kwargs)
    except BadInput as exc:
        raise exceptions.ValidationError({"non_field_errors": [str(exc)]}) from exc
    except CallProblem as exc:
        message = call_problem_message(exc, needs=marketo_leads.ROLE_PERMISSIONS)
        if isinstance(exc, TooManyMatches):
            raise exceptions.ValidationError({"filterValues": [message]}) from exc
        if isinstance(exc, InvalidRequest):  # Marketo refused what was asked for
            raise exceptions.ValidationError({"non_field_errors": [message]}) from exc
        if isinstance(exc, RetryLater):
            raise BudgetSpent(message, exc.seconds) from exc
        raise ServiceUnavailable(message) from exc


LEAD_LIST = inline_serializer(
    "LeadList",
    {
        "result": serializers.ListField(child=serializers.DictField()),
        "count": serializers.IntegerField(),
        "tooManyMatches": serializers.ListField(
            child=serializers.DictField(),
            help_text="Values that alone match more than 1,000 leads: Marketo returns none"
            ' of their leads. Each is {"value", "reason"}.',
        ),
    },
)


@extend_schema(tags=["leads"])
class LeadListView(APIView):
    @extend_schema(
        summary="Look up leads now (up to 300 values)",
        operation_id="leads_lookup",
        parameters=[
            OpenApiParameter(
                "filterType", str, description="A searchable field; email by default."
            ),
            OpenApiParameter("filterValues", str, required=True, description="Comma-separated."),
            OpenApiParameter("fields", str, description="Comma-separated field names."),
        ],
        responses={200: LEAD_LIST},
    )
    def get(self, request: Request, pk: int) -> Response:
        instance = _instance(request, pk)
        values, fields = _query_lists(request)
        return Response(
            _lookup_now(
                instance=instance,
                user=request.user,
                field=request.query_params.get("filterType", "email"),
                values=values,
                fields=fields or None,
                audit=AuditContext.from_request(request),
            )
        )


def _query_lists(request: Request) -> tuple[list[str], list[str]]:
    """filterValues (once each, in order) and fields, from their comma-separated lists."""
    values = [v.strip() for v in request.query_params.get("filterValues", "").split(",")]
    fields = [f.strip() for f in request.query_params.get("fields", "").split(",")]
    return [v for v in dict.fromkeys(values) if v], [f for f in fields if f]


def _lookup_now(**kwargs) -> dict:
    """services.leads_lookup_now's answer as the API gives it (errors raised as API errors)."""
    return _lead_list(_call(services.leads_lookup_now, **kwargs))


def _lead_list(search) -> dict:
    if search is None:
        return {"result": [], "count": 0, "tooManyMatches": []}
    # A value that alone matches more than 1,000 leads gets no lead from Marketo (1003): it
    # is listed in words, not left to look like a value that was not found.
    too_many = [
        {"value": value, "reason": marketo_leads.TOO_MANY_MATCHES_WORDS}
        for value in search.too_many
    ]
    return {"result": search.leads, "count": len(search.leads), "tooManyMatches": too_many}


LEADS_EVERYWHERE = inline_serializer(
    "LeadsEverywhere",
    {
        "instances": inline_serializer(
            "LeadsOfOneInstance",
            {
                "instance": inline_serializer(
                    "InstanceName",
                    {"id": serializers.IntegerField(), "name": serializers.CharField()},
                ),
                "result": serializers.ListField(child=serializers.DictField()),
                "count": serializers.IntegerField(),
                "tooManyMatches": serializers.ListField(child=serializers.DictField()),
                "error": inline_serializer(
                    "InstanceError",
                    {
                        "code": serializers.CharField(
                            help_text="As this API's errors: marketo_budget_spent (retry after "
                            "retry_after seconds), marketo_unavailable, invalid."
                        ),
                        "message": serializers.CharField(),
                        "retry_after": serializers.IntegerField(allow_null=True),
                    },
                    allow_null=True,
                ),
            },
            many=True,
        ),
    },
)


@extend_schema(tags=["leads"])
class LeadsEverywhereView(APIView):
    @extend_schema(
        summary="Look up leads now in every instance you may look leads up in",
        description="Each instance is asked at once (its own governor, interactive calls); an "
        "instance that cannot answer has an `error` and the others still answer.",
        operation_id="leads_lookup_everywhere",
        parameters=[
            OpenApiParameter(
                "filterType", str, description="A searchable field; email by default."
            ),
            OpenApiParameter(
                "filterValues", str, required=True, description="Comma-separated, up to 300."
            ),
            OpenApiParameter("fields", str, description="Comma-separated field names."),
        ],
        responses={200: LEADS_EVERYWHERE},
    )
    def get(self, request: Request) -> Response:
        require(request.user, Action.LOOKUP_LEADS)
        values, fields = _query_lists(request)
        if not values:
            raise exceptions.ValidationError({"filterValues": ["Give at least one value."]})
        if len(values) > marketo_leads.MAX_FILTER_VALUES:
            raise exceptions.ValidationError(
                {"filterValues": [f"At most {marketo_leads.MAX_FILTER_VALUES} values."]}
            )
        audit = AuditContext.from_request(request)

        def answer(instance) -> dict:
            try:
                found = _lookup_now(
                    instance=instance,
                    user=request.user,
                    field=request.query_params.get("filterType", "email"),
                    values=values,
                    fields=fields or None,
                    audit=audit,
                    deadline_seconds=search.DEADLINE_SECONDS,
                )
            except exceptions.APIException as exc:
                return {
                    **_lead_list(None),
                    "instance": {"id": instance.pk, "name": instance.name},
                    "error": {
                        "code": exc.default_code,
                        "message": _words(exc.detail),
                        "retry_after": getattr(exc, "wait", None),
                    },
                }
            return {**found, "instance": {"id": instance.pk, "name": instance.name}, "error": None}

        instances = search.lookup_instances(user=request.user)
        return Response({"instances": search.in_parallel(instances, answer)})


def _words(detail) -> str:
    """An APIException's detail as one sentence."""
    if isinstance(detail, dict):
        return " ".join(_words(value) for value in detail.values())
    if isinstance(detail, list):
        return " ".join(_words(value) for value in detail)
    return str(detail)


@extend_schema(tags=["leads"])
@accepts_bodies_up_to(MAX_BODY_BYTES, what=LOOKUP_BODIES)
class LeadLookupCreateView(APIView):
    @extend_schema(
        summary="Start a batch lead lookup",
        request=LeadLookupCreateSerializer,
        responses={202: LeadLookupSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        instance = _instance(request, pk)
        serializer = LeadLookupCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lookup = _call(
            services.lead_lookup_prepare,
            instance=instance,
            user=request.user,
            field=serializer.validated_data["field"],
            raw_values=serializer.validated_data["values"],
            source="api",
        )
        try:
            lookup = services.lead_lookup_start(
                lookup=lookup, user=request.user, audit=AuditContext.from_request(request)
            )
        except BadInput as exc:
            lookup.delete()  # refused: nothing is kept
            raise exceptions.ValidationError({"non_field_errors": [str(exc)]}) from exc
        data = LeadLookupSerializer(lookup, context={"request": request}).data
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["url"]})


def _lookup(request: Request, pk: int):
    lookup = selectors.lead_lookup_get(user=request.user, pk=pk)
    require(request.user, Action.LOOKUP_LEADS, lookup.instance)
    return lookup


@extend_schema(tags=["leads"])
class LeadLookupDetailView(APIView):
    @extend_schema(summary="A lead lookup's status and progress", responses=LeadLookupSerializer)
    def get(self, request: Request, pk: int) -> Response:
        lookup = _lookup(request, pk)
        return Response(LeadLookupSerializer(lookup, context={"request": request}).data)


@extend_schema(tags=["leads"])
class LeadLookupResumeView(APIView):
    @extend_schema(
        summary="Resume a paused lead lookup now",
        description="A paused lookup also resumes by itself at `resume_at`; this does it now.",
        request=None,
        responses={202: LeadLookupSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        lookup = _lookup(request, pk)
        if lookup.status != LeadLookup.Status.PAUSED:
            raise NotPaused(f"Only a paused lookup can be resumed; this one is {lookup.status}.")
        lookup = job_resume(lookup, actor=request.user, audit=AuditContext.from_request(request))
        data = LeadLookupSerializer(lookup, context={"request": request}).data
        return Response(data, status=status.HTTP_202_ACCEPTED)


CSV_RESPONSE = {(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV")}
HEADERS_PARAMETER = OpenApiParameter(
    "headers",
    str,
    enum=[downloads.API_HEADERS],
    description=(
        "The column headers: describe's display names (`Email Address`) by default, "
        "the fields' API names (`email`) with `api`."
    ),
)


@extend_schema(tags=["leads"])
class LeadLookupResultsCsvView(APIView):
    @extend_schema(
        summary="Found leads as CSV",
        parameters=[
            OpenApiParameter("cols", str, many=True, description="Columns (API names)."),
            HEADERS_PARAMETER,
        ],
        responses=CSV_RESPONSE,
    )
    def get(self, request: Request, pk: int) -> HttpResponseBase:
        lookup = _lookup(request, pk)
        return downloads.found_csv(
            lookup,
            downloads.lookup_columns(lookup, request.query_params.getlist("cols")),
            api_names=downloads.wants_api_names(request.query_params),
        )


@extend_schema(tags=["leads"])
class LeadLookupNotFoundCsvView(APIView):
    @extend_schema(
        summary="Values that matched no lead, as CSV",
        parameters=[HEADERS_PARAMETER],
        responses=CSV_RESPONSE,
    )
    def get(self, request: Request, pk: int) -> HttpResponseBase:
        return downloads.not_found_csv(
            _lookup(request, pk), api_names=downloads.wants_api_names(request.query_params)
        )


@extend_schema(tags=["leads"])
class LeadLookupTooManyCsvView(APIView):
    @extend_schema(
        summary="Values that each match more than 1,000 leads (Marketo returns none), as CSV",
        parameters=[HEADERS_PARAMETER],
        responses=CSV_RESPONSE,
    )
    def get(self, request: Request, pk: int) -> HttpResponseBase:
        return downloads.too_many_csv(
            _lookup(request, pk), api_names=downloads.wants_api_names(request.query_params)
        )


LEAD_DETAIL = inline_serializer(
    "LeadDetail",
    {
        "lead": serializers.DictField(),
        "activities": serializers.ListField(child=serializers.DictField()),
        "activities_complete": serializers.BooleanField(),
        "lists": serializers.ListField(
            child=serializers.DictField(),
            help_text="Marketo's static-list memberships, each with the list's `name` and "
            "`url` (its page here) from the asset mirror, or null and an empty string.",
        ),
        "programs": serializers.ListField(
            child=serializers.DictField(),
            help_text="Marketo's program memberships, each with the program's `name` and "
            "`url` (its page here) from the asset mirror, or null and an empty string.",
        ),
    },
)


@extend_schema(tags=["leads"])
class LeadDetailView(APIView):
    @extend_schema(
        summary="One lead: fields, recent activities, memberships",
        operation_id="lead_detail",
        parameters=[
            OpenApiParameter("days", int, description="Activities of the last N days (30)."),
            OpenApiParameter("activityTypeId", int, description="Only this activity type."),
        ],
        responses={200: LEAD_DETAIL},
    )
    def get(self, request: Request, pk: int, lead_id: int) -> Response:
        instance = _instance(request, pk)
        try:
            days = int(request.query_params.get("days") or detail.DEFAULT_ACTIVITY_DAYS)
            type_id = int(request.query_params.get("activityTypeId") or 0) or None
        except ValueError as exc:
            raise exceptions.ValidationError({"days": ["Give whole numbers."]}) from exc
        kwargs = {"instance": instance, "user": request.user, "lead_id": lead_id}
        try:
            fields = _call(detail.lead_fields, **kwargs)
        except detail.LeadNotFound as exc:
            raise exceptions.NotFound(str(exc)) from exc
        detail.lead_view_audit(**kwargs, audit=AuditContext.from_request(request), via="api")
        activities, complete = _call(detail.lead_activities, **kwargs, days=days, type_id=type_id)
        memberships = _call(detail.lead_memberships, **kwargs)
        return Response(
            {
                "lead": fields["lead"],
                "activities": activities,
                "activities_complete": complete,
                **memberships,
            }
        )

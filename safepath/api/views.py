"""API views. They call the same selectors and services as the pages, so tenancy, roles,
validation and the audit log are the same whichever way a responder works."""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from safepath.accounts.models import User
from safepath.api import serializers as api
from safepath.api.models import Scope
from safepath.cases import services
from safepath.cases.models import Case, WorkflowEvent
from safepath.cases.selectors import (
    Access,
    BadCursor,
    cases_visible_to,
    get_case_for_member,
    get_report_for_member,
    inbox_page,
    report_access,
    reports_for_inbox,
)
from safepath.core.audit import audit_record
from safepath.reports.access import report_record_read
from safepath.reports.models import Report, ReportStatus


class Pagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 200


class ReportPagination(Pagination):
    """Keyset pages by default: ``next`` carries an opaque ``cursor`` to the reports after the
    last one shown, so every page costs the same however many reports there are, and a walk
    through the pages shows each report once while new ones arrive (they come on top, for the
    next walk). ``count`` counts every visible report, so it is given only with ``offset``
    paging, which is kept for existing clients (its deep pages get slower as reports grow)."""

    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        self.keyset = self.offset_query_param not in request.query_params
        if not self.keyset:
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        self.limit = self.get_limit(request) or self.default_limit
        try:
            page = inbox_page(
                user=request.user,
                reports=queryset,
                cursor=request.query_params.get(self.cursor_query_param) or None,
                size=self.limit,
            )
        except BadCursor as error:
            raise ValidationError({self.cursor_query_param: [str(error)]}) from None
        self.next_cursor = page.next_cursor
        return page.reports

    def get_paginated_response(self, data: Any) -> Response:
        if not self.keyset:
            return super().get_paginated_response(data)
        url = self.request.build_absolute_uri()
        next_link = (
            replace_query_param(url, self.cursor_query_param, self.next_cursor)
            if self.next_cursor
            else None
        )
        # The first page, when this is a later one (keyset pages go forward only).
        first = self.cursor_query_param in self.request.query_params
        previous = remove_query_param(url, self.cursor_query_param) if first else None
        return Response({"next": next_link, "previous": previous, "results": data})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        paginated["required"] = ["results"]
        paginated["properties"]["count"]["description"] = "Only with offset paging."
        paginated["properties"]["next"]["example"] = (
            "https://safepath.example/api/v1/reports/?cursor=..."
        )
        return paginated

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The next page, as given in a response's next link.",
                "schema": {"type": "string"},
            },
        ]


def _user(request: Request) -> User:
    return cast(User, request.user)


class ReportList(generics.ListAPIView[Report]):
    """Reports received by, or shared with, your organizations: urgent first."""

    serializer_class = api.ReportSerializer
    pagination_class = ReportPagination
    required_scopes = {"GET": Scope.REPORTS_READ}

    @extend_schema(parameters=[api.InboxQuerySerializer])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        query = api.InboxQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        return reports_for_inbox(
            user=self.request.user,
            status=data.get("status"),
            priority=data.get("priority"),
            since=data.get("since"),
            until=data.get("until"),
        )


def _visible_report(request: Request, reference: str) -> tuple[Report, Access, Any]:
    report = get_report_for_member(user=request.user, reference=reference)
    access, organization = report_access(user=request.user, report=report)
    return report, access, organization


class ReportDetail(APIView):
    required_scopes = {"GET": Scope.REPORTS_READ}

    @extend_schema(responses=api.ReportDetailSerializer)
    def get(self, request: Request, reference: str) -> Response:
        report, access, organization = _visible_report(request, reference)
        report_record_read(
            report=report, actor=_user(request), organization=organization, detail="api"
        )
        report_with_count = reports_for_inbox(user=request.user).get(pk=report.pk)
        report_with_count.access = access  # type: ignore[attr-defined]  # serializer field
        report_with_count.answers_given = [  # type: ignore[attr-defined]  # serializer field
            {"step": entry.step, "text": entry.body, "at": entry.created_at}
            for entry in report.entries.all()
        ]
        return Response(api.ReportDetailSerializer(report_with_count).data)


class ReportTimeline(APIView):
    required_scopes = {"GET": Scope.REPORTS_READ}

    @extend_schema(responses=api.TimelineItemSerializer(many=True))
    def get(self, request: Request, reference: str) -> Response:
        report, _access, organization = _visible_report(request, reference)
        report_record_read(
            report=report, actor=_user(request), organization=organization, detail="api timeline"
        )
        items: list[dict[str, Any]] = [
            {"at": e.created_at, "kind": "answer", "actor": "", "text": e.body}
            for e in report.entries.all()
        ] + [
            {
                "at": e.at,
                "kind": e.kind,
                "actor": e.actor.email if e.actor else "",
                "text": e.detail,
            }
            for e in WorkflowEvent.objects.filter(report=report).select_related("actor")
        ]
        items.sort(key=lambda item: item["at"])
        return Response(api.TimelineItemSerializer(items, many=True).data)


def _change_status(request: Request, reference: str, target: str, outcome: str = "") -> Response:
    report, access, organization = _visible_report(request, reference)
    if access not in (Access.OWNER, Access.WRITE):
        raise PermissionDenied("This report was shared with your organization to read only.")
    try:
        changed = services.report_set_status(
            report=report,
            status=target,
            outcome=outcome,
            actor=_user(request),
            organization=organization,
        )
    except DjangoValidationError as error:
        raise ValidationError({"status": error.messages}) from None
    fresh = reports_for_inbox(user=request.user).get(pk=changed.pk)
    return Response(api.ReportSerializer(fresh).data, status=status.HTTP_200_OK)


class ReportStatusChange(APIView):
    required_scopes = {"POST": Scope.REPORTS_WRITE}

    @extend_schema(request=api.StatusChangeSerializer, responses=api.ReportSerializer)
    def post(self, request: Request, reference: str) -> Response:
        body = api.StatusChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return _change_status(
            request,
            reference,
            body.validated_data["status"],
            body.validated_data.get("outcome", ""),
        )


class ReportAcknowledge(APIView):
    required_scopes = {"POST": Scope.REPORTS_WRITE}

    @extend_schema(request=None, responses=api.ReportSerializer)
    def post(self, request: Request, reference: str) -> Response:
        return _change_status(request, reference, ReportStatus.ACKNOWLEDGED)


class CaseList(generics.ListAPIView[Case]):
    serializer_class = api.CaseSerializer
    pagination_class = Pagination
    required_scopes = {"GET": Scope.CASES_READ}

    def get_queryset(self) -> Any:
        return (
            cases_visible_to(self.request.user)
            .select_related("organization")
            .order_by("-created_at", "-pk")
        )


class CaseDetail(APIView):
    required_scopes = {"GET": Scope.CASES_READ}

    @extend_schema(responses=api.CaseSerializer)
    def get(self, request: Request, reference: str) -> Response:
        case = get_case_for_member(user=request.user, reference=reference)
        audit_record(
            actor=_user(request),
            organization=case.organization,
            action="case.view",
            object_type="case",
            object_ref=case.reference,
            detail="api",
        )
        return Response(api.CaseSerializer(case).data)

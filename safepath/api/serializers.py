"""API representations. Reports name their place and state; answers only on the detail."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from safepath.cases.models import Case, Outcome
from safepath.reports.models import Report, ReportPriority, ReportStatus


class PlacementRefSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    public_name = serializers.CharField()


class ReportSerializer(serializers.ModelSerializer[Report]):
    id = serializers.CharField(source="reference", read_only=True)
    placement = PlacementRefSerializer(read_only=True)
    answers = serializers.IntegerField(source="answer_count", read_only=True)
    assignee = serializers.SerializerMethodField()
    outcome = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "placement",
            "status",
            "priority",
            "is_drill",
            "recipient_preference",
            "created_at",
            "last_activity_at",
            "answers",
            "assignee",
            "outcome",
        ]

    def get_assignee(self, report: Report) -> str | None:
        handling = getattr(report, "handling", None)
        return handling.assignee.email if handling and handling.assignee else None

    def get_outcome(self, report: Report) -> str | None:
        handling = getattr(report, "handling", None)
        return handling.outcome or None if handling else None


class AnswerSerializer(serializers.Serializer[Any]):
    step = serializers.CharField()
    text = serializers.CharField()
    at = serializers.DateTimeField()


class ReportDetailSerializer(ReportSerializer):
    access = serializers.CharField(read_only=True)
    answers_given = AnswerSerializer(many=True, read_only=True)

    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "access", "answers_given"]


class TimelineItemSerializer(serializers.Serializer[Any]):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    actor = serializers.CharField(allow_blank=True)
    text = serializers.CharField(allow_blank=True)


class StatusChangeSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=ReportStatus.choices)
    outcome = serializers.ChoiceField(choices=Outcome.choices, required=False, allow_blank=True)


class InboxQuerySerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=ReportStatus.choices, required=False)
    priority = serializers.ChoiceField(choices=ReportPriority.choices, required=False)
    since = serializers.DateField(required=False)
    until = serializers.DateField(required=False)


class CaseSerializer(serializers.ModelSerializer[Case]):
    id = serializers.CharField(source="reference", read_only=True)
    organization = serializers.CharField(source="organization.slug", read_only=True)
    reports = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = ["id", "title", "status", "organization", "created_at", "reports"]

    def get_reports(self, case: Case) -> list[str]:
        return [link.report.reference for link in case.links.select_related("report")]

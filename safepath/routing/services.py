"""Routing's services, by concern, under one stable import path.

- ``plan``: who should receive a report, tier by tier (reads only);
- ``telling``: making a recipient, recording why, queueing notifications (outbox rows);
- ``dispatch``: routing, re-routing, acknowledgement's effect on routing, escalation;
- ``deliveries``: sending email, SMS and webhooks with retries;
- ``policies``: configuring policies, placements' routing, areas, webhooks, channels.

The report's status (and its acknowledgement) belongs to ``safepath.reports.workflow``;
``report_acknowledge`` is re-exported here for callers that import it from routing.
"""

from __future__ import annotations

from safepath.reports.workflow import report_acknowledge
from safepath.routing.deliveries import (
    BACKOFF_BASE_SECONDS,
    BACKOFF_CAP_SECONDS,
    backoff_delay,
    deliveries_claim,
    deliveries_process_due,
    delivery_attempt,
    notification_text,
    webhook_payload,
)
from safepath.routing.dispatch import (
    ACKNOWLEDGING_ROLES,
    escalations_process_due,
    on_report_acknowledged,
    on_report_facts_changed,
    on_report_started,
    report_escalate,
    report_reroute,
    report_route,
)
from safepath.routing.plan import (
    HOSPITAL_FIRST_UNIT,
    HOSPITAL_SECOND_UNIT,
    POLICE_KINDS,
    SCHOOL_SAFETY_UNIT,
    SECTOR_BY_KIND,
    Plan,
    PlanTier,
    Target,
    fallback_target,
    routing_plan,
)
from safepath.routing.policies import (
    areas_import,
    areas_verify,
    placement_set_location,
    placement_set_policy,
    policy_create,
    policy_create_default,
    policy_update,
    responder_channels_set,
    webhook_create,
)
from safepath.routing.telling import tell_target

__all__ = [
    "ACKNOWLEDGING_ROLES",
    "BACKOFF_BASE_SECONDS",
    "BACKOFF_CAP_SECONDS",
    "HOSPITAL_FIRST_UNIT",
    "HOSPITAL_SECOND_UNIT",
    "POLICE_KINDS",
    "SCHOOL_SAFETY_UNIT",
    "SECTOR_BY_KIND",
    "Plan",
    "PlanTier",
    "Target",
    "areas_import",
    "areas_verify",
    "backoff_delay",
    "deliveries_claim",
    "deliveries_process_due",
    "delivery_attempt",
    "escalations_process_due",
    "fallback_target",
    "notification_text",
    "on_report_acknowledged",
    "on_report_facts_changed",
    "on_report_started",
    "placement_set_location",
    "placement_set_policy",
    "policy_create",
    "policy_create_default",
    "policy_update",
    "report_acknowledge",
    "report_escalate",
    "report_reroute",
    "report_route",
    "responder_channels_set",
    "routing_plan",
    "tell_target",
    "webhook_create",
    "webhook_payload",
]

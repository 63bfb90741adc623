"""App configuration for routing: registers the worker's processors, routing's answers to the
Report's signals (all sent inside the report's own transaction) and the demo seeder."""

from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "safepath.routing"
    label = "routing"

    def ready(self) -> None:
        from safepath.core.jobs import register_processor
        from safepath.reports.signals import (
            report_acknowledged,
            report_facts_changed,
            report_started,
        )
        from safepath.routing.services import (
            deliveries_process_due,
            escalations_process_due,
            on_report_acknowledged,
            on_report_facts_changed,
            on_report_started,
        )

        register_processor("deliveries", deliveries_process_due)
        register_processor("escalations", escalations_process_due)
        report_started.connect(on_report_started, dispatch_uid="routing-route")
        report_facts_changed.connect(on_report_facts_changed, dispatch_uid="routing-reroute")
        report_acknowledged.connect(on_report_acknowledged, dispatch_uid="routing-acknowledged")

        from safepath.reports.signals import placement_recipients_wanted, report_reporter_wrote
        from safepath.routing.recipients import (
            on_placement_recipients_wanted,
            on_report_reporter_wrote,
        )

        placement_recipients_wanted.connect(
            on_placement_recipients_wanted, dispatch_uid="routing-place-recipients"
        )
        report_reporter_wrote.connect(on_report_reporter_wrote, dispatch_uid="routing-wrote")

        # The landing page's "who receives" answer is cached (routing.recipients): any change
        # to what it reads works it out again.
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from safepath.accounts.models import Organization, Unit
        from safepath.placements.models import Placement
        from safepath.routing.models import (
            OrganizationArea,
            PlacementRouting,
            RoutingPolicy,
            RoutingTier,
            TierRecipient,
        )
        from safepath.routing.recipients import on_routing_input_changed

        for model in (
            Organization,
            Unit,
            Placement,
            PlacementRouting,
            RoutingPolicy,
            RoutingTier,
            TierRecipient,
            OrganizationArea,
        ):
            for signal in (post_save, post_delete):
                signal.connect(
                    on_routing_input_changed,
                    sender=model,
                    dispatch_uid=f"routing-place-recipients-{signal is post_save}-{model.__name__}",
                )
        m2m_changed.connect(
            on_routing_input_changed,
            sender=RoutingPolicy.service_organizations.through,
            dispatch_uid="routing-place-recipients-services",
        )

        from safepath.core.demo import register_demo_seeder
        from safepath.routing.demo import seed_routing_demo

        register_demo_seeder("routing", seed_routing_demo, order=40)

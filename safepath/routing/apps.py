"""App configuration for routing: registers the worker's processors and the re-routing hook."""

from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "safepath.routing"
    label = "routing"

    def ready(self) -> None:
        from safepath.core.jobs import register_processor
        from safepath.reports.signals import report_facts_changed
        from safepath.routing.services import (
            deliveries_process_due,
            escalations_process_due,
            on_report_facts_changed,
        )

        register_processor("deliveries", deliveries_process_due)
        register_processor("escalations", escalations_process_due)
        report_facts_changed.connect(on_report_facts_changed, dispatch_uid="routing-reroute")

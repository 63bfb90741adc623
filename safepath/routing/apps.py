"""App configuration for routing."""

from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "safepath.routing"
    label = "routing"

    def ready(self) -> None:
        from safepath.core.jobs import register_processor
        from safepath.routing.services import deliveries_process_due

        register_processor("deliveries", deliveries_process_due)

"""App configuration for analytics: registers the weekly digest with the worker."""

from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "safepath.analytics"
    label = "analytics"
    verbose_name = "Analytics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from safepath.analytics.services import analytics_process_due
        from safepath.core.jobs import register_processor

        register_processor("analytics_digest", analytics_process_due)

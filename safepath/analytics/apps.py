"""App configuration for analytics: registers the weekly digest and the demo seeding."""

from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "safepath.analytics"
    label = "analytics"
    verbose_name = "Analytics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from safepath.analytics.demo import seed_analytics
        from safepath.analytics.services import analytics_process_due
        from safepath.core.demo import register_demo_seeder
        from safepath.core.jobs import register_processor

        register_processor("analytics_digest", analytics_process_due)
        # After reports (50): back-dated demo reports need the demo people and codes.
        register_demo_seeder("analytics", seed_analytics, order=60)

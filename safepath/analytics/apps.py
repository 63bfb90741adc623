"""App configuration for analytics: registers the weekly digest, the summaries' fold, the
cache warming and the demo seeding."""

from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "safepath.analytics"
    label = "analytics"
    verbose_name = "Analytics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from safepath.analytics.demo import seed_analytics
        from safepath.analytics.responses import refresh_pending
        from safepath.analytics.selectors import warm_pending
        from safepath.analytics.services import analytics_process_due
        from safepath.analytics.summaries import fold_pending
        from safepath.core.demo import register_demo_seeder
        from safepath.core.jobs import register_processor

        register_processor("analytics_digest", analytics_process_due)
        # Pending counter changes into the summaries, so a page seldom has many to fold.
        register_processor("analytics_summaries", fold_pending)
        register_processor("analytics_responses", refresh_pending)
        # The days before yesterday into the shared cache, ahead of the first page of a day.
        register_processor("analytics_warm", warm_pending)
        # After reports (50): back-dated demo reports need the demo people and codes.
        register_demo_seeder("analytics", seed_analytics, order=60)

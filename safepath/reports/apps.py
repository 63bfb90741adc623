"""App configuration for reports."""

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "safepath.reports"
    label = "reports"

    def ready(self) -> None:
        from safepath.core.demo import register_demo_seeder
        from safepath.reports.demo import seed_reports

        register_demo_seeder("reports", seed_reports, order=50)

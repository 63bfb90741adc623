"""App configuration for placements: registers the poster batch processor with the worker."""

from django.apps import AppConfig


class PlacementsConfig(AppConfig):
    name = "safepath.placements"
    label = "placements"

    def ready(self) -> None:
        from safepath.core.jobs import register_processor
        from safepath.placements.services import poster_batches_process_due

        register_processor("poster_batches", poster_batches_process_due)

        from safepath.core.demo import register_demo_seeder
        from safepath.placements.demo import seed_placements

        register_demo_seeder("placements", seed_placements, order=20)

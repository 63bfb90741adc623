"""App configuration for training: registers the reminder and recertification processor."""

from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "safepath.training"
    label = "training"

    def ready(self) -> None:
        from safepath.core.jobs import register_processor
        from safepath.training.services import training_process_due

        register_processor("training", training_process_due)

        from safepath.core.demo import register_demo_seeder
        from safepath.training.demo import seed_training_demo

        register_demo_seeder("training", seed_training_demo, order=30)

"""App configuration for training: registers the reminder and recertification processor."""

from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "safepath.training"
    label = "training"

    def ready(self) -> None:
        from safepath.core.jobs import register_processor
        from safepath.training.services import training_process_due

        register_processor("training", training_process_due)

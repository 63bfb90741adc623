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

        from django.db.models.signals import post_save

        from safepath.accounts.models import Membership

        post_save.connect(
            _membership_saved, sender=Membership, dispatch_uid="training-standings-membership"
        )


def _membership_saved(sender: object, instance: object, created: bool, **kwargs: object) -> None:
    """Someone who joins an organization may already hold credits earned in another (a
    credit counts wherever it was earned): give them their stored standings there."""
    if created and not kwargs.get("raw"):
        from safepath.training.services import standings_refresh_person

        standings_refresh_person(user_id=instance.user_id)  # type: ignore[attr-defined]

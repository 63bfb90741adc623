"""App configuration for core."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "safepath.core"
    label = "core"

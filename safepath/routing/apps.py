"""App configuration for routing."""

from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "safepath.routing"
    label = "routing"

"""App configuration for placements."""

from django.apps import AppConfig


class PlacementsConfig(AppConfig):
    name = "safepath.placements"
    label = "placements"

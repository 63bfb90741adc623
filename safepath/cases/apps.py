"""App configuration for cases."""

from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "safepath.cases"
    label = "cases"

"""App configuration for onboarding: a new organization from nothing to its first drill."""

from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "safepath.onboarding"
    label = "onboarding"

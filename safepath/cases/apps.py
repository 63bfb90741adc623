"""App configuration for cases."""

from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "safepath.cases"
    label = "cases"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from safepath.cases.live_sessions import end_live_sessions

        user_logged_out.connect(end_live_sessions, dispatch_uid="safepath.end_live_sessions")

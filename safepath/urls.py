"""SafePath's URLs. The public ones (/Q/, /help/, /) are the reporter's side."""

from django.urls import include, path

from safepath.core.views import healthz
from safepath.reports.views import help_view

urlpatterns = [
    path("", help_view, name="home"),
    path("", include("safepath.reports.urls")),
    path("accounts/", include("safepath.accounts.urls")),
    path("dashboard/", include("safepath.cases.urls")),
    path("dashboard/", include("safepath.routing.urls")),
    path("placements/", include("safepath.placements.urls")),
    path("healthz", healthz, name="healthz"),
]

"""SafePath's URLs. The public ones (/Q/, /help/, /) are the reporter's side."""

from django.urls import include, path

from safepath.core.views import healthz
from safepath.reports.views import help_view
from safepath.training.views import verify

urlpatterns = [
    path("", help_view, name="home"),
    path("", include("safepath.reports.urls")),
    path("accounts/", include("safepath.accounts.urls")),
    path("dashboard/", include("safepath.cases.urls")),
    path("placements/", include("safepath.placements.urls")),
    path("training/", include("safepath.training.urls")),
    path("verify/<str:pk>", verify, name="verify"),
    path("healthz", healthz, name="healthz"),
]

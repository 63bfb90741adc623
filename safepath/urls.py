"""SafePath's URLs. The public ones (/Q/, /help/, /) are the reporter's side."""

from django.urls import include, path

from safepath.api import pages as api_pages
from safepath.core.views import healthz
from safepath.reports.views import help_view
from safepath.training.views import verify

urlpatterns = [
    path("", help_view, name="home"),
    path("", include("safepath.reports.urls")),
    path(
        "accounts/two-factor/passkey/",
        include("safepath.accounts.passkeys", namespace="otp_webauthn"),
    ),
    path("accounts/", include("safepath.accounts.urls")),
    path("dashboard/members/", include("safepath.accounts.members_urls")),
    path("dashboard/onboarding/", include("safepath.onboarding.urls")),
    path("operator/", include("safepath.onboarding.operator_urls")),
    path("dashboard/", include("safepath.cases.urls")),
    path("dashboard/", include("safepath.routing.urls")),
    path("placements/", include("safepath.placements.urls")),
    path("training/", include("safepath.training.urls")),
    path("analytics/", include("safepath.analytics.urls")),
    path("verify/<str:pk>", verify, name="verify"),
    path("api/v1/", include("safepath.api.urls")),
    path("accounts/tokens/", api_pages.tokens, name="api_tokens"),
    path("accounts/tokens/<str:prefix>/revoke/", api_pages.token_revoke, name="api_token_revoke"),
    path("healthz", healthz, name="healthz"),
]

# Reporter paths get error pages in the reporter's design and language (safepath.reports.errors).
handler400 = "safepath.reports.errors.bad_request"
handler404 = "safepath.reports.errors.not_found"
handler500 = "safepath.reports.errors.server_error"

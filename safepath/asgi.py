"""ASGI entry point: HTTP through Django (in a fixed pool of threads), WebSockets through
Channels."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safepath.settings")
django.setup(set_prefix=False)

from channels.auth import AuthMiddlewareStack  # noqa: E402  # needs Django set up first
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import path  # noqa: E402

from safepath.analytics.consumers import AnalyticsConsumer  # noqa: E402
from safepath.cases.routing import websocket_urlpatterns  # noqa: E402
from safepath.core.asgi_limits import BodySizeLimit  # noqa: E402
from safepath.core.http_threads import ThreadPoolHTTPHandler  # noqa: E402
from safepath.core.live import PublishFromServerLoop  # noqa: E402
from safepath.core.middleware import is_reporter_path  # noqa: E402
from safepath.reports.errors import too_large_page  # noqa: E402

application = PublishFromServerLoop(
    ProtocolTypeRouter(
        {
            "http": BodySizeLimit(
                ThreadPoolHTTPHandler(threads=settings.SERVER_THREADS),
                limit=settings.REQUEST_MAX_BYTES,
                # A reporter's refused photo gets a reporter's page, in her language.
                page_for=lambda path: too_large_page if is_reporter_path(path) else None,
            ),
            "websocket": AllowedHostsOriginValidator(
                AuthMiddlewareStack(
                    URLRouter(
                        [*websocket_urlpatterns, path("ws/analytics/", AnalyticsConsumer.as_asgi())]
                    )
                )
            ),
        }
    )
)

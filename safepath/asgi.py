"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safepath.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  # needs Django set up first
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import path  # noqa: E402

from safepath.analytics.consumers import AnalyticsConsumer  # noqa: E402
from safepath.cases.routing import websocket_urlpatterns  # noqa: E402
from safepath.core.asgi_limits import BodySizeLimit  # noqa: E402
from safepath.core.live import PublishFromServerLoop  # noqa: E402
from safepath.core.middleware import is_reporter_path  # noqa: E402
from safepath.reports.errors import too_large_page  # noqa: E402

application = PublishFromServerLoop(
    ProtocolTypeRouter(
        {
            "http": BodySizeLimit(
                django_asgi_app,
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

"""WebSocket routes of the responders' side."""

from django.urls import path

from safepath.cases.consumers import DashboardConsumer

websocket_urlpatterns = [path("ws/dashboard/", DashboardConsumer.as_asgi())]

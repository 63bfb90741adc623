"""Staff URLs of routing, included under /dashboard/."""

from django.urls import path

from safepath.routing import views

app_name = "routing"

urlpatterns = [
    path("routing/", views.overview, name="overview"),
    path("routing/policies/new/", views.policy_new, name="policy_new"),
    path("routing/policies/<int:pk>/", views.policy_edit, name="policy_edit"),
    path("routing/placements/<str:code>/", views.placement_routing, name="placement_routing"),
    path("routing/webhooks/", views.webhook_add, name="webhook_add"),
    path("routing/areas/", views.area_import, name="area_import"),
    path("routing/time-zone/", views.time_zone_update, name="time_zone_update"),
    path("routing/channels/", views.channels_update, name="channels_update"),
    path("reports/<str:reference>/acknowledge/", views.acknowledge, name="acknowledge"),
]

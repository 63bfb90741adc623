"""Public URLs of the reporter's side."""

from django.urls import path

from safepath.reports import views

app_name = "reports"

urlpatterns = [
    path("Q/<str:code>", views.scan, name="scan"),
    path("Q/<str:code>/exit", views.scan_exit, name="scan_exit"),
    path("q/<str:code>", views.scan),
    path("followup/", views.followup, name="followup"),
    path("followup/exit", views.followup_exit, name="followup_exit"),
    path("help/", views.help_view, name="help"),
]

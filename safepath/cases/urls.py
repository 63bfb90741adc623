"""Staff URLs of the responders' side."""

from django.urls import path

from safepath.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("reports/<str:reference>/", views.report_detail, name="report_detail"),
    path("reports/<str:reference>/row/", views.report_row, name="report_row"),
    path("reports/<str:reference>/reply/", views.report_reply, name="report_reply"),
]

"""Staff URLs of the responders' side."""

from django.urls import path

from safepath.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("audit/", views.audit_log, name="audit_log"),
    path("reports/<str:reference>/", views.report_detail, name="report_detail"),
    path("reports/<str:reference>/row/", views.report_row, name="report_row"),
]

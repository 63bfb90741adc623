"""URLs of the versioned API: /api/v1/."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from safepath.api import views

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("reports/", views.ReportList.as_view(), name="reports"),
    path("reports/<str:reference>/", views.ReportDetail.as_view(), name="report"),
    path("reports/<str:reference>/timeline/", views.ReportTimeline.as_view(), name="timeline"),
    path("reports/<str:reference>/status/", views.ReportStatusChange.as_view(), name="status"),
    path(
        "reports/<str:reference>/acknowledge/",
        views.ReportAcknowledge.as_view(),
        name="acknowledge",
    ),
    path("cases/", views.CaseList.as_view(), name="cases"),
    path("cases/<str:reference>/", views.CaseDetail.as_view(), name="case"),
]

"""Analytics URLs: the page, its CSV tables, the monthly PDF, the regional view, the digest."""

from django.urls import path

from safepath.analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.page, name="page"),
    path("export/<slug:table>.csv", views.export_csv, name="export_csv"),
    path("summary.pdf", views.summary_pdf, name="summary_pdf"),
    path("digest/", views.digest, name="digest"),
    path("regional-sharing/", views.regional_sharing, name="regional_sharing"),
    path("region/", views.region, name="region"),
]

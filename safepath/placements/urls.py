"""Staff URLs for placements. The QR and poster addresses are stable (DESIGN.md)."""

from django.urls import path

from safepath.placements import views

app_name = "placements"

urlpatterns = [
    path("", views.placement_list, name="list"),
    path("map/", views.placement_map, name="map"),
    path("new/", views.placement_create_view, name="create"),
    path("import/", views.placement_import, name="import"),
    path("import/template.csv", views.import_template, name="import_template"),
    path("export.csv", views.placement_export, name="export"),
    path("batches/", views.batch_list, name="batches"),
    path("batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/status.json", views.batch_status, name="batch_status"),
    path("batches/<int:pk>/posters.pdf", views.batch_download, name="batch_download"),
    path("<str:code>/", views.placement_detail, name="detail"),
    path("<str:code>/edit/", views.placement_edit, name="edit"),
    path("<str:code>/status/", views.placement_set_status_view, name="set_status"),
    path("<str:code>/replace-code/", views.placement_replace_code_view, name="replace_code"),
    path("<str:code>/checked/", views.placement_mark_checked_view, name="mark_checked"),
    path("<str:code>/qr.svg", views.qr_svg, name="qr_svg"),
    path("<str:code>/qr.png", views.qr_png, name="qr_png"),
    path("<str:code>/poster.pdf", views.poster, name="poster"),
]

"""Staff URLs for placements."""

from django.urls import path

from safepath.placements import views

app_name = "placements"

urlpatterns = [
    path("<str:code>/qr.svg", views.qr_svg, name="qr_svg"),
    path("<str:code>/qr.png", views.qr_png, name="qr_png"),
]

"""Onboarding pages, under /dashboard/onboarding/."""

from django.urls import path

from safepath.onboarding import views

app_name = "onboarding"

urlpatterns = [
    path("", views.progress, name="progress"),
    path("profile/", views.profile, name="profile"),
    path("drill/<str:code>/", views.drill, name="drill"),
]

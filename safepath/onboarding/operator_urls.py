"""The operator's console, under /operator/."""

from django.urls import path

from safepath.onboarding import operator

app_name = "operator"

urlpatterns = [
    path("", operator.console, name="console"),
    path("organizations/", operator.organization_create, name="organization_create"),
    path(
        "organizations/<slug:slug>/suspend/",
        operator.organization_suspend,
        name="organization_suspend",
    ),
    path(
        "organizations/<slug:slug>/resume/",
        operator.organization_resume,
        name="organization_resume",
    ),
    path(
        "areas/<int:pk>/verify/",
        operator.area_decide,
        {"decision": "verify"},
        name="area_verify",
    ),
    path(
        "areas/<int:pk>/refuse/",
        operator.area_decide,
        {"decision": "refuse"},
        name="area_refuse",
    ),
]

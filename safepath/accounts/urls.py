"""Staff sign-in, second factor and sign-out."""

from django.contrib.auth import views as auth_views
from django.urls import path

from safepath.accounts import views

app_name = "accounts"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]

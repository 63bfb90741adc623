"""Staff sign in with their email address; the inbox needs a session."""

from __future__ import annotations

import pytest
from django.test import Client

from safepath.accounts.access import organizations_for
from safepath.accounts.models import User
from safepath.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_staff_sign_in_with_email_and_land_in_the_inbox(bob: User) -> None:
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": "BOB@riverside.test".lower(), "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200


def test_wrong_password_says_so_plainly(bob: User) -> None:
    response = Client().post("/accounts/login/", {"username": bob.email, "password": "wrong"})

    assert response.status_code == 200
    assert "do not match" in response.content.decode()


def test_inbox_requires_sign_in(db: None) -> None:
    response = Client().get("/dashboard/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/dashboard/"


def test_user_sees_only_their_own_organizations(bob: User, charlie: User) -> None:
    assert [org.slug for org in organizations_for(bob)] == ["riverside-pd"]
    assert [org.slug for org in organizations_for(charlie)] == ["st-brigid"]


def test_inactive_user_sees_no_organization(bob: User) -> None:
    bob.is_active = False
    bob.save()

    assert not organizations_for(bob).exists()

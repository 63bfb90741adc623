"""Webhook addresses, which may carry a receiver's credentials, are for admins, masked."""

from __future__ import annotations

import pytest

from safepath.accounts.models import Membership, Organization, Role, User
from safepath.conftest import PASSWORD, logged_in
from safepath.routing.models import Webhook
from safepath.routing.webhooks import webhook_url_masked

pytestmark = pytest.mark.django_db

SECRET_URL = (
    "https://agency:hunter2-password@hooks.example.org/in/3kf9a8d7f6e5d4c3b2a1?token=abcdef123"
)


@pytest.fixture
def webhook(riverside: Organization) -> Webhook:
    return Webhook.objects.create(organization=riverside, url=SECRET_URL)


@pytest.mark.parametrize("role", [Role.ANALYST, Role.AUDITOR, Role.RESPONDER, Role.SUPERVISOR])
def test_only_admins_see_webhook_addresses(
    riverside: Organization, webhook: Webhook, role: str
) -> None:
    user = User.objects.create_user(f"{role}@riverside.test", PASSWORD)
    Membership.objects.create(user=user, organization=riverside, role=role)

    page = logged_in(user).get("/dashboard/routing/").content.decode()

    assert "hooks.example.org" not in page
    assert "hunter2" not in page


def test_admins_see_webhook_addresses_with_credentials_masked(
    alice: User, webhook: Webhook
) -> None:
    page = logged_in(alice).get("/dashboard/routing/").content.decode()

    assert "hooks.example.org" in page
    for secret in ["hunter2", "agency:", "abcdef123", "3kf9a8d7f6e5d4c3b2a1"]:
        assert secret not in page


def test_masking_keeps_what_identifies_the_receiver() -> None:
    assert webhook_url_masked("https://ops.example.org:8443/safepath/in") == (
        "https://ops.example.org:8443/safepath/in"
    )
    assert webhook_url_masked(SECRET_URL) == "https://•••@hooks.example.org/in/3k•••?token=•••"

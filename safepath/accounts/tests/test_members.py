"""Members: invitations (single use, expiring, resend, revoke), CSV import checked whole,
role and unit changes, deactivation that ends access at once, second-factor reset, and
password reset by email."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from safepath.accounts.models import Invitation, Membership, Organization, Role, Unit, User
from safepath.accounts.services import invitation_create
from safepath.conftest import PASSWORD, logged_in
from safepath.core.models import AuditEntry
from safepath.core.testing import first_link

pytestmark = pytest.mark.django_db

STRONG = "violet-harbor-lantern-42"


def invite(organization: Organization, email: str = "new@riverside.test", **kw: Any) -> str:
    _invitation, token = invitation_create(
        organization=organization,
        email=email,
        role=kw.pop("role", Role.RESPONDER),
        actor=None,
        send=False,
        **kw,
    )
    return f"/accounts/invitation/{token}/"


def accept(url: str, password: str = STRONG) -> Any:
    return Client().post(url, {"password1": password, "password2": password})


def test_admin_invites_by_email_and_the_link_works_once(
    alice: User, riverside: Organization, mail_server: Any
) -> None:
    response = logged_in(alice).post(
        "/dashboard/members/invite/",
        {"organization": riverside.slug, "email": "Officer@Riverside.test", "role": "responder"},
    )
    assert response.status_code == 302

    (body,) = mail_server.wait_for("officer@riverside.test")
    link = first_link(body, "/accounts/invitation/")
    path = "/" + link.split("/", 3)[3]
    assert Client().get(path).status_code == 200

    answer = accept(path)

    assert answer.status_code == 302
    assert answer["Location"].startswith("/accounts/two-factor/setup/")
    user = User.objects.get(email="officer@riverside.test")
    assert user.check_password(STRONG)
    assert Membership.objects.get(user=user).role == "responder"
    # Single use: the same link is dead now.
    assert Client().get(path).status_code == 404
    assert accept(path, "another-long-passphrase-9").status_code == 404
    assert AuditEntry.objects.filter(action="accounts.invitation_accepted").count() == 1


def test_the_invitee_sees_nothing_before_enrolling_a_second_factor(
    riverside: Organization,
) -> None:
    client = Client()
    url = invite(riverside)
    client.post(url, {"password1": STRONG, "password2": STRONG})

    response = client.get("/dashboard/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/")


def test_a_weak_password_is_refused_and_nothing_is_saved(riverside: Organization) -> None:
    url = invite(riverside)

    response = accept(url, "password")

    assert response.status_code == 400
    assert b"too common" in response.content or b"too short" in response.content
    assert not User.objects.filter(email="new@riverside.test").exists()
    assert Client().get(url).status_code == 200  # still usable


def test_expired_and_revoked_links_do_not_work(alice: User, riverside: Organization) -> None:
    expired = invite(riverside, "late@riverside.test")
    Invitation.objects.filter(email="late@riverside.test").update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    revoked = invite(riverside, "gone@riverside.test")
    pk = Invitation.objects.get(email="gone@riverside.test").pk
    assert logged_in(alice).post(f"/dashboard/members/invitations/{pk}/revoke/").status_code == 302

    assert accept(expired).status_code == 404
    assert accept(revoked).status_code == 404
    assert not User.objects.filter(email__in=["late@riverside.test", "gone@riverside.test"])


def test_resend_sends_a_new_link_and_the_old_one_dies(
    alice: User, riverside: Organization, mail_server: Any
) -> None:
    old = invite(riverside)
    pk = Invitation.objects.get(email="new@riverside.test").pk

    assert logged_in(alice).post(f"/dashboard/members/invitations/{pk}/resend/").status_code == 302

    (body,) = mail_server.wait_for("new@riverside.test")
    new = "/" + first_link(body, "/accounts/invitation/").split("/", 3)[3]
    assert new != old
    assert Client().get(old).status_code == 404
    assert accept(new).status_code == 302


def test_csv_import_is_checked_whole(
    alice: User, riverside: Organization, mail_server: Any
) -> None:
    Unit.objects.create(organization=riverside, slug="patrol", name="Patrol")
    client = logged_in(alice)
    bad = b"email,role,units\na@r.test,responder,patrol\nnot-an-email,responder,\nc@r.test,boss,\n"

    response = client.post(
        "/dashboard/members/import/",
        {"organization": riverside.slug, "file": _upload(bad)},
    )

    assert response.status_code == 400
    assert b"Line 3" in response.content and b"Line 4" in response.content
    assert not Invitation.objects.exists()
    assert mail_server.messages == []

    good = b"email,role,units\na@r.test,responder,patrol\nb@r.test,Learner,\n"
    response = client.post(
        "/dashboard/members/import/", {"organization": riverside.slug, "file": _upload(good)}
    )

    assert response.status_code == 302
    assert sorted(Invitation.objects.values_list("email", "role")) == [
        ("a@r.test", "responder"),
        ("b@r.test", "learner"),
    ]
    assert list(Invitation.objects.get(email="a@r.test").units.values_list("slug", flat=True)) == [
        "patrol"
    ]
    mail_server.wait_for("b@r.test")


def _upload(data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("members.csv", data, content_type="text/csv")


def test_admin_changes_a_role_and_units(alice: User, bob: User, riverside: Organization) -> None:
    patrol = Unit.objects.create(organization=riverside, slug="patrol", name="Patrol")
    membership = bob.memberships.get()

    response = logged_in(alice).post(
        f"/dashboard/members/{membership.pk}/", {"role": "supervisor", "units": [patrol.pk]}
    )

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == "supervisor"
    assert list(membership.units.all()) == [patrol]
    assert AuditEntry.objects.filter(action="accounts.membership_changed").exists()


def test_the_last_administrator_cannot_be_demoted(alice: User) -> None:
    membership = alice.memberships.get()

    response = logged_in(alice).post(f"/dashboard/members/{membership.pk}/", {"role": "responder"})

    assert response.status_code == 400
    membership.refresh_from_db()
    assert membership.role == "admin"


def test_deactivation_ends_sessions_and_tokens_at_once_and_keeps_history(
    alice: User, bob: User
) -> None:
    from safepath.api.tokens import api_token_create

    bob_client = logged_in(bob)
    assert bob_client.get("/dashboard/").status_code == 200
    _record, token = api_token_create(user=bob, name="cad", scopes=["reports:read"])
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/api/v1/reports/").status_code == 200
    membership = bob.memberships.get()

    response = logged_in(alice).post(f"/dashboard/members/{membership.pk}/deactivate/")

    assert response.status_code == 302
    assert bob_client.get("/dashboard/").status_code == 302  # signed out
    assert api.get("/api/v1/reports/").status_code in {401, 403}
    bob.refresh_from_db()
    assert not bob.is_active
    assert not any(
        str(s.get_decoded().get("_auth_user_id")) == str(bob.pk) for s in Session.objects.all()
    )
    # History stays: the membership row and the audit entry.
    assert Membership.objects.filter(pk=membership.pk, deactivated_at__isnull=False).exists()
    assert AuditEntry.objects.filter(
        action="accounts.membership_deactivated", object_ref=str(membership.pk)
    ).exists()
    assert (
        Client().post("/accounts/login/", {"username": bob.email, "password": PASSWORD}).status_code
        == 200
    )  # the form again: inactive accounts cannot sign in


def test_admin_resets_a_lost_second_factor_and_it_is_audited(alice: User, bob: User) -> None:
    bob_client = logged_in(bob)
    assert TOTPDevice.objects.filter(user=bob).exists()
    membership = bob.memberships.get()

    response = logged_in(alice).post(f"/dashboard/members/{membership.pk}/second-factor/reset/")

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=bob).exists()
    assert bob_client.get("/dashboard/").status_code == 302
    entry = AuditEntry.objects.get(action="accounts.second_factor_reset")
    assert entry.actor == alice and bob.email in entry.detail


def test_member_pages_are_404_to_another_tenant_and_403_to_non_admins(
    alice: User, bob: User, charlie: User
) -> None:
    membership = alice.memberships.get()
    url = f"/dashboard/members/{membership.pk}/"

    assert logged_in(charlie).get(url).status_code == 404
    assert logged_in(charlie).post(f"{url}deactivate/").status_code == 404
    assert logged_in(bob).get(url).status_code == 403
    assert logged_in(bob).get("/dashboard/members/").status_code == 403
    assert Membership.objects.get(pk=membership.pk).deactivated_at is None


def test_password_reset_by_email(bob: User, mail_server: Any) -> None:
    client = Client()
    response = client.post("/accounts/password_reset/", {"email": bob.email})
    assert response.status_code == 302

    (body,) = mail_server.wait_for(bob.email)
    path = "/" + first_link(body, "/accounts/reset/").split("/", 3)[3]
    form = client.get(path, follow=True)
    assert b"new_password1" in form.content
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": STRONG, "new_password2": STRONG}
    )

    assert done.status_code == 302
    bob.refresh_from_db()
    assert bob.check_password(STRONG)
    assert mail_server.bodies_to("nobody@nowhere.test") == []


def test_password_reset_for_an_unknown_address_sends_nothing(db: None, mail_server: Any) -> None:
    response = Client().post("/accounts/password_reset/", {"email": "nobody@nowhere.test"})

    assert response.status_code == 302
    assert mail_server.messages == []

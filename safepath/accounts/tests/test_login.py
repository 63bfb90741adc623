"""Staff sign in with email and password, then a second factor; throttled; idle sessions end."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from safepath.accounts.access import organizations_for
from safepath.accounts.mfa import totp_code_for_secret, totp_secret_base32
from safepath.accounts.models import Membership, Role, User
from safepath.conftest import PASSWORD
from safepath.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def sign_in(client: Client, email: str, password: str = PASSWORD):
    return client.post("/accounts/login/", {"username": email, "password": password})


def current_code(device: TOTPDevice) -> str:
    return totp_code_for_secret(totp_secret_base32(device))


def test_password_alone_does_not_open_the_inbox(bob: User) -> None:
    client = Client()
    response = sign_in(client, bob.email)

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    inbox = client.get("/dashboard/")
    assert inbox.status_code == 302
    assert inbox["Location"].startswith("/accounts/two-factor/")


@pytest.fixture
def no_otp_throttle(settings) -> None:
    # django-otp slows retries after a wrong code (1 s, then doubling); these tests retry at once.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def test_first_sign_in_enrols_an_authenticator_and_shows_recovery_codes(
    bob: User, no_otp_throttle: None
) -> None:
    client = Client()
    sign_in(client, bob.email)
    setup = client.get("/accounts/two-factor/", follow=True)
    assert setup.redirect_chain[-1][0].startswith("/accounts/two-factor/setup/")
    found = re.search(r'id="totp-secret">([A-Z2-7]+)<', setup.content.decode())
    assert found is not None
    secret = found.group(1)
    assert "<svg" in setup.content.decode()  # the QR code for the app, drawn inline

    wrong = client.post("/accounts/two-factor/setup/", {"token": "000000"})
    assert wrong.status_code == 400
    done = client.post("/accounts/two-factor/setup/", {"token": totp_code_for_secret(secret)})

    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", done.content.decode())
    assert len(codes) == 10
    assert client.get("/dashboard/").status_code == 200


def test_returning_user_enters_a_code(bob: User, no_otp_throttle: None) -> None:
    device = TOTPDevice.objects.create(user=bob, name="Authenticator app", confirmed=True)
    client = Client()
    sign_in(client, bob.email)

    wrong = client.post("/accounts/two-factor/", {"token": "12345"})
    assert wrong.status_code == 400
    assert "did not work" in wrong.content.decode()
    assert client.get("/dashboard/").status_code == 302

    right = client.post(
        "/accounts/two-factor/", {"token": current_code(device), "next": "/dashboard/"}
    )
    assert right.status_code == 302
    assert right["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200
    assert AuditEntry.objects.filter(actor=bob, action="account.second_factor").exists()


def test_a_recovery_code_works_once(bob: User) -> None:
    from safepath.accounts.mfa import recovery_codes_regenerate

    TOTPDevice.objects.create(user=bob, name="Authenticator app", confirmed=True)
    code = recovery_codes_regenerate(user=bob)[0]

    first = Client()
    sign_in(first, bob.email)
    assert first.post("/accounts/two-factor/", {"token": code}).status_code == 302
    second = Client()
    sign_in(second, bob.email)
    assert second.post("/accounts/two-factor/", {"token": code}).status_code == 400


def test_second_factor_redirect_refuses_foreign_next(bob: User) -> None:
    device = TOTPDevice.objects.create(user=bob, name="Authenticator app", confirmed=True)
    client = Client()
    sign_in(client, bob.email)

    response = client.post(
        "/accounts/two-factor/", {"token": current_code(device), "next": "https://evil.example/"}
    )

    assert response["Location"] == "/dashboard/"


def test_roles_that_cannot_read_reports_need_no_second_factor(riverside) -> None:
    analyst = User.objects.create_user("ana@riverside.test", PASSWORD)
    Membership.objects.create(user=analyst, organization=riverside, role=Role.ANALYST)
    client = Client()
    sign_in(client, analyst.email)

    assert client.get("/dashboard/").status_code == 200


def test_wrong_password_says_so_plainly(bob: User) -> None:
    response = sign_in(Client(), bob.email, "wrong")

    assert response.status_code == 200
    assert "do not match" in response.content.decode()


def test_repeated_wrong_passwords_pause_the_account(bob: User) -> None:
    for _ in range(5):
        sign_in(Client(), bob.email, "wrong")

    locked = sign_in(Client(), bob.email)  # even the right password, for now

    assert locked.status_code == 429
    assert "paused" in locked.content.decode()


def test_idle_session_is_signed_out(bob_client: Client, settings) -> None:
    assert bob_client.get("/dashboard/").status_code == 200
    settings.SESSION_IDLE_SECONDS = -1

    response = bob_client.get("/dashboard/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?idle=1")
    settings.SESSION_IDLE_SECONDS = 1800
    assert bob_client.get("/dashboard/").status_code == 302  # really signed out


def test_requests_a_page_makes_by_itself_do_not_keep_a_session_alive(
    bob_client: Client, settings
) -> None:
    from safepath.accounts.middleware import IDLE_KEY

    background = {"X-SafePath-Background": "1"}  # the live inbox's catch-up, polls, counts
    settings.SESSION_IDLE_SECONDS = 60
    assert bob_client.get("/dashboard/").status_code == 200  # a person: the timer starts
    session = bob_client.session
    session[IDLE_KEY] -= 50  # the person has been away for 50 s
    session.save()
    last_seen = session[IDLE_KEY]

    response = bob_client.get("/dashboard/?fragment=counts", headers=background)

    assert response.status_code == 200
    assert bob_client.session[IDLE_KEY] == last_seen  # not activity: the timer runs on
    session = bob_client.session
    session[IDLE_KEY] -= 11  # away for 61 s: past the idle time
    session.save()
    ended = bob_client.get("/dashboard/?fragment=reports", headers=background)
    assert ended.status_code == 302
    assert ended["Location"].startswith("/accounts/login/?idle=1")
    assert bob_client.get("/dashboard/").status_code == 302  # really signed out


def test_a_person_s_request_keeps_the_session_alive(bob_client: Client, settings) -> None:
    from safepath.accounts.middleware import IDLE_KEY

    settings.SESSION_IDLE_SECONDS = 60
    assert bob_client.get("/dashboard/").status_code == 200
    session = bob_client.session
    session[IDLE_KEY] -= 50
    session.save()

    assert bob_client.get("/dashboard/?fragment=counts").status_code == 200

    assert bob_client.session[IDLE_KEY] > session[IDLE_KEY]


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


def test_the_session_id_changes_at_the_second_factor(bob: User, no_otp_throttle: None) -> None:
    device = TOTPDevice.objects.create(user=bob, name="Authenticator app", confirmed=True)
    client = Client()
    sign_in(client, bob.email)
    captured = client.cookies["sessionid"].value  # seen after the password step

    client.post("/accounts/two-factor/", {"token": current_code(device)})

    assert client.cookies["sessionid"].value != captured
    assert client.get("/dashboard/").status_code == 200
    thief = Client()
    thief.cookies["sessionid"] = captured
    assert thief.get("/dashboard/").status_code == 302  # the captured id opens nothing


def test_the_session_id_changes_when_a_second_factor_is_enrolled(bob: User) -> None:
    client = Client()
    sign_in(client, bob.email)
    setup = client.get("/accounts/two-factor/setup/")
    found = re.search(r'id="totp-secret">([A-Z2-7]+)<', setup.content.decode())
    assert found is not None
    captured = client.cookies["sessionid"].value

    client.post("/accounts/two-factor/setup/", {"token": totp_code_for_secret(found.group(1))})

    assert client.cookies["sessionid"].value != captured
    thief = Client()
    thief.cookies["sessionid"] = captured
    assert thief.get("/dashboard/").status_code == 302


def test_wrong_passwords_from_elsewhere_do_not_lock_the_owner_out(bob: User) -> None:
    for _ in range(6):
        sign_in(Client(REMOTE_ADDR="203.0.113.9"), bob.email, "wrong")

    owner = sign_in(Client(REMOTE_ADDR="198.51.100.7"), bob.email)
    attacker = sign_in(Client(REMOTE_ADDR="203.0.113.9"), bob.email)

    assert owner.status_code == 302, "the responder signs in from their own address"
    assert attacker.status_code == 429, "the guessing address stays paused, right password or not"

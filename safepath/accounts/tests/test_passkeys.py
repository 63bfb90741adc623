"""Passkeys as a second factor: only a real, fresh assertion from the person's own passkey
passes the second step.

A small software authenticator (an EC P-256 key signing WebAuthn assertions exactly as a
browser's authenticator does) stands in for the device, so the server-side checks of the
library run for real: challenge, origin, relying party, signature, owner.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import cbor2
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.test import Client
from django_otp_webauthn.models import WebAuthnCredential

from safepath.accounts.models import Membership, Organization, Role, User
from safepath.conftest import PASSWORD, logged_in
from safepath.core.models import AuditEntry

pytestmark = pytest.mark.django_db

BEGIN = "/accounts/two-factor/passkey/authentication/begin/"
COMPLETE = "/accounts/two-factor/passkey/authentication/complete/"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SoftAuthenticator:
    def __init__(self, credential_id: bytes) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = credential_id
        self.counter = 0

    def cose_public_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,
                3: -7,
                -1: 1,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def register_for(self, user: User) -> WebAuthnCredential:
        credential: WebAuthnCredential = WebAuthnCredential.objects.create(
            user=user,
            name="Laptop",
            confirmed=True,
            credential_id=self.credential_id,
            public_key=self.cose_public_key(),
        )
        return credential

    def assertion(
        self, challenge: str, *, origin: str | None = None, key: Any = None
    ) -> dict[str, Any]:
        self.counter += 1
        rp_hash = hashlib.sha256(settings.OTP_WEBAUTHN_RP_ID.encode()).digest()
        flags = bytes([0x01 | 0x04])  # user present, user verified
        auth_data = rp_hash + flags + self.counter.to_bytes(4, "big")
        client_data = json.dumps(
            {
                "type": "webauthn.get",
                "challenge": challenge,
                "origin": origin or settings.OTP_WEBAUTHN_ALLOWED_ORIGINS[0],
                "crossOrigin": False,
            }
        ).encode()
        signer = key or self.key
        signature = signer.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {
                "authenticatorData": b64url(auth_data),
                "clientDataJSON": b64url(client_data),
                "signature": b64url(signature),
            },
            "clientExtensionResults": {},
        }


def password_only(user: User) -> Client:
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": user.email, "password": PASSWORD}, follow=False
    )
    assert response.status_code == 302
    return client


def begin(client: Client) -> str:
    response = client.post(BEGIN, content_type="application/json")
    assert response.status_code == 200, response.content
    challenge: str = response.json()["challenge"]
    return challenge


def complete(client: Client, body: object) -> Any:
    payload = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(f"{COMPLETE}?next=/dashboard/", payload, content_type="application/json")


def blocked(client: Client) -> bool:
    response = client.get("/dashboard/")
    return response.status_code == 302 and "/accounts/two-factor/" in response["Location"]


def test_a_right_assertion_passes_the_second_factor_and_renews_the_session(bob: User) -> None:
    device = SoftAuthenticator(b"bob-laptop-credential")
    device.register_for(bob)
    client = password_only(bob)
    assert blocked(client)
    before = client.cookies[settings.SESSION_COOKIE_NAME].value

    response = complete(client, device.assertion(begin(client)))

    assert response.status_code == 200, response.content
    assert response.json()["redirect_url"] == "/dashboard/"
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != before
    assert client.get("/dashboard/").status_code == 200
    assert AuditEntry.objects.filter(actor=bob, action="account.second_factor").exists()


def test_a_wrong_or_missing_assertion_does_not_pass(bob: User, alice: User) -> None:
    device = SoftAuthenticator(b"bob-laptop-credential")
    device.register_for(bob)
    alices = SoftAuthenticator(b"alice-key-credential")
    alices.register_for(alice)
    client = password_only(bob)

    # Nothing at all, or no ceremony started: a 4xx, still blocked.
    assert complete(client, {}).status_code in {400, 422}
    assert blocked(client)
    # Not JSON, or JSON of the wrong shape: a 4xx with a message, never a 500.
    bodies: list[object] = ["not json", {"id": "x"}, {"response": {}}, []]
    for body in bodies:
        begin(client)
        response = complete(client, body)
        assert 400 <= response.status_code < 500, (body, response.status_code)
        assert response.json()["detail"]
        assert blocked(client)
    # Signed by another key than the registered one.
    wrong_key = ec.generate_private_key(ec.SECP256R1())
    assert complete(client, device.assertion(begin(client), key=wrong_key)).status_code == 422
    assert blocked(client)
    # Signed for another site.
    evil = device.assertion(begin(client), origin="https://safepath.example.net")
    assert complete(client, evil).status_code == 422
    assert blocked(client)
    # Answering an old challenge (replay) or a made-up one.
    stale = begin(client)
    begin(client)
    assert complete(client, device.assertion(stale)).status_code == 422
    assert complete(client, device.assertion(b64url(b"made-up"))).status_code in {400, 422}
    assert blocked(client)
    # Someone else's passkey, even a valid assertion from it.
    assert complete(client, alices.assertion(begin(client))).status_code == 403
    assert blocked(client)
    # A challenge answers once: the same right assertion cannot be sent twice.
    challenge = begin(client)
    right = device.assertion(challenge)
    assert complete(client, right).status_code == 200
    assert not blocked(client)
    assert complete(client, right).status_code == 400


def test_no_passwordless_sign_in(bob: User) -> None:
    device = SoftAuthenticator(b"bob-laptop-credential")
    device.register_for(bob)
    client = Client()
    assert client.post(BEGIN, content_type="application/json").status_code == 403
    assert client.get("/dashboard/").status_code == 302
    assert "/accounts/login/" in client.get("/dashboard/")["Location"]


def test_passkeys_are_added_only_after_the_second_factor_and_removed_by_their_owner(
    bob: User, alice: User
) -> None:
    # Bob has an authenticator app; with the password alone he cannot add a passkey.
    logged_in(bob)  # creates his confirmed app device
    client = password_only(bob)
    response = client.post(
        "/accounts/two-factor/passkey/registration/begin/", content_type="application/json"
    )
    assert response.status_code == 403
    # Verified, he can start one (the browser test finishes it with a real authenticator).
    verified = logged_in(bob)
    response = verified.post(
        "/accounts/two-factor/passkey/registration/begin/", content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["rp"]["id"] == settings.OTP_WEBAUTHN_RP_ID

    bobs = SoftAuthenticator(b"bob-laptop-credential").register_for(bob)
    alices = SoftAuthenticator(b"alice-key-credential").register_for(alice)
    page = verified.get("/accounts/security/").content.decode()
    assert f'data-passkey="{bobs.pk}"' in page and f'data-passkey="{alices.pk}"' not in page
    assert verified.post(f"/accounts/security/passkeys/{alices.pk}/remove/").status_code == 404
    assert WebAuthnCredential.objects.filter(pk=alices.pk).exists()
    assert verified.post(f"/accounts/security/passkeys/{bobs.pk}/remove/").status_code == 302
    assert not WebAuthnCredential.objects.filter(pk=bobs.pk).exists()
    assert AuditEntry.objects.filter(actor=bob, action="account.passkey_removed").exists()


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_every_role_manages_its_own_passkeys(role: str, riverside: Organization) -> None:
    """The role dimension of the account page: it is personal, every role has it."""
    user = User.objects.create_user(f"{role}@riverside.test", PASSWORD)
    Membership.objects.create(user=user, organization=riverside, role=role)
    page = logged_in(user).get("/accounts/security/")
    assert page.status_code == 200
    assert 'id="passkey-registration-placeholder"' in page.content.decode()
    assert Client().get("/accounts/security/").status_code == 302  # a login first


def test_a_new_member_may_choose_a_passkey_instead_of_an_app(bob: User) -> None:
    """Enrolment (after accepting an invitation) offers a passkey beside the app: with no
    second factor yet, the password session may register one."""
    client = password_only(bob)
    setup = client.get("/accounts/two-factor/setup/?next=/dashboard/").content.decode()
    assert 'id="passkey-register-button"' in setup and 'data-next="/dashboard/"' in setup
    response = client.post(
        "/accounts/two-factor/passkey/registration/begin/", content_type="application/json"
    )
    assert response.status_code == 200
    assert blocked(client)  # starting is not passing

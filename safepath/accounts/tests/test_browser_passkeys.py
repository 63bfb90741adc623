"""In Chromium with a virtual authenticator (Chrome DevTools Protocol): a responder adds a
passkey in their account settings, signs out, and signs in again with password + passkey."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from safepath.core.testing import Deployment, deployment, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Deployment]:
    with deployment(tmp_path) as live:
        yield live


def test_register_a_passkey_then_sign_in_with_password_and_passkey(
    live: Deployment, chromium: Any
) -> None:
    # Browsers allow WebAuthn on https:// or http://localhost, never on an IP address.
    server = live.start_server(worker=False, base_url="http://localhost:{port}")
    base = server.url.replace("127.0.0.1", "localhost")
    user = next(
        u for u in live.summary["users"] if u.get("totp_secret") and u["role"] == "responder"
    )
    context = chromium.new_context()
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("WebAuthn.enable")
        authenticator = cdp.send(
            "WebAuthn.addVirtualAuthenticator",
            {
                "options": {
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": True,
                    "hasUserVerification": True,
                    "isUserVerified": True,
                    "automaticPresenceSimulation": True,
                }
            },
        )["authenticatorId"]

        # Signed in with password + authenticator app, the responder adds a passkey.
        sign_in(page, base, user)
        page.click("header a.who")
        page.wait_for_url(f"{base}/accounts/security/")
        expect(page.locator("#no-passkeys")).to_be_visible()
        page.click("#passkey-register-button")
        expect(page.locator("#passkeys li")).to_have_count(1)
        credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
        assert len(credentials["credentials"]) == 1

        # Sign out, then password and passkey: no code typed.
        page.click("header form[action='/accounts/logout/'] button")
        page.wait_for_url(re.compile(r"/accounts/login/"))
        page.goto(f"{base}/dashboard/")
        page.wait_for_url(re.compile(r"/accounts/login/"))
        page.fill("#id_username", user["email"])
        page.fill("#id_password", user["password"])
        page.click("main button[type=submit]")
        page.wait_for_url(re.compile(re.escape(f"{base}/accounts/two-factor/")))
        page.click("#passkey-verification-button")
        page.wait_for_url(re.compile(re.escape(f"{base}/dashboard/")))
        expect(page.locator("#report-rows")).to_be_attached()
        assert page.evaluate("() => location.pathname") == "/dashboard/"
        # The authenticator really signed: its counter moved.
        after = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
        assert after["credentials"][0]["signCount"] >= 1
    finally:
        context.close()

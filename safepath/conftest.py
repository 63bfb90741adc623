"""Shared test fixtures: the Alice/Bob/Charlie cast and the browser-test gate.

Alice administers Riverside Police Department, Bob responds there, Charlie administers
St. Brigid Hospital. Anything of Riverside's that Charlie asks for must be a 404.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from safepath.accounts.models import Membership, Organization, OrganizationKind, Role, User
from safepath.core.crypto import forget_cached_keys
from safepath.placements.models import Placement

PASSWORD = "a-long-test-password"  # noqa: S105  # test fixture
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def chromium_available() -> bool:
    return bool(shutil.which(CHROMIUM))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if chromium_available():
        return
    browser_items = [item for item in items if item.get_closest_marker("browser")]
    if not browser_items:
        return
    if os.environ.get("SAFEPATH_REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(
            f"SAFEPATH_REQUIRE_BROWSER=1 but Chromium is not at {CHROMIUM}: "
            "install Debian's chromium package (the CI script does)."
        )
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}: browser tests skipped")
    for item in browser_items:
        item.add_marker(skip)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not chromium_available():
        terminalreporter.write_sep(
            "!",
            f"BROWSER TESTS SKIPPED: no Chromium at {CHROMIUM} (apt-get install chromium)",
            yellow=True,
        )


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # Production hashing is deliberately slow; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    # Unwrapped data keys are cached per process; each test's database starts without them.
    forget_cached_keys()
    cache.clear()
    yield
    cache.clear()
    forget_cached_keys()


@pytest.fixture
def riverside(db: None) -> Organization:
    return Organization.objects.create(
        slug="riverside-pd",
        name="Riverside Police Department",
        kind=OrganizationKind.LAW_ENFORCEMENT,
    )


@pytest.fixture
def st_brigid(db: None) -> Organization:
    return Organization.objects.create(
        slug="st-brigid", name="St. Brigid Hospital", kind=OrganizationKind.HEALTHCARE
    )


def _member(email: str, organization: Organization, role: str) -> User:
    user = User.objects.create_user(email, PASSWORD)
    Membership.objects.create(user=user, organization=organization, role=role)
    return user


@pytest.fixture
def alice(riverside: Organization) -> User:
    return _member("alice@riverside.test", riverside, Role.ADMIN)


@pytest.fixture
def bob(riverside: Organization) -> User:
    return _member("bob@riverside.test", riverside, Role.RESPONDER)


@pytest.fixture
def charlie(st_brigid: Organization) -> User:
    return _member("charlie@stbrigid.test", st_brigid, Role.ADMIN)


@pytest.fixture
def bus_station(riverside: Organization) -> Placement:
    return Placement.objects.create(
        organization=riverside, public_name="Bus station, restroom by gate 4"
    )


@pytest.fixture
def clinic(st_brigid: Organization) -> Placement:
    return Placement.objects.create(organization=st_brigid, public_name="Clinic, exam room 3")


def logged_in(user: User) -> Client:
    """A client signed in as ``user`` who has also passed the second factor."""
    from safepath.core.testing import verified_client

    client: Client = verified_client(user)
    return client


@pytest.fixture
def bob_client(bob: User) -> Client:
    return logged_in(bob)


@pytest.fixture
def charlie_client(charlie: User) -> Client:
    return logged_in(charlie)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a browser Playwright downloads)."""
    from playwright.sync_api import expect, sync_playwright

    # Two shared cores run the servers, the browser and the tests: give page changes time.
    # Where speed is the point (a report reaching the inbox in 2 s) the test says so itself.
    expect.set_options(timeout=15_000)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def mail_server(settings: Any) -> Iterator[Any]:
    """A real in-process SMTP server that Django's SMTP backend sends to."""
    from safepath.core.testing import SmtpInbox

    inbox = SmtpInbox()
    port = inbox.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    try:
        yield inbox
    finally:
        inbox.stop()

"""The reporter's pages carry strict headers; staff pages carry their own policy."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from safepath.placements.models import Placement

pytestmark = pytest.mark.django_db


def reporter_urls(placement: Placement) -> list[str]:
    return ["/", "/help/", "/followup/", f"/Q/{placement.code}", "/Q/ZZZZZZZZZZ"]


def test_every_reporter_page_is_uncached_unindexed_and_closed(bus_station: Placement) -> None:
    for url in reporter_urls(bus_station):
        response = Client().get(url)
        assert response["Cache-Control"] == "no-store", url
        assert response["Referrer-Policy"] == "no-referrer", url
        assert "noindex" in response["X-Robots-Tag"], url
        csp = response["Content-Security-Policy"]
        assert csp.startswith("default-src 'none'"), url
        # The only script allowed is the page's own inline one, named by its hash.
        scripts = re.findall(r"script-src ([^;]+)", csp)
        assert len(scripts) == 1 and re.fullmatch(r"'sha256-[A-Za-z0-9+/=]+'", scripts[0]), url
        assert "camera=()" in response["Permissions-Policy"], url
        assert response["X-Frame-Options"] == "DENY", url


def test_reporter_pages_load_nothing_from_elsewhere(bus_station: Placement) -> None:
    for url in reporter_urls(bus_station):
        body = Client().get(url).content.decode()
        assert "<link" not in body, url
        assert "<script src" not in body and body.count("<script>") == 1, url
        assert "<img" not in body, url
        assert "@import" not in body and "url(" not in body, url


def test_every_reporter_page_has_a_quick_exit(bus_station: Placement, settings) -> None:
    for url in reporter_urls(bus_station):
        body = Client().get(url).content.decode()
        # Through the server's exit (which ends the reporter's sessions) where there is one,
        # then the neutral site.
        assert f'data-to="{settings.QUICK_EXIT_URL}"' in body, url
        assert 'class="exit" href="' in body, url


def test_staff_pages_have_a_strict_policy_too(bob_client: Client) -> None:
    response = bob_client.get("/dashboard/")

    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "noindex" in response["X-Robots-Tag"]

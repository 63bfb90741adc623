"""End to end in Chromium: an administrator opens /analytics/ and watches a scan arrive.

The page shows the heat grid, the map (Leaflet served by SafePath itself, tiles from a
local tile server started here), its hotspot hexagons, the funnel and response times. A
code scanned in another browser while the page is open adds one to the totals and to the
current hour's square without a reload. The page asks nothing of any other host.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from PIL import Image
from playwright.sync_api import expect

from safepath.analytics import vendor
from safepath.core.testing import Deployment, deployment, sign_in

pytestmark = pytest.mark.browser


def _tile() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), (225, 232, 236)).save(out, format="PNG")
    return out.getvalue()


class TileServer:
    """A local stand-in for the operator's tile server: any /z/x/y.png is a plain tile."""

    def __init__(self) -> None:
        tile = _tile()
        paths: list[str] = []
        self.paths: list[str] = paths

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                paths.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(tile)))
                self.end_headers()
                self.wfile.write(tile)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> TileServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Deployment]:
    with deployment(tmp_path) as live:
        yield live


def test_an_administrator_sees_the_figures_and_a_live_scan(live: Deployment, chromium: Any) -> None:
    if not vendor.installed():
        pytest.fail("Leaflet is not installed: run make setup (it needs npm)")
    alice = next(u for u in live.summary["users"] if u["email"] == "alice@riverside.example")
    placement = next(p for p in live.summary["placements"] if p["organization"] == "riverside-pd")
    with TileServer() as tiles:
        live.env["MAP_TILE_URL"] = tiles.url + "/{z}/{x}/{y}.png"
        server = live.start_server()
        staff = chromium.new_context()
        reporter = chromium.new_context(java_script_enabled=False)
        try:
            page = staff.new_page()
            hosts: set[str] = set()
            page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
            sign_in(page, server.url, alice)
            page.goto(f"{server.url}/analytics/")

            expect(page.locator("table.heat[data-counter=scans] tbody tr")).to_have_count(7)
            expect(page.locator("#map.leaflet-container")).to_be_visible()
            expect(page.locator("#map[data-ready='1']")).to_have_count(1)
            expect(page.locator("#map path.hex.hot").first).to_be_attached()
            expect(page.locator("#map path.placement").first).to_be_attached()
            expect(page.locator("#hotspots tbody tr.hot").first).to_contain_text(
                "More scans than expected for this area"
            )
            expect(page.locator("#funnel table.funnel").first).to_contain_text(
                "Riverside bus station"
            )
            expect(page.locator("#response table.response").first).to_contain_text("Tier 1")
            expect(page.locator("#live-status")).to_have_class("live on", timeout=5000)
            page.evaluate("window.__notReloaded = true")
            before = int(page.locator("#total-scans").inner_text())

            scan = reporter.new_page()
            scan.goto(placement["scan_url"].replace(live_base(placement), server.url))

            expect(page.locator("#total-scans")).to_have_text(str(before + 1), timeout=3000)
            expect(page.locator("table.heat[data-counter=scans] td.bump")).to_have_count(1)
            assert page.evaluate("window.__notReloaded") is True
            assert tiles.paths, "the map asked the tile server for no tile"
            assert hosts <= {urlsplit(server.url).netloc, urlsplit(tiles.url).netloc}, hosts
            page.screenshot(path=str(live.workdir / "analytics.png"), full_page=True)
        finally:
            staff.close()
            reporter.close()


def live_base(placement: dict[str, Any]) -> str:
    parts = urlsplit(placement["scan_url"])
    return f"{parts.scheme}://{parts.netloc}"
